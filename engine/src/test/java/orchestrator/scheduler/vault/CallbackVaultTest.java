package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class CallbackVaultTest
{
    private static final SecureRandom RANDOM = new SecureRandom();

    static byte[] randomBytes(final int length)
    {
        final byte[] b = new byte[length];
        RANDOM.nextBytes(b);
        return b;
    }

    static Reason failure(final Executable executable)
    {
        return assertThrows(RecordOpenException.class, executable).reason();
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldRoundTripPayloadsOfEverySize(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        for (final int size : new int[] {0, 1, 15, 16, 17, 64, 1024, 4099})
        {
            final byte[] payload = randomBytes(size);
            final SealedRecord record = vault.seal(7, "report", 3, payload);
            assertTrue(record.isSealed());
            assertEquals(1, record.keyId());
            assertEquals(size + SealedRecord.SEALED_OVERHEAD, record.length());
            assertArrayEquals(payload, vault.open(record, 7, "report", 3), "size " + size);
        }
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldNotContainPlaintextInSealedRecord(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] payload = new byte[256]; // all zero: any leak would show as a run of zeros
        final byte[] encoded = vault.seal(1, "t", 1, payload).toBytes();
        int zeroRun = 0;
        int longest = 0;
        for (final byte b : encoded)
        {
            zeroRun = b == 0 ? zeroRun + 1 : 0;
            longest = Math.max(longest, zeroRun);
        }
        assertTrue(longest < 8, "longest run of zeros " + longest);
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldUseFreshNoncePerSeal(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] payload = randomBytes(64);
        final byte[] a = vault.seal(1, "t", 1, payload).toBytes();
        final byte[] b = vault.seal(1, "t", 1, payload).toBytes();
        final int nonceStart = SealedRecord.SEALED_HEADER_LENGTH;
        final int nonceEnd = nonceStart + SealedRecord.NONCE_LENGTH;
        assertFalse(Arrays.equals(a, nonceStart, nonceEnd, b, nonceStart, nonceEnd));
        assertFalse(Arrays.equals(a, b));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldDetectEverySingleByteFlip(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] payload = randomBytes(40);
        final byte[] encoded = vault.seal(11, "billing", 5, payload).toBytes();
        for (int i = 0; i < encoded.length; i++)
        {
            for (final int mask : new int[] {0x01, 0x80, 0xFF})
            {
                final byte[] altered = encoded.clone();
                altered[i] ^= (byte)mask;
                final SealedRecord record = SealedRecord.fromBytes(altered);
                final Reason reason = failure(() -> vault.open(record, 11, "billing", 5));
                final String where = "byte " + i + " mask " + mask;
                if (i == 0)
                {
                    assertTrue(reason == Reason.MALFORMED || reason == Reason.PLAIN_RECORD_REJECTED, where);
                }
                else if (i == 1)
                {
                    assertEquals(Reason.MALFORMED, reason, where);
                }
                else if (i < SealedRecord.SEALED_HEADER_LENGTH)
                {
                    assertEquals(Reason.UNKNOWN_KEY_ID, reason, where);
                }
                else
                {
                    assertEquals(Reason.AUTHENTICATION_FAILED, reason, where); // nonce, ciphertext, tag
                }
            }
        }
        assertArrayEquals(payload, vault.open(SealedRecord.fromBytes(encoded), 11, "billing", 5));
        final SealedRecord wrapped = SealedRecord.wrap(encoded.clone()); // what a restore does with a stored encoding
        assertArrayEquals(payload, vault.open(wrapped, 11, "billing", 5));
        assertArrayEquals(encoded, wrapped.toBytes());
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldDetectTruncationAndExtension(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] encoded = vault.seal(1, "t", 1, randomBytes(32)).toBytes();
        for (int length = 0; length < encoded.length; length++)
        {
            final SealedRecord cut = SealedRecord.fromBytes(Arrays.copyOf(encoded, length));
            assertThrows(RecordOpenException.class, () -> vault.open(cut, 1, "t", 1), "length " + length);
        }
        final SealedRecord longer = SealedRecord.fromBytes(Arrays.copyOf(encoded, encoded.length + 1));
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> vault.open(longer, 1, "t", 1)));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldRejectRecordSwappedBetweenTasks(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final SealedRecord a = vault.seal(1, "alpha", 1, randomBytes(16));
        final SealedRecord b = vault.seal(2, "beta", 1, randomBytes(16));
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> vault.open(a, 2, "beta", 1)));
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> vault.open(b, 1, "alpha", 1)));
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> vault.open(a, 2, "alpha", 1)), "same name, other id");
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> vault.open(a, 1, "beta", 1)), "same id, other name");
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldRejectReplayOfOlderVersion(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] v1 = "amount=10".getBytes(StandardCharsets.UTF_8);
        final byte[] v2 = "amount=20".getBytes(StandardCharsets.UTF_8);
        final SealedRecord old = vault.seal(3, "pay", 1, v1);
        final SealedRecord current = vault.seal(3, "pay", 2, v2);
        assertArrayEquals(v2, vault.open(current, 3, "pay", 2));
        final RecordOpenException ex = assertThrows(RecordOpenException.class, () -> vault.open(old, 3, "pay", 2));
        assertEquals(Reason.AUTHENTICATION_FAILED, ex.reason());
        assertEquals(3, ex.taskId());
        assertEquals("pay", ex.taskName());
        assertEquals(2, ex.version());
        assertTrue(ex.getMessage().contains("'pay'") && ex.getMessage().contains("authentication failed"),
            ex.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldRejectRecordSealedUnderAnotherKey(final Aead aead)
    {
        final CallbackVault mine = CallbackVault.production(KeyProvider.random(), aead);
        final CallbackVault theirs = CallbackVault.production(KeyProvider.random(), aead);
        final SealedRecord record = theirs.seal(1, "t", 1, randomBytes(64));
        assertEquals(record.keyId(), mine.seal(1, "t", 1, new byte[0]).keyId(), "both vaults number keys from 1");
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> mine.open(record, 1, "t", 1)));
    }

    @Test
    void shouldRejectRecordSealedWithOtherCipherUnderSameKey()
    {
        final byte[] key = randomBytes(32);
        final CallbackVault gcm = CallbackVault.production(KeyProvider.ofBytes(key), Aead.AES_256_GCM);
        final CallbackVault siv = CallbackVault.production(KeyProvider.ofBytes(key), Aead.AES_256_GCM_SIV);
        final SealedRecord record = siv.seal(1, "t", 1, randomBytes(8));
        assertEquals(Reason.MALFORMED, failure(() -> gcm.open(record, 1, "t", 1)));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldOpenWithKeySuppliedAsSameBytes(final Aead aead)
    {
        final byte[] key = randomBytes(32);
        final SealedRecord record = CallbackVault.production(KeyProvider.ofBytes(key), aead).seal(1, "t", 1, key);
        assertArrayEquals(key, CallbackVault.production(KeyProvider.ofBytes(key), aead).open(record, 1, "t", 1));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldWipePlaintextAfterActionRuns(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] payload = randomBytes(48);
        final SealedRecord record = vault.seal(1, "t", 1, payload);
        final AtomicReference<byte[]> seen = new AtomicReference<>();
        vault.runOpened(record, vault.pin(record), 1, "t", 1, (AtomicReference<byte[]> ref, byte[] plain) ->
        {
            assertArrayEquals(payload, plain);
            ref.set(plain);
        }, seen);
        assertArrayEquals(new byte[48], seen.get());
    }

    @Test
    void shouldPassFreshPlaintextArrayToEveryRun()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord record = vault.seal(1, "t", 1, randomBytes(16));
        final List<byte[]> seen = new ArrayList<>();
        vault.runOpened(record, vault.pin(record), 1, "t", 1, List::add, seen);
        vault.runOpened(record, vault.pin(record), 1, "t", 1, List::add, seen);
        assertNotSame(seen.get(0), seen.get(1));
    }

    @Test
    void shouldWipePlaintextAndReleasePinWhenActionThrows()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord record = vault.seal(1, "t", 1, randomBytes(48));
        final VaultKey key = keyOf(vault, record);
        final AtomicReference<byte[]> seen = new AtomicReference<>();
        final long token = vault.pin(record);
        final IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
            vault.runOpened(record, token, 1, "t", 1, (AtomicReference<byte[]> ref, byte[] plain) ->
            {
                ref.set(plain);
                throw new IllegalStateException("handler failed");
            }, seen));
        assertEquals("handler failed", thrown.getMessage());
        assertArrayEquals(new byte[48], seen.get());
        assertThrows(IllegalStateException.class, key::unpin, "the pin was released: none is left");
    }

    @Test
    void shouldNotCallActionAndReleasePinWhenRecordFailsToOpen()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord record = vault.seal(1, "t", 1, randomBytes(8));
        final VaultKey key = keyOf(vault, record);
        final boolean[] called = {false};
        final long token = vault.pin(record);
        assertTrue(token > 0);
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() ->
            vault.runOpened(record, token, 1, "t", 2, (boolean[] c, byte[] plain) -> c[0] = true, called)));
        assertFalse(called[0]);
        assertThrows(IllegalStateException.class, key::unpin, "the pin was released: none is left");
    }

    @Test
    void shouldReturnNoPinForRecordsThatCannotOpenAndReportWhyWhenRun()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord foreign = CallbackVault.production(KeyProvider.random()).seal(1, "t", 1, randomBytes(8));
        final byte[] unknownKey = foreign.toBytes();
        unknownKey[5] = 9;
        final SealedRecord plain = CallbackVault.testMode(Aead.AES_256_GCM).seal(1, "t", 1, randomBytes(8));
        final SealedRecord empty = SealedRecord.fromBytes(new byte[0]);
        for (final SealedRecord record : new SealedRecord[] {SealedRecord.fromBytes(unknownKey), plain, empty})
        {
            assertEquals(0, vault.pin(record), record.toString());
        }
        final BiConsumer<Object, byte[]> never = (c, p) -> fail("must not run");
        assertEquals(Reason.UNKNOWN_KEY_ID,
            failure(() -> vault.runOpened(SealedRecord.fromBytes(unknownKey), 0, 1, "t", 1, never, null)));
        assertEquals(Reason.PLAIN_RECORD_REJECTED, failure(() -> vault.runOpened(plain, 0, 1, "t", 1, never, null)));
        assertEquals(Reason.MALFORMED, failure(() -> vault.runOpened(empty, 0, 1, "t", 1, never, null)));
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> vault.runOpened(foreign, 0, 1, "t", 1, never, null)),
            "token 0 opens under the rules in force: same key id, other key");
    }

    @Test
    void shouldOpenWithTokenZeroUnderRulesInForce()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final byte[] payload = randomBytes(24);
        final SealedRecord record = vault.seal(3, "t", 4, payload);
        final List<byte[]> seen = new ArrayList<>();
        vault.runOpened(record, 0, 3, "t", 4, (List<byte[]> list, byte[] plain) -> list.add(plain.clone()), seen);
        assertArrayEquals(payload, seen.get(0));
        vault.unpin(0); // holds nothing
    }

    @Test
    void shouldRefuseTokensThatAreNotPinsOfThisVaultOrOfThisRecord()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord a = vault.seal(1, "a", 1, randomBytes(8));
        final SealedRecord plain = CallbackVault.testMode(Aead.AES_256_GCM).seal(1, "a", 1, randomBytes(8));
        final BiConsumer<Object, byte[]> never = (c, p) -> fail("must not run");
        assertThrows(IllegalArgumentException.class, () -> vault.unpin(77));
        assertThrows(IllegalArgumentException.class, () -> vault.unpin(Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> vault.runOpened(a, -5, 1, "a", 1, never, null));
        final long token = vault.pin(a);
        assertThrows(IllegalArgumentException.class, () -> vault.runOpened(plain, token, 1, "a", 1, never, null));
        final VaultKey key = keyOf(vault, a);
        assertThrows(IllegalStateException.class, key::unpin, "the mismatched run released the pin");
        assertThrows(IllegalStateException.class, () -> vault.unpin(token), "a token is consumed once");
    }

    @Test
    void shouldKeepKeyPinnedUntilTokenIsReleased()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord record = vault.seal(1, "t", 1, randomBytes(8));
        final VaultKey key = keyOf(vault, record);
        final long token = vault.pin(record);
        vault.close();
        assertTrue(key.isRetired());
        assertFalse(key.isWiped(), "pinned");
        vault.unpin(token);
        assertTrue(key.isWiped());
    }

    @Test
    void shouldTreatNullPayloadAsEmpty()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        assertArrayEquals(new byte[0], vault.open(vault.seal(1, "t", 1, null), 1, "t", 1));
    }

    @Test
    void shouldLeaveCallerPayloadUntouched()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final byte[] payload = randomBytes(64);
        final byte[] copy = payload.clone();
        vault.seal(1, "t", 1, payload);
        assertArrayEquals(copy, payload);
    }

    @Test
    void shouldRefuseEverythingOnceClosed()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord record = vault.seal(1, "t", 1, randomBytes(8));
        vault.close();
        vault.close();
        assertEquals(Reason.UNKNOWN_KEY_ID, failure(() -> vault.open(record, 1, "t", 1)));
        assertThrows(IllegalStateException.class, () -> vault.seal(1, "t", 1, new byte[1]));
        assertThrows(IllegalStateException.class, () -> vault.beginRotation(KeyProvider.random()));
    }

    @Test
    void shouldRefuseSealsBeyondLimitPerKey()
    {
        final VaultKey key = new VaultKey(1, Aead.AES_256_GCM, randomBytes(32));
        assertTrue(key.countSeal(2));
        assertTrue(key.countSeal(2));
        assertFalse(key.countSeal(2));
    }

    @Test
    void shouldWipeRetiredKeyOnlyAfterLastPinEnds()
    {
        final VaultKey key = new VaultKey(1, Aead.AES_256_GCM, randomBytes(32));
        final byte[] sealed = key.seal(1, "t", 1, randomBytes(16));
        assertTrue(key.pin());
        key.retire();
        assertFalse(key.pin(), "no new pin after retirement");
        assertNotNull(key.open(sealed, 1, "t", 1), "still opens while pinned");
        key.unpin();
        assertEquals(null, key.open(sealed, 1, "t", 1), "key bytes wiped after the last pin");
    }

    @Test
    void shouldResealCurrentRecordForNextVersion()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final byte[] payload = randomBytes(8);
        final SealedRecord record = vault.seal(1, "t", 1, payload);
        assertTrue(vault.isCurrent(record));
        final SealedRecord next = vault.reseal(record, 1, "t", 1);
        assertTrue(vault.isCurrent(next));
        assertArrayEquals(payload, vault.open(next, 1, "t", 2));
        assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> vault.open(next, 1, "t", 1)));
    }

    /** The key a sealed record of this vault was sealed under, found through a pin. */
    static VaultKey keyOf(final CallbackVault vault, final SealedRecord record)
    {
        final long token = vault.pin(record);
        assertTrue(token > 0, "record is pinnable");
        try
        {
            final java.lang.reflect.Field f = CallbackVault.class.getDeclaredField("keys");
            f.setAccessible(true);
            return ((KeyRotation)f.get(vault)).ring().pinnable((int)token);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new AssertionError(ex);
        }
        finally
        {
            vault.unpin(token);
        }
    }
}
