package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static orchestrator.scheduler.vault.CallbackVaultTest.failure;
import static orchestrator.scheduler.vault.CallbackVaultTest.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VaultRotationTest
{
    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldResealEveryRecordUnderNewKeyAndRetireOldKey(final Aead aead)
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
            assertArrayEquals(payloads[i], vault.open(store[i], i, "task-" + i, 1));
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

    @Test
    void shouldKeepLeasedRecordOpenableAcrossFinishedRotation()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final byte[] payload = randomBytes(32);
        final SealedRecord record = vault.seal(1, "t", 1, payload);
        final RecordLease inFlight = vault.lease(record, 1, "t", 1);

        vault.beginRotation(KeyProvider.random());
        vault.reseal(record, 1, "t", 1);
        vault.finishRotation();

        final AtomicReference<byte[]> seen = new AtomicReference<>();
        inFlight.runOpened(plain -> seen.set(plain.clone()));
        assertArrayEquals(payload, seen.get());
        assertEquals(Reason.UNKNOWN_KEY_ID, failure(() -> vault.open(record, 1, "t", 1)), "retired after the lease");
    }

    @Test
    void shouldWipeRetiredKeyWhenLastLeaseIsReleased()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final SealedRecord record = vault.seal(1, "t", 1, randomBytes(32));
        final VaultKey old = keyOf(vault, record);
        final byte[] encoded = record.toBytes();
        final RecordLease lease = vault.lease(record, 1, "t", 1);
        vault.beginRotation(KeyProvider.random());
        vault.finishRotation();
        assertTrue(old.isRetired());
        assertTrue(old.open(encoded, 1, "t", 1) != null, "key intact while leased");
        lease.release();
        assertNull(old.open(encoded, 1, "t", 1), "key wiped");
    }

    /**
     * The interleaving that would lose a fire without leases: a worker reads the stored record, then a whole rotation
     * (begin, reseal all, finish) runs on another thread, then the worker opens what it read.
     */
    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldOpenRecordReadBeforeRotationThatFinishedBeforeOpen(final Aead aead) throws Exception
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final byte[] payload = randomBytes(64);
        final AtomicReference<SealedRecord> stored = new AtomicReference<>(vault.seal(5, "job", 1, payload));
        final CountDownLatch leased = new CountDownLatch(1);
        final CountDownLatch rotated = new CountDownLatch(1);
        final AtomicReference<byte[]> seen = new AtomicReference<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();

        final Thread worker = new Thread(() ->
        {
            try
            {
                final RecordLease lease = vault.lease(stored.get(), 5, "job", 1);
                leased.countDown();
                rotated.await();
                lease.runOpened(plain -> seen.set(plain.clone()));
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
                leased.await();
                vault.beginRotation(KeyProvider.random());
                stored.set(vault.reseal(stored.get(), 5, "job", 1));
                vault.finishRotation();
                rotated.countDown();
            }
            catch (final Throwable t)
            {
                error.set(t);
                rotated.countDown();
            }
        });
        worker.start();
        rotator.start();
        worker.join();
        rotator.join();

        assertNull(error.get());
        assertArrayEquals(payload, seen.get());
        assertEquals(2, stored.get().keyId());
    }

    /**
     * Workers fire records as a scheduler does (read and lease under the store lock, open outside it) while another
     * thread rotates the key repeatedly (begin, reseal all under the lock, finish). Every fire must open to its
     * payload.
     * Each rotation waits, by spinning on the fire counter, until the workers have fired during it, so every rotation
     * overlaps fires in progress.
     */
    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldLoseNoFireWhenRotatingUnderConcurrentOpens(final Aead aead) throws Exception
    {
        final int records = 32;
        final int rotations = 40;
        final int workers = 2;
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final ReentrantLock storeLock = new ReentrantLock();
        final byte[][] payloads = new byte[records][];
        final SealedRecord[] store = new SealedRecord[records]; // guarded by storeLock
        for (int i = 0; i < records; i++)
        {
            payloads[i] = randomBytes(64);
            store[i] = vault.seal(i, "t" + i, 1, payloads[i]);
        }
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicLong fires = new AtomicLong();
        final AtomicLong attempts = new AtomicLong();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final CountDownLatch started = new CountDownLatch(workers);
        final List<Thread> threads = new ArrayList<>();

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
                        final RecordLease lease;
                        storeLock.lock();
                        try
                        {
                            lease = vault.lease(store[slot], slot, "t" + slot, 1);
                        }
                        finally
                        {
                            storeLock.unlock();
                        }
                        attempts.incrementAndGet();
                        lease.runOpened(plain ->
                        {
                            if (!java.util.Arrays.equals(payloads[slot], plain))
                            {
                                throw new AssertionError("wrong payload for slot " + slot);
                            }
                            fires.incrementAndGet();
                        });
                    }
                    catch (final Throwable t)
                    {
                        error.compareAndSet(null, t);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        started.await();

        for (int r = 0; r < rotations && error.get() == null; r++)
        {
            vault.beginRotation(KeyProvider.random());
            for (int i = 0; i < records; i++)
            {
                storeLock.lock();
                try
                {
                    store[i] = vault.reseal(store[i], i, "t" + i, 1); // one record per lock hold: fires interleave
                }
                finally
                {
                    storeLock.unlock();
                }
            }
            final long before = attempts.get();
            while (attempts.get() < before + workers && error.get() == null)
            {
                Thread.onSpinWait(); // let fires that leased old-key records overlap the finish below
            }
            storeLock.lock();
            try
            {
                vault.finishRotation();
            }
            finally
            {
                storeLock.unlock();
            }
        }
        done.set(true);
        for (final Thread t : threads)
        {
            t.join();
        }

        assertNull(error.get(), () -> "fire failed: " + error.get());
        assertEquals(attempts.get(), fires.get(), "every leased fire ran");
        assertTrue(fires.get() >= (long)rotations * workers);
        assertEquals(rotations + 1, store[0].keyId());
    }

    private static VaultKey keyOf(final CallbackVault vault, final SealedRecord record)
    {
        final RecordLease lease = vault.lease(record, 1, "t", 1);
        try
        {
            final java.lang.reflect.Field f = RecordLease.class.getDeclaredField("key");
            f.setAccessible(true);
            return (VaultKey)f.get(lease);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new AssertionError(ex);
        }
        finally
        {
            lease.release();
        }
    }
}
