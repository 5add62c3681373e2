package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverlapAndTimeoutTest
{
    private static final String EVERY_SECOND = "* * * * * *";

    private final ManualClock clock = new ManualClock(START);

    private Scheduler workers(final int n)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(Dispatcher.withWorkers(n)).build();
    }

    /**
     * Deterministic interleaving: three fires come due while the first run is held on a worker; under COALESCE they
     * become one run after it, whose context counts them, and none is missed.
     */
    @Test
    void shouldCoalesceOverlappedFiresIntoOneRunAfterTheCurrentOne() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<FireContext> contexts = new CopyOnWriteArrayList<>();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        try (Scheduler scheduler = workers(2))
        {
            scheduler.schedule(TaskSpec.named("c").cron(EVERY_SECOND).overlap(OverlapPolicy.COALESCE).run(context -> {
                maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                contexts.add(context);
                if (contexts.size() == 1)
                {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                }
                running.decrementAndGet();
            }));
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofSeconds(1));
                assertEquals(0, scheduler.runPending(), "never a second run while the first goes on");
            }
            release.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, scheduler.runPending(), "the coalesced run");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(2, contexts.size());
            assertEquals(1, contexts.get(0).fires());
            assertEquals(3, contexts.get(1).fires());
            assertEquals(START.plusSeconds(4), contexts.get(1).scheduledAt(), "the latest fire it stands for");
            assertEquals(1, maxRunning.get());
            final TaskInfo info = scheduler.task("c").orElseThrow();
            assertEquals(2, info.runs());
            assertEquals(0, info.missed());
        }
    }

    /**
     * Deterministic interleaving: while the first runs are held on workers, one late collection finds three fires of
     * each task passed. The coalesced run stands for the latest fire it runs for, never for one counted as missed:
     * fireAll's three fires (none missed), SKIP's one on-time fire (the two older ones missed).
     */
    @Test
    void shouldCoalesceLateFiresForTheLatestFireTheyRunFor() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(2);
        final CountDownLatch release = new CountDownLatch(1);
        final List<FireContext> contexts = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = workers(2))
        {
            for (final MisfirePolicy policy : List.of(MisfirePolicy.FIRE_ALL, MisfirePolicy.SKIP))
            {
                scheduler.schedule(TaskSpec.named(policy.toString()).fixedRate(Duration.ofSeconds(10)).misfire(policy)
                    .overlap(OverlapPolicy.COALESCE).run(context -> {
                        contexts.add(context);
                        entered.countDown();
                        Latches.awaitUninterruptibly(release);
                    }));
            }
            clock.advance(Duration.ofSeconds(10));
            assertEquals(2, scheduler.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            clock.advance(Duration.ofMillis(30_500)); // fires at 20, 30 and 40 s passed; the latest 500 ms ago
            assertEquals(0, scheduler.runPending());
            release.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(2, scheduler.runPending(), "the coalesced runs");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(4, contexts.size());
            for (final FireContext context : contexts.subList(2, 4))
            {
                final boolean all = context.taskName().equals(MisfirePolicy.FIRE_ALL.toString());
                assertEquals(START.plusSeconds(40), context.scheduledAt(), context.taskName());
                assertEquals(all ? 3 : 1, context.fires(), context.taskName());
                assertEquals(all ? 0 : 2, scheduler.task(context.taskName()).orElseThrow().missed(), context.taskName());
            }
        }
    }

    @Test
    void shouldDropAndCountOverlappedFiresUnderSkip() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler scheduler = workers(2))
        {
            scheduler.schedule(TaskSpec.named("s").cron(EVERY_SECOND).run(() -> {
                if (runs.incrementAndGet() == 1)
                {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                }
            }));
            clock.advance(Duration.ofSeconds(1));
            scheduler.runPending();
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofSeconds(1));
                scheduler.runPending();
            }
            release.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(0, scheduler.runPending());
            assertEquals(1, runs.get());
            assertEquals(3, scheduler.task("s").orElseThrow().missed());
        }
    }

    @Test
    void shouldRunAPendingTriggerOnTheDriverOnceTheRunEnds() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch second = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler scheduler = workers(2))
        {
            scheduler.registerTask("t", "0 0 * * *", () -> {
                if (runs.incrementAndGet() == 1)
                {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                }
                else
                {
                    second.countDown();
                }
            });
            scheduler.start();
            assertTrue(scheduler.triggerNow("t"));
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the driver ran the trigger");
            assertTrue(scheduler.triggerNow("t"));
            release.countDown();
            assertTrue(second.await(10, TimeUnit.SECONDS), "the driver ran the pending trigger after the first run");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(2, runs.get());
        }
    }

    @Test
    void shouldReportARunPastItsTimeoutOnceAndShowItRunningLong() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<FireContext> timedOut = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = workers(2); LogCapture log = new LogCapture())
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onTimeout(final FireContext context)
                {
                    timedOut.add(context);
                }
            });
            scheduler.schedule(TaskSpec.named("slow").cron("0 * * * * *").timeout(Duration.ofSeconds(5)).run(() -> {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            }));
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            clock.advance(Duration.ofMillis(4_999));
            scheduler.runPending();
            TaskInfo info = scheduler.task("slow").orElseThrow();
            assertEquals(0, info.timeouts());
            assertFalse(info.runningLong());
            clock.advance(Duration.ofMillis(1));
            scheduler.runPending();
            clock.advance(Duration.ofSeconds(10));
            scheduler.runPending();
            info = scheduler.task("slow").orElseThrow();
            assertEquals(1, info.timeouts(), "counted once");
            assertTrue(info.runningLong());
            assertEquals(TaskState.RUNNING, info.state());
            assertTrue(scheduler.tasks().stream().anyMatch(t -> t.name().equals("slow") && t.runningLong()));
            assertEquals(1, log.count(Level.WARNING, "past its timeout"), "logged once");
            assertEquals(1, timedOut.size());
            assertEquals("slow", timedOut.get(0).taskName());
            assertEquals(START.plusSeconds(60), timedOut.get(0).startedAt());
            release.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            info = scheduler.task("slow").orElseThrow();
            assertFalse(info.runningLong());
            assertEquals(1, info.timeouts());
            assertEquals(1, info.runs());
        }
    }

    /**
     * A fireAll catch-up of three runs taking 40, 70 and 40 s against a 60 s timeout: only the second passes it, so
     * only the second is reported and interrupted, each run being timed from its own start. Inline dispatch; the
     * callback makes the check the driver would make meanwhile (a runPending() from inside the run).
     */
    @Test
    void shouldTimeEachRunOfAFireAllCatchUpFromItsOwnStart()
    {
        final long[] seconds = {40, 70, 40};
        final List<FireContext> timedOut = new CopyOnWriteArrayList<>();
        final List<Boolean> interrupted = new CopyOnWriteArrayList<>();
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onTimeout(final FireContext context)
                {
                    timedOut.add(context);
                }
            });
            scheduler.schedule(TaskSpec.named("catch-up").cron("0 * * * *").misfire(MisfirePolicy.FIRE_ALL)
                .timeout(Duration.ofSeconds(60)).interruptOnTimeout(true).run(() ->
                {
                    clock.advance(Duration.ofSeconds(seconds[interrupted.size()]));
                    scheduler.runPending(); // checks the run timeouts
                    interrupted.add(Thread.currentThread().isInterrupted());
                }));
            clock.advance(Duration.ofHours(3)); // three fires passed
            assertEquals(3, scheduler.runPending());
            assertEquals(List.of(false, true, false), interrupted);
            assertEquals(1, timedOut.size());
            assertEquals(START.plus(Duration.ofHours(2)), timedOut.get(0).scheduledAt(), "the second run's fire");
            final TaskInfo info = scheduler.task("catch-up").orElseThrow();
            assertEquals(3, info.runs());
            assertEquals(1, info.timeouts());
            assertFalse(Thread.currentThread().isInterrupted(), "the interrupt ended with its run");
        }
    }

    /**
     * The clock fails on the worker as the run starts (a time service unreachable for a moment): the run was never
     * reported however long it went on, and its timeout deadline lay at the start of time, so a started driver would
     * not park while it ran. It is now timed from its fire time, the latest instant known to come before its start.
     */
    @Test
    void shouldTimeARunFromItsFireTimeWhenTheClockFailedAtItsStart() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger failures = new AtomicInteger();
        final java.time.Clock failingOnWorker = new java.time.Clock()
        {
            @Override
            public java.time.Instant instant()
            {
                if (Thread.currentThread().getName().equals("worker"))
                {
                    failures.incrementAndGet();
                    throw new IllegalStateException("time service unreachable");
                }
                return clock.instant();
            }

            @Override
            public java.time.ZoneId getZone()
            {
                return ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(final java.time.ZoneId zone)
            {
                return this;
            }
        };
        try (Scheduler scheduler = Scheduler.builder().clock(failingOnWorker).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.of(job -> new Thread(job, "worker").start())).build())
        {
            try
            {
                scheduler.schedule(TaskSpec.named("slow").cron("0 * * * * *").timeout(Duration.ofSeconds(5))
                    .run(() ->
                    {
                        entered.countDown();
                        Latches.awaitUninterruptibly(release);
                    }));
                clock.advance(Duration.ofMinutes(1));
                assertEquals(1, scheduler.runPending());
                assertTrue(entered.await(10, TimeUnit.SECONDS));
                assertTrue(failures.get() > 0, "positive control: the clock failed on the worker");
                clock.advance(Duration.ofSeconds(10));
                scheduler.runPending();
                assertEquals(1, scheduler.task("slow").orElseThrow().timeouts(), "the run past its timeout");
                assertTrue(scheduler.registry().nextDeadlineHint() > clock.millis(),
                    "nothing is due: a started driver would park, not spin");
            }
            finally
            {
                release.countDown();
            }
        }
    }

    @Test
    void shouldInterruptARunPastItsTimeoutWhenAsked() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch never = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        try (Scheduler scheduler = workers(1))
        {
            scheduler.schedule(TaskSpec.named("stuck").cron("0 * * * * *").timeout(Duration.ofSeconds(5))
                .interruptOnTimeout(true).run(() -> {
                    entered.countDown();
                    try
                    {
                        never.await();
                    }
                    catch (final InterruptedException ex)
                    {
                        interrupted.countDown();
                    }
                }));
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            clock.advance(Duration.ofSeconds(5));
            scheduler.runPending();
            assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the stuck run was interrupted");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, scheduler.task("stuck").orElseThrow().timeouts());
            assertEquals(0, scheduler.task("stuck").orElseThrow().failures());
        }
    }

    /**
     * Deterministic interleaving: the interrupt lands while the run is going, the callback returns with the flag set,
     * and the next job of the same (single) worker must not see it.
     */
    @Test
    void shouldNotLetATimeoutInterruptReachTheWorkersNextJob() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean sawInterrupt = new AtomicBoolean();
        final AtomicBoolean nextSawInterrupt = new AtomicBoolean(true);
        try (Scheduler scheduler = workers(1))
        {
            scheduler.schedule(TaskSpec.named("a").cron("0 * * * * *").timeout(Duration.ofSeconds(1))
                .interruptOnTimeout(true).run(() -> {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release); // keeps the interrupt set when it returns
                    sawInterrupt.set(Thread.currentThread().isInterrupted());
                }));
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            clock.advance(Duration.ofSeconds(1));
            scheduler.runPending(); // interrupts a
            scheduler.registerOnce("b", clock.instant(), () -> nextSawInterrupt.set(Thread.currentThread().isInterrupted()));
            scheduler.runPending(); // b queues behind a on the one worker
            release.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertTrue(sawInterrupt.get(), "positive control: the interrupt reached the timed-out run");
            assertFalse(nextSawInterrupt.get(), "the next job on that worker was not interrupted");
            assertEquals(1, scheduler.task("b").orElseThrow().runs());
        }
    }

    @Test
    void shouldKeepOtherTasksOnTimeWhileARunIsPastItsTimeout() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Semaphore healthy = new Semaphore(0);
        try (Scheduler scheduler = workers(2))
        {
            try
            {
                scheduler.schedule(TaskSpec.named("stuck").cron(EVERY_SECOND).timeout(Duration.ofSeconds(2)).run(() -> {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                }));
                scheduler.schedule(TaskSpec.named("healthy").fixedRate(Duration.ofSeconds(1)).run(() -> healthy.release()));
                for (int tick = 1; tick <= 5; tick++)
                {
                    clock.advance(Duration.ofSeconds(1));
                    scheduler.runPending();
                    assertTrue(healthy.tryAcquire(10, TimeUnit.SECONDS), "tick " + tick);
                    awaitRecordedRuns(scheduler, "healthy", tick);
                }
                assertTrue(entered.await(10, TimeUnit.SECONDS));
                assertEquals(1, scheduler.task("stuck").orElseThrow().timeouts());
                assertEquals(4, scheduler.task("stuck").orElseThrow().missed());
            }
            finally
            {
                release.countDown();
            }
        }
    }

    /**
     * A worker hands a run's completion back just after its callback returns, so a callback's own signal comes before
     * the scheduler knows the run ended, and a fire in between is dropped as overlapping. The public API has no signal
     * for one task's completion while another callback runs (awaitIdle waits for all), so re-read the task, which
     * records completions, until it shows the run, as HungCallbackTest does; the callback has already run, so this is
     * short.
     */
    private static void awaitRecordedRuns(final Scheduler scheduler, final String name, final long runs)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (scheduler.task(name).orElseThrow().runs() < runs)
        {
            assertTrue(System.nanoTime() - deadline < 0, name + ": run " + runs + " was not recorded");
            Thread.yield();
        }
    }
}
