package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.SealedRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.Security;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.logging.Level;

import static orchestrator.scheduler.SchedulerTest.START;
import static orchestrator.scheduler.SchedulerTest.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults and races met by a rotation or mode switch, made exact by the random source the vault draws its nonces from on
 * the rotating thread: a pass stopped by an {@link Error} keeps every record openable and the next rotation completes
 * it; a task that ends while the pass holds its record is left as it ended.
 */
class RotationFaultTest
{
    private static final List<String> NAMES = List.of("a", "b", "c");

    private final ManualClock clock = new ManualClock(START);
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Scheduler scheduler = Scheduler.builder()
        .clock(clock).zone(ZoneOffset.UTC).keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH])).build();

    RotationFaultTest()
    {
        scheduler.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
        for (final String name : NAMES)
        {
            scheduler.registerTask(name, "* * * * *", "echo", name.getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    @Test
    void shouldKeepEveryRecordOpenableWhenAnErrorStopsARotation() throws Exception
    {
        final Error error = new OutOfMemoryError("thrown, not real");
        assertSame(error, onThreadWithNonces(failAt(2, error), () -> scheduler.rotateKey(nextKey())));
        assertFiresAll(1);
        scheduler.rotateKey(KeyProvider.random()); // completes the stopped pass, then rotates
        assertFalse(scheduler.registry().vault.isRotating(), "every old key retired");
        assertFiresAll(2);
    }

    @Test
    void shouldKeepEveryRecordOpenableWhenAnErrorStopsASwitchToProductionMode() throws Exception
    {
        scheduler.setTestMode(true);
        final Error error = new AssertionError("thrown by the random source");
        assertSame(error, onThreadWithNonces(failAt(2, error), () -> scheduler.setTestMode(false)));
        assertFiresAll(1);
        scheduler.rotateKey(KeyProvider.random()); // completes the stopped pass, then rotates
        assertFalse(scheduler.registry().vault.isRotating(), "every old key retired");
        assertFiresAll(2);
    }

    /**
     * A close that comes while a switch out of test mode waits to begin (held here at the registry's lock, which the
     * switch takes to begin it): the switch never began, so test mode is kept as it was at close.
     */
    @Test
    void shouldKeepTheModeItHadAtCloseWhenTheSchedulerClosesBeforeASwitchBegins() throws Exception
    {
        scheduler.setTestMode(true);
        final ReentrantLock lock = scheduler.registry().lock;
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread switcher = new Thread(() ->
        {
            try
            {
                scheduler.setTestMode(false);
            }
            catch (final Throwable ex)
            {
                thrown.set(ex);
            }
        });
        lock.lock();
        try
        {
            switcher.start();
            // past the open check, waiting to begin the switch (or ended early: then the assertions below fail)
            while (!lock.hasQueuedThread(switcher) && switcher.isAlive())
            {
                Thread.onSpinWait();
            }
            scheduler.close();
        }
        finally
        {
            lock.unlock();
        }
        switcher.join();
        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        assertTrue(scheduler.isTestMode(), "test mode, as it was at close");
    }

    /**
     * A task cancelled while its fire runs, between the moment the re-seal pass read its record (which does not open)
     * and the moment the pass puts its chunk back (here from the pass's next nonce draw, so the moment is exact):
     * it stays cancelled, not failed by the pass.
     */
    @Test
    void shouldNotFailATaskCancelledWhileTheRotationMeetsItsRecord() throws Exception
    {
        final List<Runnable> captured = new ArrayList<>();
        try (LogCapture log = new LogCapture(); Scheduler held = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.of(captured::add)).build())
        {
            held.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
            held.registerTask("victim", "* * * * *", "echo", "v".getBytes(StandardCharsets.UTF_8));
            held.registerTask("bystander", "0 0 1 1 *", "echo", "b".getBytes(StandardCharsets.UTF_8)); // after it
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, held.runPending()); // the victim's fire waits in `captured`: the task is running
            final byte[] bytes = StoredRecords.record(held, "victim").toBytes();
            bytes[bytes.length - 1] ^= 1;
            StoredRecords.replace(held, "victim", SealedRecord.fromBytes(bytes));
            final AtomicBoolean cancelled = new AtomicBoolean();
            final IntConsumer cancel = draw -> cancelled.compareAndSet(false, held.cancel("victim"));
            assertNull(onThreadWithNonces(cancel, () -> held.rotateKey(nextKey())));
            assertTrue(cancelled.get());
            captured.remove(0).run();
            assertTrue(held.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(TaskState.CANCELLED, info(held, "victim").state(), info(held, "victim").toString());
            assertEquals(0, log.records().stream().filter(r -> r.getLevel() == Level.SEVERE).count());
            assertTrue(received.isEmpty());
        }
    }

    private void assertFiresAll(final int runs)
    {
        received.clear();
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        for (final String name : NAMES)
        {
            final TaskInfo info = info(scheduler, name);
            assertEquals(TaskState.SCHEDULED, info.state(), info.toString());
            assertEquals(runs, info.runs(), info.toString());
        }
        assertEquals(NAMES, received.stream().sorted().toList());
    }

    /** A key that draws nothing from the random source. */
    private static KeyProvider nextKey()
    {
        final byte[] key = new byte[KeyProvider.KEY_LENGTH];
        Arrays.fill(key, (byte)1);
        return KeyProvider.ofBytes(key);
    }

    /** A hook that throws {@code error} at the {@code n}-th draw. */
    private static IntConsumer failAt(final int n, final Error error)
    {
        return draw ->
        {
            if (draw == n)
            {
                throw error;
            }
        };
    }

    /**
     * Runs {@code action} on a new thread whose nonce source (the first DRBG it asks for) calls {@code atDraw} with
     * the number of each draw before it draws, and returns what the action threw.
     */
    private static Throwable onThreadWithNonces(final IntConsumer atDraw, final Runnable action)
        throws InterruptedException
    {
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                action.run();
            }
            catch (final Throwable ex)
            {
                thrown.set(ex);
            }
        });
        final Provider provider = new HookedDrbg(thread, atDraw);
        assertTrue(Security.insertProviderAt(provider, 1) == 1);
        try
        {
            thread.start();
            thread.join();
        }
        finally
        {
            Security.removeProvider(provider.getName());
        }
        return thrown.get();
    }

    /** A provider of DRBG random sources that call a hook at each draw on one thread; other threads just draw. */
    private static final class HookedDrbg extends Provider
    {
        HookedDrbg(final Thread target, final IntConsumer atDraw)
        {
            super("HookedDrbg", "1", "a DRBG that calls a hook on one thread");
            final AtomicInteger draws = new AtomicInteger();
            final SecureRandom real = new SecureRandom(); // made before this provider is installed
            putService(new Service(this, "SecureRandom", "DRBG", HookedSpi.class.getName(), null, null)
            {
                @Override
                public Object newInstance(final Object parameter)
                {
                    return new HookedSpi(real, target, atDraw, draws);
                }
            });
        }
    }

    private static final class HookedSpi extends SecureRandomSpi
    {
        private final SecureRandom real;
        private final Thread target;
        private final IntConsumer atDraw;
        private final AtomicInteger draws;

        HookedSpi(final SecureRandom real, final Thread target, final IntConsumer atDraw, final AtomicInteger draws)
        {
            this.real = real;
            this.target = target;
            this.atDraw = atDraw;
            this.draws = draws;
        }

        @Override
        protected void engineSetSeed(final byte[] seed)
        {
        }

        @Override
        protected void engineNextBytes(final byte[] bytes)
        {
            if (Thread.currentThread() == target)
            {
                atDraw.accept(draws.incrementAndGet());
            }
            real.nextBytes(bytes);
        }

        @Override
        protected byte[] engineGenerateSeed(final int numBytes)
        {
            return real.generateSeed(numBytes);
        }
    }
}
