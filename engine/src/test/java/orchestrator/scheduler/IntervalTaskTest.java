package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntervalTaskTest
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    private TaskInfo info(final String name)
    {
        return scheduler.task(name).orElseThrow();
    }

    @Test
    void shouldFireAtAFixedRateFirstOnePeriodAfterScheduling()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("rate").fixedRate(Duration.ofSeconds(10)).run(runs::incrementAndGet));
        assertEquals(Optional.of(START.plusSeconds(10)), scheduler.nextFireTime("rate"));
        assertEquals(0, scheduler.runPending());
        clock.advance(Duration.ofMillis(9_999));
        assertEquals(0, scheduler.runPending());
        clock.advance(Duration.ofMillis(1));
        assertEquals(1, scheduler.runPending());
        for (int i = 0; i < 5; i++)
        {
            clock.advance(Duration.ofSeconds(10));
            assertEquals(1, scheduler.runPending());
        }
        assertEquals(6, runs.get());
        assertEquals(Optional.of(START.plusSeconds(70)), scheduler.nextFireTime("rate"));
        assertEquals("fixedRate PT10S", info("rate").schedule());
        assertEquals(TaskState.SCHEDULED, info("rate").state());
    }

    @Test
    void shouldFireAtOnceWithAZeroInitialDelay()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("now").fixedRate(Duration.ofMinutes(1)).initialDelay(Duration.ZERO)
            .run(runs::incrementAndGet));
        assertEquals(1, scheduler.runPending());
        assertEquals(Optional.of(START.plusSeconds(60)), scheduler.nextFireTime("now"));
        scheduler.schedule(TaskSpec.named("later").fixedRate(Duration.ofMinutes(1)).initialDelay(Duration.ofHours(1))
            .run(runs::incrementAndGet));
        assertEquals(Optional.of(START.plusSeconds(3600)), scheduler.nextFireTime("later"));
    }

    @Test
    void shouldKeepAFixedRateOnItsGridAndCountPassedFiresAsMissed()
    {
        scheduler.schedule(TaskSpec.named("once").fixedRate(Duration.ofSeconds(10)).run(() -> {}));
        scheduler.schedule(TaskSpec.named("skip").fixedRate(Duration.ofSeconds(10)).misfire(MisfirePolicy.SKIP)
            .run(() -> {}));
        scheduler.schedule(TaskSpec.named("all").fixedRate(Duration.ofSeconds(10)).misfire(MisfirePolicy.FIRE_ALL)
            .run(() -> {}));
        clock.advance(Duration.ofSeconds(35)); // fires at 10, 20, 30 passed; the latest 5 s ago
        assertEquals(4, scheduler.runPending(), "callbacks started: one for once, three for all");
        assertEquals(1, info("once").runs());
        assertEquals(2, info("once").missed());
        assertEquals(0, info("skip").runs());
        assertEquals(3, info("skip").missed());
        assertEquals(3, info("all").runs());
        assertEquals(0, info("all").missed());
        for (final String name : List.of("once", "skip", "all"))
        {
            assertEquals(Optional.of(START.plusSeconds(40)), scheduler.nextFireTime(name), name);
        }
    }

    @Test
    void shouldRunASkipFixedRateWhoseLatestFireIsWithinTheThreshold()
    {
        scheduler.schedule(TaskSpec.named("skip").fixedRate(Duration.ofSeconds(10)).misfire(MisfirePolicy.SKIP)
            .run(() -> {}));
        clock.advance(Duration.ofMillis(30_500)); // fires at 10, 20, 30; the latest 500 ms ago, within 1 s
        assertEquals(1, scheduler.runPending());
        assertEquals(1, info("skip").runs());
        assertEquals(2, info("skip").missed());
    }

    @Test
    void shouldCountFixedRateFiresOfAHugeJumpByArithmetic()
    {
        scheduler.schedule(TaskSpec.named("ms").fixedRate(Duration.ofMillis(1)).run(() -> {}));
        clock.advance(Duration.ofDays(365 * 100));
        assertEquals(1, scheduler.runPending());
        final long passed = Duration.ofDays(365 * 100).toMillis();
        assertEquals(passed - 1, info("ms").missed());
        assertEquals(Optional.of(clock.instant().plusMillis(1)), scheduler.nextFireTime("ms"));
    }

    @Test
    void shouldIgnoreDaylightSavingForIntervals()
    {
        final ManualClock paris = new ManualClock(Instant.parse("2026-03-29T00:30:00Z"), ZoneId.of("Europe/Paris"));
        try (Scheduler dst = Scheduler.builder().clock(paris).build())
        {
            final List<Instant> fires = new ArrayList<>();
            dst.schedule(TaskSpec.named("hourly").fixedRate(Duration.ofHours(1)).run(c -> fires.add(c.scheduledAt())));
            for (int i = 0; i < 4; i++)
            {
                paris.advance(Duration.ofHours(1));
                dst.runPending();
            }
            assertEquals(List.of(Instant.parse("2026-03-29T01:30:00Z"), Instant.parse("2026-03-29T02:30:00Z"),
                Instant.parse("2026-03-29T03:30:00Z"), Instant.parse("2026-03-29T04:30:00Z")), fires);
        }
    }

    @Test
    void shouldFireAFixedDelayADelayAfterTheRunEnded()
    {
        final List<Instant> starts = new ArrayList<>();
        scheduler.schedule(TaskSpec.named("delay").fixedDelay(Duration.ofSeconds(10)).run(() -> {
            starts.add(clock.instant());
            clock.advance(Duration.ofSeconds(3)); // the run takes 3 s
        }));
        assertEquals(Optional.of(START.plusSeconds(10)), scheduler.nextFireTime("delay"));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, scheduler.runPending());
        assertEquals(Optional.of(START.plusSeconds(23)), scheduler.nextFireTime("delay"), "ended at 13 s, plus 10 s");
        clock.set(START.plusSeconds(22));
        assertEquals(0, scheduler.runPending());
        clock.set(START.plusSeconds(23));
        assertEquals(1, scheduler.runPending());
        assertEquals(Optional.of(START.plusSeconds(36)), scheduler.nextFireTime("delay"));
        assertEquals(List.of(START.plusSeconds(10), START.plusSeconds(23)), starts);
        assertEquals("fixedDelay PT10S", info("delay").schedule());
        assertEquals(0, info("delay").missed());
    }

    /**
     * A triggered run is a run: the fixed delay counts from its end, and no fire comes due while it goes.
     */
    @Test
    void shouldCountAFixedDelayFromTheEndOfATriggeredRun()
    {
        final List<Instant> starts = new ArrayList<>();
        final List<Optional<Instant>> nextWhileRunning = new ArrayList<>();
        scheduler.schedule(TaskSpec.named("delay").fixedDelay(Duration.ofSeconds(10)).run(() -> {
            starts.add(clock.instant());
            nextWhileRunning.add(scheduler.nextFireTime("delay"));
            clock.advance(Duration.ofSeconds(7)); // the run takes 7 s
        }));
        clock.advance(Duration.ofSeconds(5));
        assertTrue(scheduler.triggerNow("delay"));
        assertEquals(1, scheduler.runPending());
        assertEquals(Optional.of(START.plusSeconds(22)), scheduler.nextFireTime("delay"), "ended at 12 s, plus 10 s");
        clock.set(START.plusSeconds(21));
        assertEquals(0, scheduler.runPending());
        clock.set(START.plusSeconds(22));
        assertEquals(1, scheduler.runPending());
        assertEquals(List.of(START.plusSeconds(5), START.plusSeconds(22)), starts);
        assertEquals(List.of(Optional.empty(), Optional.empty()), nextWhileRunning, "set when the run ends");
        assertEquals(Optional.of(START.plusSeconds(39)), scheduler.nextFireTime("delay"));
        assertEquals(0, info("delay").missed());
    }

    @Test
    void shouldKeepAFixedDelayGoingWhenItsCallbackThrows()
    {
        scheduler.schedule(TaskSpec.named("boom").fixedDelay(Duration.ofSeconds(5)).initialDelay(Duration.ZERO)
            .run(() -> {
                throw new IllegalStateException("kaput");
            }));
        assertEquals(1, scheduler.runPending());
        clock.advance(Duration.ofSeconds(5));
        assertEquals(1, scheduler.runPending());
        final TaskInfo info = info("boom");
        assertEquals(2, info.failures());
        assertEquals(TaskState.SCHEDULED, info.state());
        assertEquals(Optional.of(START.plusSeconds(10)), info.nextFire());
    }

    @Test
    void shouldCountALateSkipFixedDelayAsMissedAndWaitADelayFromThen()
    {
        scheduler.schedule(TaskSpec.named("delay").fixedDelay(Duration.ofSeconds(10)).misfire(MisfirePolicy.SKIP)
            .run(() -> {}));
        clock.advance(Duration.ofSeconds(60));
        assertEquals(0, scheduler.runPending());
        assertEquals(1, info("delay").missed());
        assertEquals(Optional.of(START.plusSeconds(70)), scheduler.nextFireTime("delay"));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, scheduler.runPending());
    }

    /**
     * A delay that takes the next fire past the end of the epoch-millisecond range leaves the task nothing to fire:
     * it ends as a fixed rate does, whether its fire ran, was skipped late, or passed while it was paused.
     */
    @Test
    void shouldCompleteAFixedDelayWhoseNextFireWouldPassTheEndOfTheRange()
    {
        final Duration delay = Duration.ofMillis(Long.MAX_VALUE - START.toEpochMilli()); // from START on: past the end
        scheduler.schedule(TaskSpec.named("ran").fixedDelay(delay).initialDelay(Duration.ZERO).run(() -> {}));
        assertEquals(1, scheduler.runPending());
        scheduler.schedule(TaskSpec.named("skipped").fixedDelay(delay).initialDelay(Duration.ZERO)
            .misfire(MisfirePolicy.SKIP).run(() -> {}));
        scheduler.schedule(TaskSpec.named("paused").fixedDelay(delay).initialDelay(Duration.ZERO).run(() -> {}));
        assertTrue(scheduler.pause("paused"));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(0, scheduler.runPending());
        assertEquals(TaskState.PAUSED, info("paused").state());
        assertEquals(0, info("paused").missed(), "its last fire waits for resume, as a one-time task's does");
        assertTrue(scheduler.resume("paused"));
        assertEquals(1, scheduler.runPending());
        for (final String name : List.of("ran", "skipped", "paused"))
        {
            final TaskInfo info = info(name);
            assertEquals(TaskState.COMPLETED, info.state(), name);
            assertEquals(name.equals("skipped") ? 0 : 1, info.runs(), name);
            assertEquals(name.equals("skipped") ? 1 : 0, info.missed(), name);
            assertEquals(Optional.empty(), scheduler.nextFireTime(name), name);
        }
    }

    /**
     * The clock fails from inside the run on (a time service that went away): neither the run's end nor its
     * completion can read it. The next fire counted from the failed read, as long ago: it showed as year -292275055
     * and the task ran again at the next runPending(), 1 s after its run instead of 10 s. It now counts from the fire
     * time the run stood for.
     */
    @Test
    void shouldCountAFixedDelayFromItsFireWhenTheClockFailsAsItsRunEnds()
    {
        final AtomicBoolean failing = new AtomicBoolean();
        final Clock flaky = TestClocks.utc(() ->
        {
            if (failing.get())
            {
                throw new IllegalStateException("time service unreachable");
            }
            return clock.instant();
        });
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler flakyScheduler = Scheduler.builder().clock(flaky).zone(ZoneOffset.UTC).build())
        {
            flakyScheduler.schedule(TaskSpec.named("delay").fixedDelay(Duration.ofSeconds(10)).run(() -> {
                runs.incrementAndGet();
                failing.set(true);
            }));
            clock.advance(Duration.ofSeconds(10));
            assertEquals(1, flakyScheduler.runPending());
            failing.set(false);
            assertEquals(Optional.of(START.plusSeconds(20)), flakyScheduler.nextFireTime("delay"));
            clock.advance(Duration.ofSeconds(1));
            assertEquals(0, flakyScheduler.runPending(), "not due again 1 s after its run");
            clock.set(START.plusSeconds(20));
            assertEquals(1, flakyScheduler.runPending());
            assertEquals(2, runs.get());
            assertEquals(0, flakyScheduler.task("delay").orElseThrow().missed());
        }
    }

    @Test
    void shouldSetAFixedDelaysNextFireOnlyWhenAWorkerRunCompletes() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (Scheduler workers = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build())
        {
            workers.schedule(TaskSpec.named("delay").fixedDelay(Duration.ofSeconds(10)).run(() -> {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            }));
            clock.advance(Duration.ofSeconds(10));
            assertEquals(1, workers.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            clock.advance(Duration.ofSeconds(60)); // the run goes on for a minute: no fire is due meanwhile
            assertEquals(0, workers.runPending());
            assertEquals(Optional.empty(), workers.nextFireTime("delay"));
            release.countDown();
            assertTrue(workers.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(Optional.of(START.plusSeconds(80)), workers.nextFireTime("delay"));
            assertEquals(0, workers.task("delay").orElseThrow().missed());
        }
    }

    /**
     * Reference model: a fixed-rate task's fires are the grid {@code first + k * period}; after every
     * {@code runPending()} under FIRE_ONCE, runs + missed is the number of grid points passed, and runs grow by one
     * per collection that found any.
     */
    @Test
    void shouldAccountForEveryFixedRateFireAgainstAReferenceGrid()
    {
        final SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 50; round++)
        {
            final long period = 1 + random.nextInt(5_000);
            final String name = "rate-" + round;
            final long first = clock.millis() + period;
            scheduler.schedule(TaskSpec.named(name).fixedRate(Duration.ofMillis(period)).run(() -> {}));
            long expectedRuns = 0;
            long lastGrid = 0;
            for (int step = 0; step < 40; step++)
            {
                clock.advance(Duration.ofMillis(random.nextInt(3 * (int)period + 1)));
                scheduler.runPending();
                final long now = clock.millis();
                final long grid = now < first ? 0 : (now - first) / period + 1;
                if (grid > lastGrid)
                {
                    expectedRuns++;
                }
                lastGrid = grid;
                final TaskInfo info = info(name);
                assertEquals(grid, info.runs() + info.missed(), name + " step " + step);
                assertEquals(expectedRuns, info.runs(), name + " step " + step);
                assertEquals(Optional.of(Instant.ofEpochMilli(first + grid * period)), info.nextFire());
            }
            scheduler.cancel(name);
        }
    }
}
