package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static orchestrator.scheduler.vault.CallbackVaultTest.failure;
import static orchestrator.scheduler.vault.CallbackVaultTest.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VaultModeTest
{
    @Test
    void shouldStorePayloadInClearInTestMode()
    {
        final CallbackVault vault = CallbackVault.testMode(Aead.AES_256_GCM);
        final byte[] payload = randomBytes(64);
        final SealedRecord record = vault.seal(4, "t", 2, payload);
        assertTrue(vault.isTestMode());
        assertTrue(record.isPlain());
        assertEquals(-1, record.keyId());
        final byte[] encoded = record.toBytes();
        assertEquals(-1, SealedRecord.keyIdOf(encoded));
        assertArrayEquals(payload, Arrays.copyOfRange(encoded, encoded.length - 64, encoded.length));
        assertArrayEquals(payload, vault.open(record, 4, "t", 2));
    }

    @Test
    void shouldDetectPlainRecordOfAnotherTaskOrVersion()
    {
        final CallbackVault vault = CallbackVault.testMode(Aead.AES_256_GCM);
        final SealedRecord record = vault.seal(4, "t", 2, randomBytes(8));
        assertEquals(Reason.PLAIN_RECORD_MISMATCH, failure(() -> vault.open(record, 5, "t", 2)));
        assertEquals(Reason.PLAIN_RECORD_MISMATCH, failure(() -> vault.open(record, 4, "t", 1)));
    }

    @Test
    void shouldRejectPlainRecordInProductionMode()
    {
        final SealedRecord plain = CallbackVault.testMode(Aead.AES_256_GCM).seal(1, "t", 1, randomBytes(8));
        final CallbackVault production = CallbackVault.production(KeyProvider.random());
        assertFalse(production.isTestMode());
        assertEquals(Reason.PLAIN_RECORD_REJECTED, failure(() -> production.open(plain, 1, "t", 1)));
        assertEquals(Reason.PLAIN_RECORD_REJECTED, failure(() -> production.reseal(plain, 1, "t", 1)));
    }

    @Test
    void shouldConvertProductionRecordsToPlainWhenSwitchingToTestMode()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final byte[] payload = randomBytes(32);
        SealedRecord record = vault.seal(1, "t", 1, payload);
        final SealedRecord sealed = record;

        vault.beginPlainMode();
        assertTrue(vault.isTestMode());
        assertTrue(vault.isRotating());
        assertTrue(vault.seal(2, "u", 1, payload).isPlain(), "new records are plain at once");
        record = vault.reseal(record, 1, "t", 1);
        vault.finishRotation();

        assertTrue(record.isPlain());
        assertArrayEquals(payload, vault.open(record, 1, "t", 2));
        assertEquals(Reason.UNKNOWN_KEY_ID, failure(() -> vault.open(sealed, 1, "t", 1)), "keys retired");
    }

    @Test
    void shouldConvertPlainRecordsToSealedWhenSwitchingToProductionMode()
    {
        final CallbackVault vault = CallbackVault.testMode(Aead.AES_256_GCM_SIV);
        final byte[] payload = randomBytes(32);
        SealedRecord record = vault.seal(1, "t", 1, payload);
        final SealedRecord plain = record;

        vault.beginRotation(KeyProvider.random());
        assertFalse(vault.isTestMode());
        assertTrue(vault.isRotating());
        assertArrayEquals(payload, vault.open(plain, 1, "t", 1), "plain records open until the switch finishes");
        record = vault.reseal(record, 1, "t", 1);
        vault.finishRotation();

        assertTrue(record.isSealed());
        assertEquals(Aead.AES_256_GCM_SIV.id(), record.toBytes()[1]);
        assertArrayEquals(payload, vault.open(record, 1, "t", 2));
        assertEquals(Reason.PLAIN_RECORD_REJECTED, failure(() -> vault.open(plain, 1, "t", 1)),
            "production mode never falls back to plain");
    }

    @Test
    void shouldDescribeRecordsWithoutContent()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), Aead.AES_256_GCM);
        assertEquals("SealedRecord[AES_256_GCM, keyId=1, 42 bytes]", vault.seal(1, "t", 1, new byte[8]).toString());
        assertEquals("SealedRecord[plain, 25 bytes]",
            CallbackVault.testMode(Aead.AES_256_GCM).seal(1, "t", 1, new byte[8]).toString());
        assertEquals("CallbackVault[production, AES_256_GCM, key 1]", vault.toString());
        vault.close();
        assertEquals("CallbackVault[closed]", vault.toString());
    }

    /**
     * Defect 5: switching back from test mode re-sealed under the KeyProvider the scheduler was built with (k1), not
     * under the key of the last completed rotation (k2).
     */
    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldReturnToLatestProductionKeyAfterTestMode(final Aead aead)
    {
        final byte[] k1 = randomBytes(32);
        final byte[] k2 = randomBytes(32);
        final CallbackVault vault = CallbackVault.production(KeyProvider.ofBytes(k1), aead);
        final byte[] payload = randomBytes(64);
        SealedRecord record = vault.seal(1, "t", 1, payload);
        long version = 1;
        vault.beginRotation(KeyProvider.ofBytes(k2));
        record = vault.reseal(record, 1, "t", version++);
        vault.finishRotation();
        vault.beginPlainMode();
        record = vault.reseal(record, 1, "t", version++);
        vault.finishRotation();
        assertTrue(record.isPlain());

        vault.beginSealedMode();
        record = vault.reseal(record, 1, "t", version++);
        vault.finishRotation();

        assertFalse(vault.isTestMode());
        assertTrue(record.isSealed());
        assertEquals(3, record.keyId(), "a new key id for the returning key");
        assertArrayEquals(payload, vault.open(record, 1, "t", version));
        final byte[] bytes = record.toBytes();
        assertEquals(3, SealedRecord.keyIdOf(bytes), "read from the encoding without a record");
        assertEquals(-1, SealedRecord.keyIdOf(Arrays.copyOf(bytes, SealedRecord.SEALED_OVERHEAD - 1)), "too short");
        assertArrayEquals(payload, new VaultKey(record.keyId(), aead, k2.clone(), 1).open(bytes, 1, "t", version),
            "opens with a vault key on k2");
        assertNull(new VaultKey(record.keyId(), aead, k1.clone(), 1).open(bytes, 1, "t", version),
            "does not open with k1");
        assertTrue(vault.seal(2, "u", 1, payload).isSealed());
    }

    @Test
    void shouldReturnToSealedModeAfterOriginalProviderWasDestroyed()
    {
        final KeyProvider original = KeyProvider.random();
        final CallbackVault vault = CallbackVault.production(original);
        original.destroy();
        final byte[] payload = randomBytes(16);
        SealedRecord record = vault.seal(1, "t", 1, payload);
        vault.beginRotation(KeyProvider.random());
        record = vault.reseal(record, 1, "t", 1);
        vault.finishRotation();
        vault.beginPlainMode();
        record = vault.reseal(record, 1, "t", 2);
        vault.finishRotation();

        vault.beginSealedMode();
        record = vault.reseal(record, 1, "t", 3);
        vault.finishRotation();

        assertFalse(vault.isTestMode());
        assertTrue(record.isSealed());
        assertArrayEquals(payload, vault.open(record, 1, "t", 4));
    }

    @Test
    void shouldReturnToFirstKeyWhenNeverRotatedAndKeepNoCopyOnceBack()
    {
        final byte[] k1 = randomBytes(32);
        final CallbackVault vault = CallbackVault.production(KeyProvider.ofBytes(k1));
        vault.beginPlainMode();
        vault.finishRotation();
        final byte[] kept = productionKey(vault);
        assertArrayEquals(k1, kept, "a copy of the production key is kept in test mode");
        vault.beginSealedMode();
        vault.finishRotation();
        assertNull(productionKey(vault), "no extra copy once back in production mode");
        assertArrayEquals(new byte[32], kept, "and the copy was wiped");
        final SealedRecord record = vault.seal(1, "t", 1, k1);
        assertArrayEquals(k1, new VaultKey(record.keyId(), vault.aead(), k1.clone(), 1)
            .open(record.toBytes(), 1, "t", 1));
    }

    @Test
    void shouldWipeKeptProductionKeyOnClose()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        vault.beginPlainMode();
        vault.finishRotation();
        final byte[] kept = productionKey(vault);
        vault.close();
        assertArrayEquals(new byte[32], kept);
        assertNull(productionKey(vault));
    }

    @Test
    void shouldRefuseSealedModeWithoutProductionKeyAndNestedSwitches()
    {
        final CallbackVault test = CallbackVault.testMode(Aead.AES_256_GCM);
        assertThrows(IllegalStateException.class, test::beginSealedMode);
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        vault.beginSealedMode(); // already sealing: no-op
        assertFalse(vault.isRotating());
        vault.beginPlainMode();
        assertThrows(IllegalStateException.class, vault::beginSealedMode, "finish the switch first");
        assertThrows(IllegalStateException.class, () -> vault.beginRotation(KeyProvider.random()));
        vault.finishRotation();
        vault.beginPlainMode(); // already plain: no-op
        assertFalse(vault.isRotating());
    }

    @Test
    void shouldRunPlainRecordPinnedInTestModeAfterSwitchToProductionFinished()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        vault.beginPlainMode();
        vault.finishRotation();
        final byte[] payload = randomBytes(16);
        final SealedRecord plain = vault.seal(1, "t", 1, payload);
        final long token = vault.pin(plain);

        vault.beginSealedMode();
        final SealedRecord sealed = vault.reseal(plain, 1, "t", 1);
        vault.finishRotation();

        final List<byte[]> seen = new ArrayList<>();
        vault.runOpened(plain, token, 1, "t", 1, (List<byte[]> list, byte[] p) -> list.add(p.clone()), seen);
        assertArrayEquals(payload, seen.get(0), "collected before the switch: still runs");
        assertEquals(Reason.PLAIN_RECORD_REJECTED, failure(() -> vault.open(plain, 1, "t", 1)));
        assertEquals(0, vault.pin(plain), "a plain record is no longer pinned");
        assertArrayEquals(payload, vault.open(sealed, 1, "t", 2));
    }

    private static byte[] productionKey(final CallbackVault vault)
    {
        try
        {
            final Field keys = CallbackVault.class.getDeclaredField("keys");
            keys.setAccessible(true);
            final Field kept = KeyRotation.class.getDeclaredField("productionKey");
            kept.setAccessible(true);
            return (byte[])kept.get(keys.get(vault));
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
