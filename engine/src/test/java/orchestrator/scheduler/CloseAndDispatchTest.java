package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
/**
 * Closing and dispatching when things go wrong: a close interrupted, timed out, or called twice while the driver
 * is held; an executor that refuses, throws an Error, or throws after running the job; an IllegalStateException on
 * the driver; fixed-delay tasks on workers; a callback run inline by another thread's runPending() at close; fires
 * coalesced and still pending at close.
 * Cross-thread steps wait on latches with bounds; the fixed-delay test alone measures wall time (see its note).
 */
class CloseAndDispatchTest
{
    private static final Instant START = SchedulerTest.START;
    private static final String EVERY_SECOND = "* * * * * *";
    private final ManualClock clock = new ManualClock(START);

    private Scheduler with(final Dispatcher dispatcher)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(dispatcher).build();
    }

    /**
     * Not thread safe (the test's thread drives it): a scheduler on two workers whose task "hold" blocks its first run
     * on a worker, and a listener that holds the driver thread in the onMissed it gets when hold's next fire overlaps
     * that run. Closing it releases everything and closes the dispatcher.
     */
    private final class HeldDriver implements AutoCloseable
    {
        final CountDownLatch holdEntered = new CountDownLatch(1);
        final CountDownLatch holdRelease = new CountDownLatch(1);
        final CountDownLatch listenerEntered = new CountDownLatch(1);
        final CountDownLatch listenerRelease = new CountDownLatch(1);
        final AtomicReference<Thread> driver = new AtomicReference<>();
        final Dispatcher dispatcher = Dispatcher.withWorkers(2);
        final Scheduler scheduler = with(dispatcher);

        HeldDriver()
        {
            scheduler.registerTask("hold", EVERY_SECOND, () ->
            {
                holdEntered.countDown();
                Latches.awaitUninterruptibly(holdRelease);
            });
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    if (driver.compareAndSet(null, Thread.currentThread()))
                    {
                        listenerEntered.countDown();
                        Latches.awaitUninterruptibly(listenerRelease);
                    }
                }
            });
        }

        /** Starts the driver and waits until hold's first run is going on a worker. */
        void runHold() throws InterruptedException
        {
            scheduler.start();
            clock.advance(Duration.ofSeconds(1));
            assertTrue(holdEntered.await(10, TimeUnit.SECONDS));
        }

        /** Makes hold's next fire overlap its run and waits until the listener holds the driver. */
        void holdDriver() throws InterruptedException
        {
            clock.advance(Duration.ofSeconds(1));
            assertTrue(listenerEntered.await(10, TimeUnit.SECONDS));
        }

        /** Lets the driver go and waits for its thread to end. */
        void releaseDriver() throws InterruptedException
        {
            listenerRelease.countDown();
            driver.get().join(10_000);
            assertFalse(driver.get().isAlive(), "the driver ended");
        }

        @Override
        public void close()
        {
            listenerRelease.countDown();
            holdRelease.countDown();
            dispatcher.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldStopTheWorkersWhenCloseIsInterrupted() throws Exception
    {
        try (HeldDriver held = new HeldDriver())
        {
            held.runHold();
            held.holdDriver();
            held.holdRelease.countDown();
            Thread.currentThread().interrupt();
            final boolean result;
            try
            {
                result = held.scheduler.close(Duration.ofSeconds(5));
            }
            finally
            {
                Thread.interrupted();
            }
            held.releaseDriver();
            assertTrue(held.dispatcher.isClosed(), "close returned " + result +
                " but left the dispatcher open: its worker threads never stop");
        }
    }

    @Test
    void shouldStartNoCallbackOnceATimedOutCloseReturned() throws Exception
    {
        final CountDownLatch victimFirst = new CountDownLatch(1);
        final CountDownLatch victimAfterClose = new CountDownLatch(1);
        final AtomicBoolean closeReturned = new AtomicBoolean();
        final AtomicInteger victimRuns = new AtomicInteger();
        try (HeldDriver held = new HeldDriver())
        {
            held.scheduler.registerTask("victim", EVERY_SECOND, () ->
            {
                victimRuns.incrementAndGet();
                victimFirst.countDown();
                if (closeReturned.get())
                {
                    victimAfterClose.countDown();
                }
            });
            held.runHold();
            assertTrue(victimFirst.await(10, TimeUnit.SECONDS));
            held.holdDriver(); // hold overlaps (its missed fire holds the driver in the listener); victim is claimed
            assertFalse(held.scheduler.close(Duration.ofMillis(200)));
            closeReturned.set(true);
            held.releaseDriver();
            assertFalse(victimAfterClose.await(5, TimeUnit.SECONDS),
                "a callback started after close(Duration) had returned; dispatcher.isClosed() = " +
                    held.dispatcher.isClosed() + ", victim runs = " + victimRuns.get());
        }
    }

    @Test
    void shouldNotReportStoppedOnASecondCloseWhileTheDriverRuns() throws Exception
    {
        try (HeldDriver held = new HeldDriver())
        {
            held.runHold();
            held.holdDriver();
            held.holdRelease.countDown(); // only the driver (held by the listener) is still busy
            assertFalse(held.scheduler.close(Duration.ofMillis(200)), "the driver is held");
            final boolean second = held.scheduler.close(Duration.ofSeconds(2));
            final Thread driver = held.driver.get();
            assertFalse(second && driver.isAlive(),
                "second close(2s) returned true while the driver thread is alive (state " + driver.getState() + ")");
        }
    }

    @Test
    void shouldWakeAwaitIdleWhenTheFireInFlightIsRefused() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Executor executor = job -> {
            entered.countDown();
            Latches.awaitUninterruptibly(release);
            throw new RejectedExecutionException("saturated");
        };
        final Scheduler scheduler = with(Dispatcher.of(executor));
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try
        {
            scheduler.registerTask("a", EVERY_SECOND, () -> {});
            clock.advance(Duration.ofSeconds(1));
            final CompletableFuture<Integer> pending = CompletableFuture.supplyAsync(scheduler::runPending, threads);
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            final Thread[] waiter = new Thread[1];
            final CountDownLatch waiterKnown = new CountDownLatch(1);
            final CompletableFuture<Boolean> idle = CompletableFuture.supplyAsync(() -> {
                waiter[0] = Thread.currentThread();
                waiterKnown.countDown();
                try
                {
                    return scheduler.awaitIdle(Duration.ofSeconds(30));
                }
                catch (final InterruptedException ex)
                {
                    throw new RuntimeException(ex);
                }
            }, threads);
            assertTrue(waiterKnown.await(10, TimeUnit.SECONDS));
            final long spinDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (waiter[0].getState() != Thread.State.TIMED_WAITING && System.nanoTime() < spinDeadline)
            {
                Thread.onSpinWait();
            }
            assertEquals(Thread.State.TIMED_WAITING, waiter[0].getState());
            release.countDown();
            assertEquals(0, pending.get(10, TimeUnit.SECONDS));
            final long t0 = System.nanoTime();
            boolean result;
            try
            {
                result = idle.get(5, TimeUnit.SECONDS);
            }
            catch (final TimeoutException ex)
            {
                result = false;
            }
            assertTrue(result, "awaitIdle(30s) was still waiting " +
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after the refused fire was completed; " +
                "task = " + scheduler.task("a").orElseThrow());
        }
        finally
        {
            release.countDown();
            scheduler.close(Duration.ofSeconds(1));
            threads.shutdownNow();
        }
    }

    @Test
    void shouldRunATaskAgainAfterItsExecutorThrewAnError() throws Exception
    {
        final AtomicInteger calls = new AtomicInteger();
        final Executor executor = job -> {
            if (calls.getAndIncrement() == 0)
            {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
            job.run();
        };
        final AtomicInteger runs = new AtomicInteger();
        final Scheduler scheduler = with(Dispatcher.of(executor));
        try
        {
            scheduler.registerTask("a", EVERY_SECOND, runs::incrementAndGet);
            clock.advance(Duration.ofSeconds(1));
            assertThrows(OutOfMemoryError.class, scheduler::runPending);
            clock.advance(Duration.ofSeconds(1));
            scheduler.runPending();
            clock.advance(Duration.ofSeconds(1));
            scheduler.runPending();
            final TaskInfo info = scheduler.task("a").orElseThrow();
            final boolean idle = scheduler.awaitIdle(Duration.ofSeconds(1));
            assertEquals(2, runs.get(), "runs after a single refused dispatch; awaitIdle(1s) = " + idle +
                "; task = " + info);
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldCompleteAFireOnceWhenTheExecutorThrowsAfterRunningIt() throws Exception
    {
        // the executor's failure is passed on, but not as a refusal: the fire it ran completes once
        assertCompletesOnceWhenTheExecutorThrowsAfterRunningIt(
            new RejectedExecutionException("thrown after running the job"), IllegalStateException.class);
    }

    @Test
    void shouldCompleteAFireOnceWhenTheExecutorThrowsAnErrorAfterRunningIt() throws Exception
    {
        // the Error is passed on as it is, but the fire ran: it completes once, as a run, never as a missed fire
        assertCompletesOnceWhenTheExecutorThrowsAfterRunningIt(
            new AssertionError("thrown by the executor after running the job"), AssertionError.class);
    }

    /**
     * Task a's first fire goes to an executor that runs it, then throws {@code thrown}; task b's fire, and a's second,
     * go through as usual. Each fire of a completes once, as a run.
     */
    private void assertCompletesOnceWhenTheExecutorThrowsAfterRunningIt(final Throwable thrown,
        final Class<? extends Throwable> seen) throws Exception
    {
        final AtomicInteger calls = new AtomicInteger();
        final Executor executor = job -> {
            job.run();
            if (calls.getAndIncrement() == 0)
            {
                if (thrown instanceof Error)
                {
                    throw (Error)thrown;
                }
                throw (RuntimeException)thrown;
            }
        };
        final AtomicInteger a = new AtomicInteger();
        final AtomicInteger b = new AtomicInteger();
        final Scheduler scheduler = with(Dispatcher.of(executor));
        try
        {
            scheduler.registerTask("a", EVERY_SECOND, a::incrementAndGet);
            clock.advance(Duration.ofSeconds(1));
            assertThrows(seen, scheduler::runPending);
            final TaskInfo first = scheduler.task("a").orElseThrow();
            assertEquals(1, first.runs(), "the fire that ran: " + first);
            assertEquals(0, first.missed(), "the fire that ran is not missed: " + first);
            scheduler.registerTask("b", EVERY_SECOND, b::incrementAndGet);
            clock.advance(Duration.ofSeconds(1));
            scheduler.runPending();
            final String state = "a ran " + a.get() + ", b ran " + b.get() + "; " + scheduler.task("a").orElseThrow() +
                "; " + scheduler.task("b").orElseThrow();
            assertEquals(2, a.get(), state);
            assertEquals(1, b.get(), state);
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(1)), "idle");
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldKeepTheDriverGoingAfterAnIllegalStateException() throws Exception
    {
        final AtomicInteger calls = new AtomicInteger();
        final Executor executor = job -> {
            job.run();
            if (calls.getAndIncrement() == 0)
            {
                throw new IllegalStateException("executor bookkeeping failed after running the job");
            }
        };
        final Semaphore runs = new Semaphore(0);
        final Scheduler scheduler = with(Dispatcher.of(executor));
        try (LogCapture log = new LogCapture())
        {
            scheduler.registerTask("a", EVERY_SECOND, runs::release);
            scheduler.start();
            clock.advance(Duration.ofSeconds(1));
            assertTrue(runs.tryAcquire(10, TimeUnit.SECONDS), "first run");
            scheduler.registerTask("b", EVERY_SECOND, runs::release);
            clock.advance(Duration.ofSeconds(1));
            final boolean ranAgain = runs.tryAcquire(5, TimeUnit.SECONDS);
            assertTrue(ranAgain, "the driver no longer runs anything; log: " +
                log.records().stream().map(r -> r.getLevel() + " " + r.getMessage()).toList() +
                "; tasks: " + scheduler.tasks());
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldFileAFixedDelaysNextFireWhenItsRunCompletesOnAWorker() throws Exception
    {
        final int runs = 20;
        final CountDownLatch done = new CountDownLatch(runs);
        final long[] starts = new long[runs];
        final AtomicInteger n = new AtomicInteger();
        final Scheduler scheduler = Scheduler.builder().dispatcher(Dispatcher.withWorkers(2)).build();
        try
        {
            scheduler.schedule(TaskSpec.named("d").fixedDelay(Duration.ofMillis(5)).initialDelay(Duration.ZERO).run(() -> {
                final int i = n.getAndIncrement();
                if (i < runs)
                {
                    starts[i] = System.nanoTime();
                    done.countDown();
                }
            }));
            final long t0 = System.nanoTime();
            scheduler.start();
            assertTrue(done.await(30, TimeUnit.SECONDS));
            final long totalMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            final StringBuilder gaps = new StringBuilder();
            for (int i = 1; i < runs; i++)
            {
                gaps.append(TimeUnit.NANOSECONDS.toMillis(starts[i] - starts[i - 1])).append(' ');
            }
            // a completion that does not wake the driver waits for its next re-read of the clock, 100 ms: 19 gaps
            // take at least 1.9 s; woken, the runs take tens of ms (a wall-clock bound: only the real driver shows it)
            assertTrue(totalMs < 1500, runs + " runs of a 5 ms fixed delay took " + totalMs + " ms; gaps (ms): " + gaps);
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldWaitForAnInlineCallbackOfAnotherThreadsRunPending() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Scheduler scheduler = with(new Dispatcher());
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try
        {
            scheduler.registerOnce("job", START, () -> {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            final CompletableFuture<Integer> loop = CompletableFuture.supplyAsync(scheduler::runPending, threads);
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            final long t0 = System.nanoTime();
            final CompletableFuture<Boolean> closed =
                CompletableFuture.supplyAsync(() -> scheduler.close(Duration.ofSeconds(10)), threads);
            Boolean early = null;
            try
            {
                early = closed.get(500, TimeUnit.MILLISECONDS);
            }
            catch (final TimeoutException stillWaiting)
            {
                // expected: close waits for the running callback
            }
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            release.countDown();
            assertEquals(1, loop.get(10, TimeUnit.SECONDS));
            assertTrue(closed.get(10, TimeUnit.SECONDS),
                "close(10s) returned " + early + " after " + tookMs + " ms while the callback was still running; " +
                    "it finished right after");
        }
        finally
        {
            release.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void shouldStartNoFurtherRunOfAFireAllCatchUpOnceATimedOutCloseReturned() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        final Scheduler scheduler = with(Dispatcher.withWorkers(1));
        try
        {
            scheduler.schedule(TaskSpec.named("catch-up").cron("0 * * * *").misfire(MisfirePolicy.FIRE_ALL).run(() ->
            {
                runs.incrementAndGet();
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            }));
            clock.advance(Duration.ofHours(3)); // three fires passed: one fire, three runs
            assertEquals(3, scheduler.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertFalse(scheduler.close(Duration.ofMillis(200)), "the first run holds its worker past the bound");
            release.countDown(); // the first run returns only after close returned
            assertTrue(scheduler.close(Duration.ofSeconds(10)), "everything stopped once released");
            final TaskInfo info = scheduler.task("catch-up").orElseThrow();
            assertEquals(1, runs.get(), "no callback starts once close returned: " + info);
            assertEquals(1, info.runs(), info.toString());
            assertEquals(3, info.runs() + info.missed(), "every fire is run or missed: " + info);
        }
        finally
        {
            release.countDown();
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldStartNoFireQueuedForABusyWorkerOnceATimedOutCloseReturned() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger queuedRuns = new AtomicInteger();
        final Scheduler scheduler = with(Dispatcher.withWorkers(1));
        try
        {
            scheduler.registerOnce("hold", START, () ->
            {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            scheduler.registerOnce("queued", START.plusMillis(1), queuedRuns::incrementAndGet);
            clock.advance(Duration.ofSeconds(1));
            assertEquals(2, scheduler.runPending()); // "queued" waits in the queue behind "hold" on the one worker
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertFalse(scheduler.close(Duration.ofMillis(200)), "hold keeps the worker past the bound");
            release.countDown();
            assertTrue(scheduler.close(Duration.ofSeconds(10)), "everything stopped once released");
            final TaskInfo info = scheduler.task("queued").orElseThrow();
            assertEquals(0, queuedRuns.get(), "no callback starts once close returned: " + info);
            assertEquals(1, info.missed(), "the fire not run is missed: " + info);
        }
        finally
        {
            release.countDown();
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldTellTheListenersOfAFireQueuedForABusyWorkerThatATimedOutCloseDropped() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> missed = new CopyOnWriteArrayList<>();
        final Scheduler scheduler = with(Dispatcher.withWorkers(1));
        try
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    missed.add(taskName + " " + scheduledAt + " x" + fires);
                }
            });
            scheduler.registerOnce("hold", START, () ->
            {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            scheduler.registerOnce("queued", START.plusMillis(1), () -> { });
            clock.advance(Duration.ofSeconds(1));
            assertEquals(2, scheduler.runPending()); // "queued" waits in the queue behind "hold" on the one worker
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertFalse(scheduler.close(Duration.ofMillis(200)), "hold keeps the worker past the bound");
            release.countDown();
            assertTrue(scheduler.close(Duration.ofSeconds(10)), "everything stopped once released");
            assertEquals(1, scheduler.task("queued").orElseThrow().missed());
            assertEquals(List.of("queued " + START.plusMillis(1) + " x1"), missed,
                "the fire a timed-out close dropped is counted missed and told to the listeners");
        }
        finally
        {
            release.countDown();
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldWaitInAwaitIdleForATriggeredRunTheDriverHasNotClaimedYet() throws Exception
    {
        final CountDownLatch missedTold = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        final Scheduler scheduler = with(Dispatcher.withWorkers(1));
        try
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    missedTold.countDown();
                    Latches.awaitUninterruptibly(release); // holds the driver between two collections
                }
            });
            scheduler.registerTask("paused", "* * * * *", () -> { });
            assertTrue(scheduler.pause("paused"));
            scheduler.registerTask("t", "0 0 1 1 *", runs::incrementAndGet);
            scheduler.start();
            clock.advance(Duration.ofMinutes(1)); // the driver counts the paused fire missed and tells it
            assertTrue(missedTold.await(10, TimeUnit.SECONDS));
            assertTrue(scheduler.triggerNow("t"));
            assertFalse(scheduler.awaitIdle(Duration.ofMillis(200)), "the triggered run is still to run");
            release.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, runs.get(), "idle once the triggered run ran");
        }
        finally
        {
            release.countDown();
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldWakeAwaitIdleWhenACancelDropsThePendingRunItWaitsFor() throws Exception
    {
        final CountDownLatch missedTold = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Scheduler scheduler = with(Dispatcher.withWorkers(1));
        final ExecutorService waiter = Executors.newSingleThreadExecutor();
        try
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    if (taskName.equals("paused")) // the cancel of "t" tells its dropped run on the test thread
                    {
                        missedTold.countDown();
                        Latches.awaitUninterruptibly(release); // holds the driver between two collections
                    }
                }
            });
            scheduler.registerTask("paused", "* * * * *", () -> { });
            assertTrue(scheduler.pause("paused"));
            scheduler.registerTask("t", "0 0 1 1 *", () -> { });
            scheduler.start();
            clock.advance(Duration.ofMinutes(1));
            assertTrue(missedTold.await(10, TimeUnit.SECONDS));
            assertTrue(scheduler.triggerNow("t"));
            final AtomicReference<Thread> waiting = new AtomicReference<>();
            final CompletableFuture<Boolean> idle = CompletableFuture.supplyAsync(() ->
            {
                waiting.set(Thread.currentThread());
                try
                {
                    return scheduler.awaitIdle(Duration.ofSeconds(10));
                }
                catch (final InterruptedException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }, waiter);
            while (waiting.get() == null || waiting.get().getState() != Thread.State.TIMED_WAITING)
            {
                Thread.onSpinWait(); // until awaitIdle waits for the pending run
            }
            assertTrue(scheduler.cancel("t"));
            assertTrue(idle.get(20, TimeUnit.SECONDS), "the cancel dropped the run awaitIdle waited for");
        }
        finally
        {
            release.countDown();
            waiter.shutdownNow();
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldWaitForTheCallbacksOfAnotherSchedulerClosedFromACallback() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Scheduler other = with(new Dispatcher());
        final Scheduler closing = with(new Dispatcher());
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try
        {
            other.registerOnce("job", START, () -> {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            final CompletableFuture<Integer> loop = CompletableFuture.supplyAsync(other::runPending, threads);
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            final AtomicReference<Boolean> closed = new AtomicReference<>();
            final CountDownLatch closeCalled = new CountDownLatch(1);
            closing.registerOnce("close-other", START, () -> {
                closeCalled.countDown();
                closed.set(other.close(Duration.ofSeconds(20))); // not its own scheduler: it waits for "job"
            });
            final CompletableFuture<Integer> closer = CompletableFuture.supplyAsync(closing::runPending, threads);
            assertTrue(closeCalled.await(10, TimeUnit.SECONDS));
            Integer early = null;
            try
            {
                early = closer.get(500, TimeUnit.MILLISECONDS);
            }
            catch (final TimeoutException stillWaiting)
            {
                // expected: the close waits for the other scheduler's running callback
            }
            release.countDown();
            assertEquals(1, loop.get(10, TimeUnit.SECONDS));
            assertEquals(1, closer.get(20, TimeUnit.SECONDS));
            assertTrue(closed.get(), "close(20s) of another scheduler, called from a callback, returned " +
                closed.get() + (early != null ? " at once" : "") + " while that scheduler's callback was running");
        }
        finally
        {
            release.countDown();
            closing.close(Duration.ofSeconds(5));
            other.close(Duration.ofSeconds(5));
            threads.shutdownNow();
        }
    }

    @Test
    void shouldWaitInCloseWithoutATimeoutThroughAnInterruptAndReassertIt() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean finished = new AtomicBoolean();
        final Scheduler scheduler = with(Dispatcher.withWorkers(1));
        final AtomicBoolean finishedWhenCloseReturned = new AtomicBoolean();
        final AtomicBoolean interruptedAfterClose = new AtomicBoolean();
        final Thread closer = new Thread(() -> {
            Thread.currentThread().interrupt(); // e.g. a thread told to stop, closing its resources on the way out
            scheduler.close();
            finishedWhenCloseReturned.set(finished.get());
            interruptedAfterClose.set(Thread.currentThread().isInterrupted());
        });
        try
        {
            scheduler.registerOnce("job", START, () -> {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
                finished.set(true);
            });
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            closer.start();
            final long spinDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (closer.isAlive() && closer.getState() != Thread.State.WAITING &&
                closer.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < spinDeadline)
            {
                Thread.onSpinWait(); // until close waits, or returned
            }
            release.countDown();
            closer.join(10_000);
            assertFalse(closer.isAlive(), "close() returned once the callback finished");
            assertTrue(finishedWhenCloseReturned.get(),
                "close() returned while the callback was still running: an interrupt cut its wait short");
            assertTrue(interruptedAfterClose.get(), "the interrupt is re-asserted on return");
            assertEquals(1, scheduler.task("job").orElseThrow().runs());
        }
        finally
        {
            release.countDown();
            scheduler.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldCountCoalescedFiresStillPendingAtCloseAsMissed() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicLong firesRun = new AtomicLong();
        final Scheduler scheduler = with(Dispatcher.withWorkers(2));
        final ExecutorService threads = Executors.newSingleThreadExecutor();
        try
        {
            scheduler.schedule(TaskSpec.named("c").cron(EVERY_SECOND).overlap(OverlapPolicy.COALESCE).run(ctx -> {
                firesRun.addAndGet(ctx.fires());
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            }));
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofSeconds(1));
                scheduler.runPending();
            }
            final CompletableFuture<Boolean> closed =
                CompletableFuture.supplyAsync(() -> scheduler.close(Duration.ofSeconds(20)), threads);
            release.countDown();
            assertTrue(closed.get(20, TimeUnit.SECONDS));
            final TaskInfo info = scheduler.task("c").orElseThrow();
            final SchedulerMetrics m = scheduler.metrics();
            assertEquals(4, firesRun.get() + info.missed(),
                "4 fires came due before close: fires run for = " + firesRun.get() + ", " + info + ", metrics " + m);
        }
        finally
        {
            release.countDown();
            threads.shutdownNow();
        }
    }
}
