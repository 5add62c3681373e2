package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.SealedRecord;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's own metrics, {@link Scheduler#metrics()}: counters always, lateness and run-time histograms while
 * timings are on. Time is a {@link ManualClock}; lateness adds the real time from a collection to the run's start,
 * which is far below the tolerances here.
 */
class MetricsTest
{
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(30); // real time a slow machine may add

    private final ManualClock clock = new ManualClock(START);

    private Scheduler scheduler(final boolean timings, final Dispatcher dispatcher)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(dispatcher).recordTimings(timings)
            .build();
    }

    private static long sum(final List<TaskInfo> tasks, final java.util.function.ToLongFunction<TaskInfo> counter)
    {
        return tasks.stream().mapToLong(counter).sum();
    }

    @Test
    void shouldCountRunsMissedAndFailuresAsTheTasksDoFinishedOnesIncluded()
    {
        try (Scheduler scheduler = scheduler(false, new Dispatcher()))
        {
            final AtomicInteger calls = new AtomicInteger();
            scheduler.registerTask("minute", "* * * * *", () ->
            {
                if (calls.incrementAndGet() % 2 == 0)
                {
                    throw new IllegalStateException("every other run fails");
                }
            });
            scheduler.registerOnce("once", START.plusSeconds(30), () -> { });
            scheduler.registerOnce("throws-once", START.plusSeconds(30), () ->
            {
                throw new IllegalStateException("one-time failure");
            });
            for (int i = 0; i < 4; i++)
            {
                clock.advance(Duration.ofMinutes(1));
                scheduler.runPending();
            }
            clock.advance(Duration.ofMinutes(10)); // FIRE_ONCE: one run, nine missed
            scheduler.runPending();

            final SchedulerMetrics metrics = scheduler.metrics();
            final List<TaskInfo> tasks = scheduler.tasks();
            assertEquals(7, metrics.runs());
            assertEquals(9, metrics.missed());
            assertEquals(3, metrics.failures()); // runs 2 and 4 of "minute", and "throws-once"
            assertEquals(sum(tasks, TaskInfo::runs), metrics.runs());
            assertEquals(sum(tasks, TaskInfo::missed), metrics.missed());
            assertEquals(sum(tasks, TaskInfo::failures), metrics.failures());
        }
    }

    @Test
    void shouldCountTheFiresOfAPausedTaskAsMissed()
    {
        try (Scheduler scheduler = scheduler(false, new Dispatcher()))
        {
            scheduler.registerTask("minute", "* * * * *", () -> { });
            assertTrue(scheduler.pause("minute"));
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofMinutes(1));
                scheduler.runPending();
            }
            assertTrue(scheduler.resume("minute"));
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(3, metrics.missed());
            assertEquals(1, metrics.runs());
            assertEquals(scheduler.task("minute").orElseThrow().missed(), metrics.missed());
        }
    }

    @Test
    void shouldKeepCountingTasksThatLeftTheFinishedHistory()
    {
        try (Scheduler scheduler = Scheduler.builder().clock(clock).retainFinished(0).build())
        {
            for (int i = 0; i < 10; i++)
            {
                scheduler.registerOnce("once-" + i, START, () -> { });
            }
            scheduler.runPending();
            assertTrue(scheduler.tasks().isEmpty());
            assertEquals(10, scheduler.metrics().runs());
        }
    }

    @Test
    void shouldKeepCountersButNoTimingsByDefault()
    {
        try (Scheduler scheduler = scheduler(false, new Dispatcher()))
        {
            scheduler.registerOnce("late", START.plusSeconds(1), () -> { });
            clock.advance(Duration.ofSeconds(5));
            scheduler.runPending();
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(1, metrics.runs());
            assertFalse(metrics.timingsRecorded());
            assertEquals(0, metrics.timedFires());
            assertEquals(0, metrics.lateness().getTotalCount());
            assertEquals(0, metrics.runTime().getTotalCount());
        }
    }

    @Test
    void shouldRecordLatenessAsTheStartMinusTheFireTime()
    {
        try (Scheduler scheduler = scheduler(true, new Dispatcher()))
        {
            scheduler.registerOnce("five-seconds-late", START.plusSeconds(10), () -> { });
            scheduler.registerOnce("on-time", START.plusSeconds(15), () -> { });
            clock.advance(Duration.ofSeconds(15));
            assertEquals(2, scheduler.runPending());

            final SchedulerMetrics metrics = scheduler.metrics();
            assertTrue(metrics.timingsRecorded());
            assertEquals(2, metrics.timedFires());
            final long total = metrics.totalLateness().toNanos();
            assertTrue(total >= TimeUnit.SECONDS.toNanos(5) && total < TimeUnit.SECONDS.toNanos(5) + SLACK_NANOS,
                metrics.toString());
            final Histogram lateness = metrics.lateness();
            assertEquals(2, lateness.getTotalCount());
            assertTrue(lateness.getValueAtPercentile(50) < SLACK_NANOS, metrics.toString());
            assertTrue(lateness.valuesAreEquivalent(lateness.getMaxValue(), TimeUnit.SECONDS.toNanos(5)) ||
                lateness.getMaxValue() > TimeUnit.SECONDS.toNanos(5), metrics.toString());
            assertTrue(metrics.latenessAtPercentile(100).toNanos() >= TimeUnit.MILLISECONDS.toNanos(4_950),
                metrics.toString());
        }
    }

    @Test
    void shouldRecordHowLongACallbackRan()
    {
        final long busyNanos = TimeUnit.MILLISECONDS.toNanos(3);
        try (Scheduler scheduler = scheduler(true, new Dispatcher()))
        {
            scheduler.registerOnce("busy", START, () ->
            {
                final long start = System.nanoTime();
                while (System.nanoTime() - start < busyNanos)
                {
                    Thread.onSpinWait(); // a workload, not a wait for another thread
                }
            });
            scheduler.runPending();
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(1, metrics.timedRuns());
            assertTrue(metrics.totalRunTime().toNanos() >= busyNanos, metrics.toString());
            assertTrue(metrics.runTime().getMaxValue() >= busyNanos * 99 / 100, metrics.toString());
        }
    }

    @Test
    void shouldRecordOneLatenessPerFireAndEveryRunOfAFireAllBatch()
    {
        try (Scheduler scheduler = scheduler(true, new Dispatcher()))
        {
            final AtomicInteger runs = new AtomicInteger();
            scheduler.registerTask("catch-up", CronSchedule.parse("* * * * *", ZoneOffset.UTC),
                MisfirePolicy.fireAll(10), runs::incrementAndGet);
            clock.advance(Duration.ofMinutes(5));
            scheduler.runPending();
            assertEquals(5, runs.get());
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(5, metrics.runs());
            assertEquals(1, metrics.timedFires());
            assertEquals(5, metrics.timedRuns());
            assertEquals(5, metrics.runTime().getTotalCount());
        }
    }

    @Test
    void shouldAddEverySnapshotsIntervalToTheTotals()
    {
        try (Scheduler scheduler = scheduler(true, new Dispatcher()))
        {
            scheduler.registerTask("minute", "* * * * *", () -> { });
            for (int i = 1; i <= 5; i++)
            {
                clock.advance(Duration.ofMinutes(1));
                scheduler.runPending();
                final SchedulerMetrics metrics = scheduler.metrics();
                assertEquals(i, metrics.runs());
                assertEquals(i, metrics.lateness().getTotalCount());
                assertEquals(i, metrics.runTime().getTotalCount());
            }
        }
    }

    @Test
    void shouldSwitchTimingsOnWhileRunning()
    {
        try (Scheduler scheduler = scheduler(false, new Dispatcher()))
        {
            scheduler.registerTask("minute", "* * * * *", () -> { });
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            scheduler.registry().metrics.recordTimings(true);
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(2, metrics.runs());
            assertEquals(1, metrics.timedFires());
        }
    }

    @Test
    void shouldRecordAFireFromTheStartOfTimeWithoutOverflow()
    {
        try (Scheduler scheduler = scheduler(true, new Dispatcher()))
        {
            scheduler.registerOnce("ancient", Instant.MIN, () -> { });
            assertEquals(1, scheduler.runPending());
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(1, metrics.timedFires());
            assertTrue(metrics.lateness().getMaxValue() >= FireMetrics.MAX_RECORDED * 99 / 100, metrics.toString());
        }
    }

    /**
     * A run's lateness is its start minus its fire time, at least 0: a trigger made after the collection read the
     * clock (here by a callback of the same {@code runPending()} call, which runs the trigger in its next collection)
     * is not late, and must not be recorded as the 52-day saturation value.
     */
    @Test
    void shouldRecordNoLatenessForATriggerMadeAfterTheCollectionReadTheClock()
    {
        try (Scheduler scheduler = scheduler(true, new Dispatcher()))
        {
            scheduler.registerTask("follow-up", "0 0 1 1 *", () -> { });
            scheduler.registerOnce("first", START, () ->
            {
                clock.advance(Duration.ofSeconds(2)); // the callback takes two seconds
                assertTrue(scheduler.triggerNow("follow-up"));
            });
            assertEquals(2, scheduler.runPending(), "the trigger runs in the same call");
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(2, metrics.timedFires());
            assertTrue(metrics.totalLateness().toNanos() < SLACK_NANOS, metrics.toString());
            assertTrue(metrics.lateness().getMaxValue() < SLACK_NANOS, metrics.toString());
        }
    }

    /**
     * A handler fire whose record fails to open is one failure, in {@link SchedulerMetrics#failures()} and in its
     * task's {@link TaskInfo#failures()}, also when the task is cancelled while the record is being opened (here from
     * the log handler that hears of the failure, which runs before the fire completes, as another thread might).
     */
    @Test
    void shouldCountARecordThatFailedToOpenInTheTaskCancelledMeanwhile()
    {
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .keyProvider(KeyProvider.random()).build())
        {
            scheduler.registerHandler("h", plain -> { });
            scheduler.registerTask("victim", "* * * * *", "h", new byte[] {1, 2, 3});
            final byte[] bytes = StoredRecords.record(scheduler, "victim").toBytes();
            bytes[bytes.length - 1] ^= 1; // tampered: it fails to open
            StoredRecords.replace(scheduler, "victim", SealedRecord.fromBytes(bytes));
            final AtomicInteger cancels = new AtomicInteger();
            final Handler cancelWhileOpening = new Handler()
            {
                @Override
                public void publish(final LogRecord record)
                {
                    if (record.getLevel() == Level.SEVERE && cancels.getAndIncrement() == 0)
                    {
                        assertTrue(scheduler.cancel("victim"));
                    }
                }

                @Override
                public void flush()
                {
                }

                @Override
                public void close()
                {
                }
            };
            final Logger logger = Logger.getLogger(Scheduler.class.getName());
            logger.addHandler(cancelWhileOpening);
            try
            {
                clock.advance(Duration.ofMinutes(1));
                scheduler.runPending();
            }
            finally
            {
                logger.removeHandler(cancelWhileOpening);
            }
            assertEquals(1, cancels.get(), "the record failed to open");
            final TaskInfo victim = scheduler.task("victim").orElseThrow();
            assertEquals(TaskState.CANCELLED, victim.state());
            assertEquals(1, scheduler.metrics().failures());
            assertEquals(1, victim.failures(), "the task's failures drifted from metrics(): " + victim);
            assertEquals(sum(scheduler.tasks(), TaskInfo::failures), scheduler.metrics().failures());
        }
    }

    /**
     * One {@code runPending()} call reads the clock once and collects in batches of {@link FireCycle#BATCH_LIMIT}: a
     * fire of its second batch starts after the first batch ran, and its lateness counts that time. Here the last run
     * of the first batch is busy for 200 ms, so the one fire of the second batch starts at least 200 ms late.
     */
    @Test
    void shouldCountTheTimeEarlierBatchesOfTheSameCallRanInTheLatenessOfLaterOnes()
    {
        final long busyNanos = TimeUnit.MILLISECONDS.toNanos(200);
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler scheduler = scheduler(true, new Dispatcher()))
        {
            for (int i = 0; i <= FireCycle.BATCH_LIMIT; i++)
            {
                scheduler.registerOnce("once-" + i, START, () ->
                {
                    if (runs.incrementAndGet() == FireCycle.BATCH_LIMIT) // the last run of the first batch
                    {
                        final long start = System.nanoTime();
                        while (System.nanoTime() - start < busyNanos)
                        {
                            Thread.onSpinWait(); // a workload, not a wait for another thread
                        }
                    }
                });
            }
            assertEquals(FireCycle.BATCH_LIMIT + 1, scheduler.runPending());
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(FireCycle.BATCH_LIMIT + 1, metrics.timedFires());
            assertTrue(metrics.lateness().getMaxValue() >= busyNanos * 99 / 100,
                "the fire of the second batch started after the first batch's 200 ms: " + metrics);
        }
    }

    @Test
    void shouldCountOverlappingFiresAsMissedWithWorkers() throws InterruptedException
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (Scheduler scheduler = scheduler(true, Dispatcher.withWorkers(2)))
        {
            scheduler.registerTask("slow", "* * * * *", () ->
            {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            try
            {
                clock.advance(Duration.ofMinutes(1));
                scheduler.runPending();
                assertTrue(entered.await(30, TimeUnit.SECONDS));
                for (int i = 0; i < 3; i++)
                {
                    clock.advance(Duration.ofMinutes(1));
                    scheduler.runPending(); // the task is still running: dropped and counted
                }
                assertEquals(3, scheduler.metrics().missed());
                assertEquals(0, scheduler.metrics().runs()); // a run counts when it completes
            }
            finally
            {
                release.countDown(); // a failed assertion must not leave the callback hung and close() waiting
            }
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(30)));
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(1, metrics.runs());
            assertEquals(1, metrics.timedFires());
            assertEquals(3, metrics.missed());
        }
    }

    @Test
    void shouldCountFiresTheDispatcherRefusedAsMissed()
    {
        final Dispatcher refusing = Dispatcher.of(job ->
        {
            throw new RejectedExecutionException("full");
        });
        try (Scheduler scheduler = scheduler(true, refusing))
        {
            scheduler.registerTask("refused", "* * * * *", () -> { });
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(1, metrics.missed());
            assertEquals(0, metrics.runs());
            assertEquals(0, metrics.timedFires());
        }
    }

    @Test
    void shouldAccountForEveryFireWhileReadersAndSeveralWorkersRace() throws Exception
    {
        final int tasks = 200;
        final int minutes = 50;
        try (Scheduler scheduler = scheduler(true, Dispatcher.withWorkers(2)))
        {
            for (int i = 0; i < tasks; i++)
            {
                scheduler.registerTask("task-" + i, "* * * * *", () -> { });
            }
            final AtomicInteger reads = new AtomicInteger();
            final Thread reader = new Thread(() ->
            {
                long lastRuns = 0;
                while (!Thread.currentThread().isInterrupted())
                {
                    final long runs = scheduler.metrics().runs();
                    if (runs < lastRuns)
                    {
                        throw new AssertionError("runs went down from " + lastRuns + " to " + runs);
                    }
                    lastRuns = runs;
                    reads.incrementAndGet();
                }
            });
            final java.util.concurrent.atomic.AtomicReference<Throwable> readerFailure =
                new java.util.concurrent.atomic.AtomicReference<>();
            reader.setUncaughtExceptionHandler((t, ex) -> readerFailure.set(ex));
            reader.setDaemon(true);
            reader.start();
            try
            {
                for (int minute = 0; minute < minutes; minute++)
                {
                    clock.advance(Duration.ofMinutes(1));
                    scheduler.runPending();
                    assertTrue(scheduler.awaitIdle(Duration.ofSeconds(30))); // no overlap: every fire runs
                }
            }
            finally
            {
                reader.interrupt();
            }
            reader.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(reader.isAlive());
            assertEquals(null, readerFailure.get());
            assertTrue(reads.get() > 0);
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals((long) tasks * minutes, metrics.runs());
            assertEquals(0, metrics.missed());
            assertEquals((long) tasks * minutes, metrics.timedFires());
            assertEquals((long) tasks * minutes, metrics.lateness().getTotalCount());
        }
    }
}
