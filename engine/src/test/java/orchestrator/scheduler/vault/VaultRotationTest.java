package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiConsumer;

import static orchestrator.scheduler.vault.CallbackVaultTest.failure;
import static orchestrator.scheduler.vault.CallbackVaultTest.keyOf;
import static orchestrator.scheduler.vault.CallbackVaultTest.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VaultRotationTest
{
    /** Copies the plaintext into the list it is given: one object for every run. */
    private static final BiConsumer<List<byte[]>, byte[]> COPY = (list, plain) -> list.add(plain.clone());

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldResealEveryRecordUnderNewKeyForNextVersionAndRetireOldKey(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[][] payloads = new byte[10][];
        final SealedRecord[] store = new SealedRecord[10];
        for (int i = 0; i < store.length; i++)
        {
            payloads[i] = randomBytes(64);
            store[i] = vault.seal(i, "task-" + i, 1, payloads[i]);
        }
        final SealedRecord stale = store[0];

        vault.beginRotation(KeyProvider.random());
        assertTrue(vault.isRotating());
        assertArrayEquals(payloads[0], vault.open(stale, 0, "task-0", 1), "old key still opens during rotation");
        for (int i = 0; i < store.length; i++)
        {
            store[i] = vault.reseal(store[i], i, "task-" + i, 1);
            assertEquals(2, store[i].keyId());
        }
        vault.finishRotation();

        assertFalse(vault.isRotating());
        for (int i = 0; i < store.length; i++)
        {
            assertArrayEquals(payloads[i], vault.open(store[i], i, "task-" + i, 2));
            final int n = i;
            assertEquals(Reason.AUTHENTICATION_FAILED, failure(() -> vault.open(store[n], n, "task-" + n, 1)),
                "bound to the next version");
        }
        assertEquals(Reason.UNKNOWN_KEY_ID, failure(() -> vault.open(stale, 0, "task-0", 1)));
    }

    @Test
    void shouldSealUnderNewKeyAsSoonAsRotationBegins()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord before = vault.seal(1, "t", 1, randomBytes(8));
        vault.beginRotation(KeyProvider.random());
        final SealedRecord after = vault.seal(1, "t", 1, randomBytes(8));
        assertEquals(1, before.keyId());
        assertEquals(2, after.keyId());
        assertFalse(vault.isCurrent(before));
        assertTrue(vault.isCurrent(after));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldOpenPinnedRecordAfterRotationFinished(final Aead aead)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] payload = randomBytes(32);
        final SealedRecord record = vault.seal(1, "t", 1, payload);
        final long token = vault.pin(record);

        vault.beginRotation(KeyProvider.random());
        final SealedRecord stored = vault.reseal(record, 1, "t", 1);
        vault.finishRotation();
        assertEquals(Reason.UNKNOWN_KEY_ID, failure(() -> vault.open(record, 1, "t", 1)), "retired: no new opens");

        final List<byte[]> seen = new ArrayList<>();
        vault.runOpened(record, token, 1, "t", 1, COPY, seen);
        assertArrayEquals(payload, seen.get(0), "the pinned fire still runs");
        assertArrayEquals(payload, vault.open(stored, 1, "t", 2));
    }

    @Test
    void shouldWipeRetiredKeyWhenLastPinIsReleased()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord record = vault.seal(1, "t", 1, randomBytes(32));
        final VaultKey old = keyOf(vault, record);
        final byte[] encoded = record.toBytes();
        final long first = vault.pin(record);
        final long second = vault.pin(record);
        vault.beginRotation(KeyProvider.random());
        vault.finishRotation();
        assertTrue(old.isRetired());
        assertTrue(old.open(encoded, 1, "t", 1) != null, "key intact while pinned");
        vault.unpin(first);
        assertFalse(old.isWiped(), "one pin left");
        vault.runOpened(record, second, 1, "t", 1, COPY, new ArrayList<>());
        assertTrue(old.isWiped());
        assertNull(old.open(encoded, 1, "t", 1), "key wiped");
    }

    @Test
    void shouldForgetWipedKeysAtNextRotation()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord record = vault.seal(1, "t", 1, randomBytes(8));
        final long token = vault.pin(record);
        vault.beginRotation(KeyProvider.random());
        vault.finishRotation();
        vault.unpin(token);
        vault.beginRotation(KeyProvider.random());
        vault.finishRotation();
        assertEquals("not a pin token of this vault: " + token,
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> vault.unpin(token))
                .getMessage());
    }

    /**
     * The interleaving that would lose a fire without pins: a worker pins the stored record, then a whole rotation
     * (begin, reseal all, finish) runs on another thread, then the worker opens what it pinned.
     */
    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldOpenRecordPinnedBeforeRotationThatFinishedBeforeOpen(final Aead aead) throws Exception
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] payload = randomBytes(64);
        final AtomicReference<SealedRecord> stored = new AtomicReference<>(vault.seal(5, "job", 1, payload));
        final CountDownLatch pinned = new CountDownLatch(1);
        final CountDownLatch rotated = new CountDownLatch(1);
        final List<byte[]> seen = new ArrayList<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();

        final Thread worker = new Thread(() ->
        {
            try
            {
                final SealedRecord record = stored.get();
                final long token = vault.pin(record);
                pinned.countDown();
                rotated.await();
                vault.runOpened(record, token, 5, "job", 1, COPY, seen);
            }
            catch (final Throwable t)
            {
                error.set(t);
            }
        });
        final Thread rotator = new Thread(() ->
        {
            try
            {
                pinned.await();
                vault.beginRotation(KeyProvider.random());
                stored.set(vault.reseal(stored.get(), 5, "job", 1));
                vault.finishRotation();
            }
            catch (final Throwable t)
            {
                error.set(t);
            }
            finally
            {
                rotated.countDown();
            }
        });
        worker.start();
        rotator.start();
        worker.join();
        rotator.join();

        assertNull(error.get());
        assertArrayEquals(payload, seen.get(0));
        assertEquals(2, stored.get().keyId());
    }

    /**
     * Workers fire records as the engine will (read the current record and version, pin, open later) while one thread
     * rotates the key repeatedly (begin, reseal every record one at a time, finish) and another seals new versions
     * of records -- with no lock anywhere outside the vault. Every fire must open to its payload, and every stored
     * record must be current after each rotation.
     * Each rotation waits, by spinning on the fire counter, until the workers have fired during it, so every rotation
     * overlaps fires in progress.
     */
    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldLoseNoFireWhenRotatingUnderConcurrentSealsAndOpens(final Aead aead) throws Exception
    {
        final int records = 32;
        final int rotations = 40;
        final int workers = 2;
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[][] payloads = new byte[records][];
        // record and version, replaced as one: a stand-in for the engine's task
        final AtomicReferenceArray<Stored> store = new AtomicReferenceArray<>(records);
        for (int i = 0; i < records; i++)
        {
            payloads[i] = randomBytes(64);
            store.set(i, new Stored(vault.seal(i, "t" + i, 1, payloads[i]), 1));
        }
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicLong fires = new AtomicLong();
        final AtomicLong attempts = new AtomicLong();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final CountDownLatch started = new CountDownLatch(workers + 1);
        final List<Thread> threads = new ArrayList<>();
        final BiConsumer<byte[], byte[]> check = (expected, plain) ->
        {
            if (!Arrays.equals(expected, plain))
            {
                throw new AssertionError("wrong payload");
            }
            fires.incrementAndGet();
        };

        for (int w = 0; w < workers; w++)
        {
            final int first = w;
            threads.add(new Thread(() ->
            {
                started.countDown();
                for (int i = first; !done.get() && error.get() == null; i += workers)
                {
                    final int slot = i % records;
                    try
                    {
                        Stored s = store.get(slot);
                        long token = vault.pin(s.record);
                        while (token == 0 && store.get(slot) != s) // read before a reseal and a finish: stale
                        {
                            s = store.get(slot);
                            token = vault.pin(s.record);
                        }
                        attempts.incrementAndGet();
                        vault.runOpened(s.record, token, slot, "t" + slot, s.version, check, payloads[slot]);
                    }
                    catch (final Throwable t)
                    {
                        error.compareAndSet(null, t);
                    }
                }
            }));
        }
        threads.add(new Thread(() -> // a writer re-sealing records outside any lock, as a payload update would
        {
            started.countDown();
            for (int i = 0; !done.get() && error.get() == null; i++)
            {
                final int slot = i % records;
                try
                {
                    final Stored s = store.get(slot);
                    final Stored next = new Stored(vault.seal(slot, "t" + slot, s.version + 1, payloads[slot]),
                        s.version + 1);
                    store.compareAndSet(slot, s, next);
                }
                catch (final Throwable t)
                {
                    error.compareAndSet(null, t);
                }
            }
        }));
        threads.forEach(Thread::start);
        started.await();
        try
        {
            rotate(vault, store, rotations, records, workers, attempts, error);
        }
        finally
        {
            done.set(true);
            for (final Thread t : threads)
            {
                t.join();
            }
        }

        assertNull(error.get(), () -> "fire failed: " + error.get());
        assertEquals(attempts.get(), fires.get(), "every pinned fire ran");
        assertTrue(fires.get() >= (long)rotations * workers);
        assertEquals(rotations + 1, store.get(0).record.keyId());
    }

    /** Rotates the key again and again, resealing one record at a time outside any lock. */
    private static void rotate(
        final CallbackVault vault, final AtomicReferenceArray<Stored> store, final int rotations, final int records,
        final int workers, final AtomicLong attempts, final AtomicReference<Throwable> error)
    {
        for (int r = 0; r < rotations && error.get() == null; r++)
        {
            vault.beginRotation(KeyProvider.random());
            for (int i = 0; i < records; i++)
            {
                while (true) // reseal one record at a time, outside any lock; retry if the writer replaced it
                {
                    final Stored s = store.get(i);
                    final Stored next = new Stored(vault.reseal(s.record, i, "t" + i, s.version), s.version + 1);
                    if (store.compareAndSet(i, s, next))
                    {
                        break;
                    }
                }
            }
            final long before = attempts.get();
            while (attempts.get() < before + workers && error.get() == null)
            {
                Thread.onSpinWait(); // let fires that pinned old-key records overlap the finish below
            }
            for (int i = 0; i < records; i++)
            {
                assertTrue(vault.isCurrent(store.get(i).record), "a seal that returned after the begin is current");
            }
            vault.finishRotation();
        }
    }

    /** A record and the version it was sealed for. */
    private static final class Stored
    {
        final SealedRecord record;
        final long version;

        Stored(final SealedRecord record, final long version)
        {
            this.record = record;
            this.version = version;
        }
    }
}
