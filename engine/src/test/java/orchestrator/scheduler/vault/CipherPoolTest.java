package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static orchestrator.scheduler.vault.CallbackVaultTest.failure;
import static orchestrator.scheduler.vault.CallbackVaultTest.randomBytes;
import static orchestrator.scheduler.vault.SealedRecord.NONCE_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CipherPoolTest
{
    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldReuseOneKeyedCipherForSuccessiveCallsOnOneThread(final Aead aead)
    {
        final VaultKey key = new VaultKey(1, aead, randomBytes(32), 4);
        final byte[] payload = randomBytes(64);
        final byte[] sealed = key.seal(1, "t", 1, payload);
        for (int i = 0; i < 5; i++)
        {
            assertArrayEquals(payload, key.open(sealed, 1, "t", 1));
        }
        assertEquals(1, key.idleCiphers());

        final CipherPool pool = new CipherPool(aead, 2);
        final RecordCipher first = pool.take();
        pool.give(first);
        assertSame(first, pool.take());
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldKeepCipherUsableAfterFailedOpen(final Aead aead)
    {
        final VaultKey key = new VaultKey(1, aead, randomBytes(32), 1);
        final byte[] payload = randomBytes(40);
        final byte[] sealed = key.seal(1, "t", 1, payload);
        assertNull(key.open(sealed, 1, "t", 2), "wrong version");
        assertEquals(1, key.idleCiphers());
        assertArrayEquals(payload, key.open(sealed, 1, "t", 1));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldScrubPooledCiphersWhenKeyRetiresAndNeverHandThemOutAgain(final Aead aead)
    {
        final byte[] keyBytes = randomBytes(32);
        final CipherPool pool = new CipherPool(aead, 2);
        final RecordCipher cipher = pool.take();
        final byte[] payload = randomBytes(32);
        final byte[] record = sealWith(cipher, keyBytes, payload);
        assertTrue(cipher.keyed);
        pool.give(cipher);
        assertEquals(1, pool.idle());

        pool.drain();

        assertEquals(0, pool.idle());
        assertFalse(cipher.keyed, "drained cipher is marked unkeyed");
        assertNotSame(cipher, pool.take(), "a drained cipher is never handed out again");
        // whatever key-derived state the scrubbed cipher kept no longer opens what the real key sealed
        assertNull(cipher.open(record));
        cipher.setKey(keyBytes);
        assertArrayEquals(payload, cipher.open(record), "positive control: keyed again, it opens");

        final RecordCipher late = pool.take();
        sealWith(late, keyBytes, randomBytes(8));
        pool.give(late); // given back after the drain: scrubbed and dropped
        assertEquals(0, pool.idle());
        assertFalse(late.keyed);
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldDrainPoolOnlyWhenLastPinOfRetiredKeyEnds(final Aead aead)
    {
        final VaultKey key = new VaultKey(1, aead, randomBytes(32), 4);
        final byte[] payload = randomBytes(16);
        final byte[] sealed = key.seal(1, "t", 1, payload);
        assertTrue(key.pin());
        key.retire();
        assertArrayEquals(payload, key.open(sealed, 1, "t", 1), "a pinned open still works after retirement");
        assertEquals(1, key.idleCiphers(), "kept while a pin is held");
        key.unpin();
        assertEquals(0, key.idleCiphers(), "drained when the last pin ended");
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldNotOpenWithCachedCipherAfterRotationRetiredItsKey(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] payload = randomBytes(64);
        final SealedRecord old = vault.seal(1, "t", 1, payload);
        assertArrayEquals(payload, vault.open(old, 1, "t", 1)); // leaves a keyed cipher in key 1's pool
        vault.beginRotation(KeyProvider.random());
        final SealedRecord resealed = vault.reseal(old, 1, "t", 1);
        vault.finishRotation();
        assertEquals(Reason.UNKNOWN_KEY_ID, failure(() -> vault.open(old, 1, "t", 1)));
        assertArrayEquals(payload, vault.open(resealed, 1, "t", 2));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldOpenCorrectlyFromTwoThreadsAtOnceWithSameKey(final Aead aead) throws InterruptedException
    {
        for (final int capacity : new int[] {0, 1, 4}) // 0 and 1: most calls build or drop a cipher
        {
            final VaultKey key = new VaultKey(1, aead, randomBytes(32), capacity);
            final int records = 16;
            final byte[][] payloads = new byte[records][];
            final byte[][] sealed = new byte[records][];
            for (int i = 0; i < records; i++)
            {
                payloads[i] = randomBytes(1 + 13 * i);
                sealed[i] = key.seal(i, "task-" + i, 1, payloads[i]);
            }
            final CountDownLatch start = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicInteger opened = new AtomicInteger();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final int offset = t;
                final Thread thread = new Thread(() ->
                {
                    try
                    {
                        start.await();
                        for (int n = 0; n < 2_000; n++)
                        {
                            final int i = (n + offset * 7) % records;
                            assertTrue(key.pin());
                            try
                            {
                                final byte[] plain = key.open(sealed[i], i, "task-" + i, 1);
                                assertArrayEquals(payloads[i], plain, "record " + i);
                                assertNull(key.open(sealed[i], i, "task-" + i, 2), "wrong version must fail");
                                if (n % 50 == 0)
                                {
                                    assertArrayEquals(payloads[i], key.open(
                                        key.seal(i, "task-" + i, 3, payloads[i]), i, "task-" + i, 3));
                                }
                            }
                            finally
                            {
                                key.unpin();
                            }
                            opened.incrementAndGet();
                        }
                    }
                    catch (final Throwable ex)
                    {
                        failure.compareAndSet(null, ex);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            start.countDown();
            for (final Thread thread : threads)
            {
                thread.join();
            }
            if (failure.get() != null)
            {
                throw new AssertionError("capacity " + capacity, failure.get());
            }
            assertEquals(4_000, opened.get());
            assertTrue(key.idleCiphers() <= capacity);
            key.retire();
            assertEquals(0, key.idleCiphers());
        }
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldBindSameAssociatedDataAsSeparatelyEncodedFields(final Aead aead) throws InvalidCipherTextException
    {
        final String longName = "x".repeat(200);
        for (final String name : new String[] {"t", "nightly-report", "tâche-é", "日次", longName, longName + "é"})
        {
            final byte[] keyBytes = randomBytes(32);
            final VaultKey key = new VaultKey(5, aead, keyBytes.clone(), 2);
            final byte[] payload = randomBytes(33);
            final byte[] record = key.seal(77, name, 9, payload);

            // independent decryption by Bouncy Castle's own AEAD class with the documented associated data:
            // header, record id, version, UTF-8 name
            final AEADCipher cipher = aead.newCipher();
            cipher.init(false, new ParametersWithIV(new KeyParameter(keyBytes), record, SEALED_HEADER_LENGTH,
                NONCE_LENGTH));
            cipher.processAADBytes(record, 0, SEALED_HEADER_LENGTH);
            final byte[] ids = new byte[16];
            SealedRecord.writeLong(ids, 0, 77);
            SealedRecord.writeLong(ids, 8, 9);
            cipher.processAADBytes(ids, 0, ids.length);
            final byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
            cipher.processAADBytes(utf8, 0, utf8.length);
            final int body = SEALED_HEADER_LENGTH + NONCE_LENGTH;
            final byte[] plain = new byte[payload.length];
            final int n = cipher.processBytes(record, body, record.length - body, plain, 0);
            cipher.doFinal(plain, n);
            assertArrayEquals(payload, plain, name);

            assertArrayEquals(payload, key.open(record, 77, name, 9), name);
            final String other = name.substring(0, name.length() - 1) + "e";
            assertNull(key.open(record, 77, other, 9), name + " opened as " + other);
        }
    }

    @Test
    void shouldRejectNegativeCapacity()
    {
        assertThrows(IllegalArgumentException.class, () -> new CipherPool(Aead.AES_256_GCM, -1));
        assertNotNull(new CipherPool(Aead.AES_256_GCM, 0).take());
    }

    /** Keys a cipher and seals a record with it under a fresh random nonce. */
    private static byte[] sealWith(final RecordCipher cipher, final byte[] key, final byte[] payload)
    {
        final byte[] record = new byte[SealedRecord.SEALED_OVERHEAD + payload.length];
        System.arraycopy(randomBytes(NONCE_LENGTH), 0, record, SEALED_HEADER_LENGTH, NONCE_LENGTH);
        cipher.setKey(key);
        cipher.associate(record, 1, "t", 1);
        cipher.seal(payload, record);
        return record;
    }
}
