package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static orchestrator.scheduler.SchedulerTest.START;
import static orchestrator.scheduler.SchedulerTest.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guarantees that involve more than one thread, each driven to the interleaving that matters with latches and the
 * virtual clock (no sleeps).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrencyTest
{
    private final ManualClock clock = new ManualClock(START);

    /** A callback that reports entry, counts how many threads are inside it, and waits to be released. */
    static final class BlockingCallback implements Runnable
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger maxActive = new AtomicInteger();
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public void run()
        {
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
            runs.incrementAndGet();
            entered.countDown();
            try
            {
                release.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            finally
            {
                active.decrementAndGet();
            }
        }
    }

    private Scheduler scheduler(final Dispatcher dispatcher)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(dispatcher).build();
    }

    @Test
    void shouldNeverRunATaskOnTwoThreadsWhenSeveralThreadsCallRunPending() throws Exception
    {
        try (Scheduler scheduler = scheduler(new Dispatcher()))
        {
            final BlockingCallback callback = new BlockingCallback();
            scheduler.registerTask("slow", "* * * * *", callback);
            clock.advance(Duration.ofMinutes(1));
            final Thread first = new Thread(scheduler::runPending);
            first.start();
            assertTrue(callback.entered.await(10, TimeUnit.SECONDS));

            clock.advance(Duration.ofMinutes(1)); // the next fire comes due while the first run is still going
            assertEquals(0, scheduler.runPending());

            callback.release.countDown();
            first.join();
            assertEquals(1, callback.maxActive.get());
            final TaskInfo info = info(scheduler, "slow");
            assertEquals(1, info.runs());
            assertEquals(1, info.missed(), "the overlapping fire is dropped and counted");
        }
    }

    @Test
    void shouldNeverRunATaskOnTwoWorkersAtOnce() throws Exception
    {
        try (Scheduler scheduler = scheduler(Dispatcher.withWorkers(4)))
        {
            final BlockingCallback callback = new BlockingCallback();
            scheduler.registerTask("slow", "* * * * *", callback);
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(callback.entered.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofMinutes(1));
                assertEquals(0, scheduler.runPending());
            }
            assertFalse(scheduler.awaitIdle(Duration.ofMillis(1)));
            callback.release.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));

            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, callback.maxActive.get());
            final TaskInfo info = info(scheduler, "slow");
            assertEquals(2, info.runs());
            assertEquals(3, info.missed());
            assertEquals(TaskState.SCHEDULED, info.state());
        }
    }

    /**
     * A task cancelled during its run on a worker and registered again under the same name: the new task's fire that
     * comes due while the old run goes on is not started on another worker. Under SKIP it is dropped and counted as
     * missed; the next fire after the old run ends runs.
     */
    @Test
    void shouldNotRunANameOnTwoWorkersWhenItIsRegisteredAgainDuringItsCancelledRun() throws Exception
    {
        try (Scheduler scheduler = scheduler(Dispatcher.withWorkers(2)))
        {
            final BlockingCallback old = new BlockingCallback();
            final AtomicInteger overlapped = new AtomicInteger();
            final AtomicInteger newRuns = new AtomicInteger();
            scheduler.registerTask("job", "* * * * *", old);
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(old.entered.await(10, TimeUnit.SECONDS));
            assertTrue(scheduler.cancel("job"));
            scheduler.registerTask("job", "* * * * *", () ->
            {
                overlapped.addAndGet(old.active.get());
                newRuns.incrementAndGet();
            });

            clock.advance(Duration.ofMinutes(1)); // the new task's first fire, while the old run is still going
            final int started = scheduler.runPending();
            old.release.countDown();
            assertEquals(0, started, "no fire of 'job' starts while its old run goes on");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending(), "the old run has ended: the new task runs");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));

            assertEquals(0, overlapped.get(), "the new task ran while the old run was inside its callback");
            assertEquals(1, newRuns.get());
            final TaskInfo info = info(scheduler, "job");
            assertEquals(1, info.runs());
            assertEquals(1, info.missed(), "the overlapping fire is dropped and counted, as for one task");
        }
    }

    /**
     * As above under COALESCE, with a trigger too: the new task's fire and trigger that came during the old run are
     * run once, right after the old run ends.
     */
    @Test
    void shouldCoalesceTheFiresOfANameRegisteredAgainDuringItsCancelledRun() throws Exception
    {
        try (Scheduler scheduler = scheduler(Dispatcher.withWorkers(2)))
        {
            final BlockingCallback old = new BlockingCallback();
            final AtomicInteger overlapped = new AtomicInteger();
            final AtomicInteger fires = new AtomicInteger();
            scheduler.registerTask("job", "* * * * *", old);
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(old.entered.await(10, TimeUnit.SECONDS));
            assertTrue(scheduler.cancel("job"));
            scheduler.schedule(TaskSpec.named("job").cron("* * * * *").overlap(OverlapPolicy.COALESCE).run(context ->
            {
                overlapped.addAndGet(old.active.get());
                fires.addAndGet((int)context.fires());
            }));

            assertTrue(scheduler.triggerNow("job"));
            clock.advance(Duration.ofMinutes(1));
            final int started = scheduler.runPending();
            old.release.countDown();
            assertEquals(0, started, "no fire of 'job' starts while its old run goes on");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, scheduler.runPending(), "the coalesced run, once the old run has ended");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));

            assertEquals(0, overlapped.get(), "the new task ran while the old run was inside its callback");
            assertEquals(2, fires.get(), "one run stands for the trigger and the fire");
            final TaskInfo info = info(scheduler, "job");
            assertEquals(1, info.runs());
            assertEquals(0, info.missed());
        }
    }

    /** A worker thread that runs a hook, once, when the scheduler interrupts it (on the interrupting thread). */
    static final class HookedInterruptThread extends Thread
    {
        private final AtomicReference<Runnable> hook;

        HookedInterruptThread(final Runnable job, final AtomicReference<Runnable> hook)
        {
            super(job);
            this.hook = hook;
        }

        @Override
        public void interrupt()
        {
            final Runnable once = hook.getAndSet(null);
            if (once != null)
            {
                once.run();
            }
            super.interrupt();
        }
    }

    /**
     * Deterministic interleaving: a COALESCE task's run completes on its worker after a collection drained the
     * completions and before it reached the task's next fire. The interrupt the collection sends a timed-out run of
     * another task comes between the two, and its hook lets the run complete there. The worker found no pending fire,
     * so woke no one; the collection, which then coalesces the fire, must run it now rather than leave it for the
     * driver's next timed wake-up (up to Driver.MAX_PARK_MS later).
     */
    @Test
    void shouldRunACoalescedFireWhoseRunCompletedWhileItWasCollected() throws Exception
    {
        final AtomicReference<Runnable> hook = new AtomicReference<>();
        final Semaphore jobsDone = new Semaphore(0);
        final Dispatcher threadPerJob = Dispatcher.of(job -> new HookedInterruptThread(() ->
        {
            job.run();
            jobsDone.release();
        }, hook).start());
        final CountDownLatch slowRelease = new CountDownLatch(1);
        final CountDownLatch slowEntered = new CountDownLatch(1);
        final BlockingCallback job = new BlockingCallback();
        final List<Long> fires = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = scheduler(threadPerJob))
        {
            try
            {
                scheduler.schedule(TaskSpec.named("slow").cron("* * * * *").timeout(Duration.ofSeconds(30))
                    .interruptOnTimeout(true).run(() ->
                    {
                        slowEntered.countDown();
                        Latches.awaitUninterruptibly(slowRelease); // it runs on: its completion wakes no one
                    }));
                scheduler.schedule(TaskSpec.named("job").cron("* * * * *").overlap(OverlapPolicy.COALESCE)
                    .run(context ->
                    {
                        fires.add(context.fires());
                        job.run();
                    }));
                clock.advance(Duration.ofMinutes(1));
                assertEquals(2, scheduler.runPending());
                assertTrue(slowEntered.await(10, TimeUnit.SECONDS));
                assertTrue(job.entered.await(10, TimeUnit.SECONDS));
                final AtomicBoolean completedInside = new AtomicBoolean();
                hook.set(() ->
                {
                    job.release.countDown(); // the run ends and its worker hands it back, both before we go on
                    try
                    {
                        completedInside.set(jobsDone.tryAcquire(10, TimeUnit.SECONDS));
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                });

                final AtomicInteger wakeUps = new AtomicInteger();
                scheduler.registry().onEarlierDeadline(wakeUps::incrementAndGet); // the driver's, were it started

                clock.advance(Duration.ofMinutes(1)); // slow is past its timeout; job's next fire is due
                final int started = scheduler.runPending();
                assertTrue(completedInside.get(), "the run completed between the drain and the collection");
                assertEquals(1, started, "the coalesced run starts now, not at the driver's next timed wake-up " +
                    "(wake-ups asked for: " + wakeUps.get() + ")");
            }
            finally
            {
                job.release.countDown();
                slowRelease.countDown();
            }
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(List.of(1L, 1L), fires, "one run, then the coalesced one standing for one fire");
            assertEquals(1, job.maxActive.get());
            assertEquals(0, info(scheduler, "job").missed());
        }
    }

    @Test
    void shouldAnswerReadsWhileACallbackIsRunning() throws Exception
    {
        try (Scheduler scheduler = scheduler(new Dispatcher()))
        {
            final BlockingCallback callback = new BlockingCallback();
            scheduler.registerTask("slow", "* * * * *", callback);
            clock.advance(Duration.ofMinutes(1));
            final Thread runner = new Thread(scheduler::runPending);
            runner.start();
            assertTrue(callback.entered.await(10, TimeUnit.SECONDS));

            // these must return while the callback is blocked (the class-level timeout fails the test otherwise)
            assertEquals(TaskState.RUNNING, info(scheduler, "slow").state());
            assertTrue(scheduler.nextFireTime("slow").isPresent());
            scheduler.registerTask("other", "* * * * *", () -> {});
            assertTrue(scheduler.cancel("other"));

            callback.release.countDown();
            runner.join();
            assertEquals(TaskState.SCHEDULED, info(scheduler, "slow").state());
        }
    }

    @Test
    void shouldLetACallbackOnAWorkerRegisterTasks() throws Exception
    {
        try (Scheduler scheduler = scheduler(Dispatcher.withWorkers(2)))
        {
            final AtomicInteger childRuns = new AtomicInteger();
            scheduler.registerOnce("parent", START, () -> {
                for (int i = 0; i < 100; i++)
                {
                    scheduler.registerTask("child-" + i, "* * * * *", childRuns::incrementAndGet);
                }
            });
            assertEquals(1, scheduler.runPending());
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(100, scheduler.runPending());
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(100, childRuns.get());
        }
    }

    @Test
    void shouldFireFromTheDriverThreadWhenTheClockMoves() throws Exception
    {
        try (Scheduler scheduler = scheduler(new Dispatcher()))
        {
            final java.util.concurrent.Semaphore fired = new java.util.concurrent.Semaphore(0);
            scheduler.registerTask("minute", "* * * * *", fired::release);
            scheduler.start();
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofMinutes(1));
                assertTrue(fired.tryAcquire(10, TimeUnit.SECONDS), "fire " + i);
            }
            assertEquals(0, info(scheduler, "minute").missed());
        }
    }

    @Test
    void shouldRunWhatTheDispatcherAcceptedBeforeClose() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        final Scheduler scheduler = scheduler(Dispatcher.withWorkers(2));
        for (int i = 0; i < 1000; i++)
        {
            scheduler.registerOnce("once-" + i, START, runs::incrementAndGet);
        }
        assertEquals(1000, scheduler.runPending());
        scheduler.close();
        assertEquals(1000, runs.get());
    }
}
