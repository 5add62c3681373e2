package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scheduler.awaitIdle against the runs it must wait for: a pending run claimed while awaitIdle looks, its own run
 * when a callback calls it, the pending runs of the driver when a listener calls it on the driver, and the fires a
 * collection claimed when a listener it tells calls it (or close, which waits for the callbacks in the same way). The
 * interleavings are forced with latches, the driver held in a listener and the registry's lock instrumented.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AwaitIdleTest
{
    private static final Instant START = SchedulerTest.START;
    private final ManualClock clock = new ManualClock(START);

    /**
     * awaitIdle looks at the fires in flight and the pending runs: a triggered run the driver claims as it looks
     * moves from pending to in flight, and must be seen in one or the other. Here the driver claims it just after
     * awaitIdle's first hold of the lock: awaitIdle must go on waiting for that run, not return idle while it goes.
     */
    @Test
    void shouldNotReturnIdleWhenThePendingRunItSawIsClaimedAsItLooks() throws Exception
    {
        final CountDownLatch missedTold = new CountDownLatch(1);
        final CountDownLatch releaseDriver = new CountDownLatch(1);
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch lookDone = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        final AtomicBoolean armed = new AtomicBoolean();
        final Thread waiter = Thread.currentThread();
        final Scheduler.Builder builder = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1));
        builder.registryLock = new ReentrantLock()
        {
            @Override
            public void unlock()
            {
                super.unlock();
                if (Thread.currentThread() == waiter && armed.compareAndSet(true, false)) // awaitIdle's first hold
                {
                    releaseDriver.countDown(); // the driver claims the triggered run now, and a worker starts it
                    try
                    {
                        started.await(10, TimeUnit.SECONDS);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                    lookDone.countDown();
                }
            }
        };
        // lets the run end once awaitIdle waits (after its first look), so it cannot end before awaitIdle returns
        final Thread releaser = new Thread(() ->
        {
            Latches.awaitUninterruptibly(lookDone);
            while (finish.getCount() > 0 && waiter.getState() != Thread.State.TIMED_WAITING)
            {
                Thread.onSpinWait();
            }
            finish.countDown();
        });
        final Scheduler scheduler = builder.build();
        try
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    missedTold.countDown();
                    Latches.awaitUninterruptibly(releaseDriver); // holds the driver between two collections
                }
            });
            scheduler.registerTask("paused", "* * * * *", () -> { });
            assertTrue(scheduler.pause("paused"));
            scheduler.registerTask("t", "0 0 1 1 *", () ->
            {
                started.countDown();
                Latches.awaitUninterruptibly(finish);
            });
            scheduler.start();
            clock.advance(Duration.ofMinutes(1)); // the driver counts the paused fire missed and tells it
            assertTrue(missedTold.await(10, TimeUnit.SECONDS));
            assertTrue(scheduler.triggerNow("t"));
            releaser.start();
            armed.set(true);
            final boolean idle = scheduler.awaitIdle(Duration.ofSeconds(10));
            final long runs = scheduler.task("t").orElseThrow().runs();
            assertTrue(started.getCount() == 0, "positive control: the driver started the run as awaitIdle looked");
            assertTrue(idle, "idle once the triggered run ran");
            assertEquals(1, runs, "awaitIdle returned true while the triggered run it had seen pending was running");
        }
        finally
        {
            releaseDriver.countDown();
            finish.countDown();
            scheduler.close(Duration.ofSeconds(5));
            releaser.join(10_000);
        }
    }

    /**
     * A callback that calls awaitIdle on its own scheduler cannot see it idle, its own run being in flight: it must
     * not wait for itself (until the timeout, or for good without one), holding its worker or the thread that runs it
     * inline. It returns at once, false.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldReturnFromAwaitIdleCalledInsideItsOwnCallbackWithoutWaitingForItself(final boolean inline)
        throws Exception
    {
        final CountDownLatch returned = new CountDownLatch(1);
        final AtomicReference<Thread> running = new AtomicReference<>();
        final AtomicReference<Object> result = new AtomicReference<>();
        final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(inline ? new Dispatcher() : Dispatcher.withWorkers(1)).build();
        final Thread caller = new Thread(scheduler::runPending);
        try
        {
            scheduler.registerOnce("self", START, () ->
            {
                running.set(Thread.currentThread());
                awaitIdleFor(scheduler, result);
                returned.countDown();
            });
            caller.start();
            final boolean returnedInTime = returned.await(10, TimeUnit.SECONDS);
            if (!returnedInTime)
            {
                running.get().interrupt(); // frees the callback's thread: the failure below says why
            }
            assertTrue(returnedInTime, "awaitIdle called inside its own callback still waited for that callback's " +
                "run after 10 s (" + (inline ? "inline" : "on a worker") + ")");
            assertEquals(Boolean.FALSE, result.get(), "its own run is still going");
            caller.join(10_000);
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, scheduler.task("self").orElseThrow().runs());
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    /**
     * A listener told of a missed fire on the driver's thread calls awaitIdle while a triggered run is pending: the
     * driver runs that run only once the listener returns, so awaitIdle must not wait for it (until its timeout, or
     * for good), holding up every fire. As without a driver, the pending run is not waited for.
     */
    @Test
    void shouldNotWaitForAPendingRunWhenAListenerOnTheDriverCallsAwaitIdle() throws Exception
    {
        final CountDownLatch returned = new CountDownLatch(1);
        final CountDownLatch ran = new CountDownLatch(1);
        final AtomicReference<Thread> listening = new AtomicReference<>();
        final AtomicReference<Object> result = new AtomicReference<>();
        final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build();
        try
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    if (listening.compareAndSet(null, Thread.currentThread()))
                    {
                        scheduler.triggerNow("t");
                        awaitIdleFor(scheduler, result);
                        returned.countDown();
                    }
                }
            });
            scheduler.registerTask("paused", "* * * * *", () -> { });
            assertTrue(scheduler.pause("paused"));
            scheduler.registerTask("t", "0 0 1 1 *", ran::countDown);
            scheduler.start();
            clock.advance(Duration.ofMinutes(1)); // the driver counts the paused fire missed and tells it
            final boolean returnedInTime = returned.await(10, TimeUnit.SECONDS);
            if (!returnedInTime && listening.get() != null)
            {
                listening.get().interrupt(); // frees the driver: the failure below says why
            }
            assertTrue(returnedInTime, "awaitIdle called by a listener on the driver still waited after 10 s for a " +
                "pending run only the driver could start");
            assertEquals(Boolean.TRUE, result.get(), "no fire in flight, and the pending run is not waited for");
            assertTrue(ran.await(10, TimeUnit.SECONDS), "the driver ran the triggered run once the listener returned");
            assertEquals("orchestrator-driver", listening.get().getName(), "positive control: told on the driver");
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    /**
     * An interrupt pending when awaitIdle has to wait ends the wait with an InterruptedException, which clears the
     * flag as Object.wait does; an idle scheduler returns true at once and leaves the flag set.
     */
    @Test
    void shouldThrowWhenInterruptedWhileNotIdleAndKeepTheFlagWhenIdle() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build();
        try
        {
            scheduler.registerOnce("held", START, () ->
            {
                started.countDown();
                Latches.awaitUninterruptibly(finish);
            });
            assertEquals(1, scheduler.runPending());
            assertTrue(started.await(10, TimeUnit.SECONDS));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertFalse(Thread.interrupted(), "the flag is cleared once the InterruptedException is thrown");
            finish.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            Thread.currentThread().interrupt();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)), "idle: nothing to wait for");
            assertTrue(Thread.interrupted(), "an idle scheduler leaves the flag set");
        }
        finally
        {
            Thread.interrupted();
            finish.countDown();
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    /**
     * A collection tells the listeners of the fires it counted missed before it dispatches the fires it claimed: a
     * listener that calls awaitIdle then cannot see those fires run, the thread that dispatches them being its own.
     * awaitIdle must not wait for them (until its timeout, or for good); it returns at once, false.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldReturnFromAwaitIdleCalledByAListenerBeforeItsCollectionDispatches(final boolean inline)
        throws Exception
    {
        final CountDownLatch returned = new CountDownLatch(1);
        final AtomicReference<Thread> listening = new AtomicReference<>();
        final AtomicReference<Object> result = new AtomicReference<>();
        final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(inline ? new Dispatcher() : Dispatcher.withWorkers(1)).build();
        final Thread caller = new Thread(scheduler::runPending);
        try
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    listening.set(Thread.currentThread());
                    awaitIdleFor(scheduler, result);
                    returned.countDown();
                }
            });
            scheduler.registerTask("paused", "* * * * *", () -> { });
            assertTrue(scheduler.pause("paused"));
            scheduler.registerTask("other", "* * * * *", () -> { });
            clock.advance(Duration.ofMinutes(1)); // one collection: paused's fire missed, other's claimed
            caller.start();
            final boolean returnedInTime = returned.await(10, TimeUnit.SECONDS);
            if (!returnedInTime)
            {
                listening.get().interrupt(); // frees the caller of runPending: the failure below says why
            }
            assertTrue(returnedInTime, "awaitIdle called by a listener still waited after 10 s for the fire its own " +
                "collection had claimed and not dispatched yet (" + (inline ? "inline" : "on a worker") + ")");
            assertEquals(Boolean.FALSE, result.get(), "the claimed fire is still to run");
            caller.join(10_000);
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, scheduler.task("other").orElseThrow().runs(), "the claimed fire ran once the listener " +
                "returned");
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    /**
     * close waits for the callbacks as awaitIdle does: called by a listener told before its collection dispatches,
     * it must not wait until its timeout for the fires that collection claimed. They are counted missed, as fires a
     * close keeps from starting are.
     */
    @Test
    void shouldReturnFromCloseCalledByAListenerBeforeItsCollectionDispatches() throws Exception
    {
        final CountDownLatch returned = new CountDownLatch(1);
        final AtomicReference<Thread> listening = new AtomicReference<>();
        final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build();
        final Thread caller = new Thread(scheduler::runPending);
        try
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    if (listening.compareAndSet(null, Thread.currentThread()))
                    {
                        scheduler.close(Duration.ofDays(365)); // interrupted below if it waits for the claimed fire
                        returned.countDown();
                    }
                }
            });
            scheduler.registerTask("paused", "* * * * *", () -> { });
            assertTrue(scheduler.pause("paused"));
            scheduler.registerTask("other", "* * * * *", () -> { });
            clock.advance(Duration.ofMinutes(1)); // one collection: paused's fire missed, other's claimed
            caller.start();
            final boolean returnedInTime = returned.await(10, TimeUnit.SECONDS);
            if (!returnedInTime)
            {
                listening.get().interrupt(); // close(Duration) stops waiting when interrupted
            }
            assertTrue(returnedInTime, "close called by a listener still waited after 10 s for the fire its own " +
                "collection had claimed and not dispatched yet");
            caller.join(10_000);
            final TaskInfo other = scheduler.task("other").orElseThrow();
            assertEquals(1, other.runs() + other.missed(), "the claimed fire ran or was counted missed: " + other);
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Calls awaitIdle with a bound of a year and keeps what it returned, or the InterruptedException that ended it.
     */
    private static void awaitIdleFor(final Scheduler scheduler, final AtomicReference<Object> result)
    {
        try
        {
            result.set(scheduler.awaitIdle(Duration.ofDays(365)));
        }
        catch (final InterruptedException ex)
        {
            result.set(ex);
        }
    }
}
