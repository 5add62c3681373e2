package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import static orchestrator.scheduler.SchedulerTest.START;
import static orchestrator.scheduler.SchedulerTest.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MisfirePolicyTest
{
    private final ManualClock clock = new ManualClock(START);
    private final CronSchedule everyMinute = CronSchedule.parse("* * * * *", ZoneOffset.UTC);

    private Scheduler scheduler()
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();
    }

    @Test
    void shouldFireOnceAndCountTheRestByDefault()
    {
        try (Scheduler scheduler = scheduler())
        {
            final AtomicInteger runs = new AtomicInteger();
            scheduler.registerTask("job", everyMinute, runs::incrementAndGet);
            clock.advance(Duration.ofMinutes(5));
            scheduler.runPending();
            assertEquals(1, runs.get());
            assertEquals(4, info(scheduler, "job").missed());
        }
    }

    @Test
    void shouldSkipLateFiresAndWaitForTheNextOne()
    {
        try (Scheduler scheduler = scheduler())
        {
            final AtomicInteger runs = new AtomicInteger();
            scheduler.registerTask("job", everyMinute, MisfirePolicy.SKIP, runs::incrementAndGet);
            clock.advance(Duration.ofMinutes(5).plusSeconds(30));
            assertEquals(0, scheduler.runPending());
            assertEquals(5, info(scheduler, "job").missed());
            clock.advance(Duration.ofSeconds(30).plusMillis(999)); // within the 1 s threshold: on time
            assertEquals(1, scheduler.runPending());
            assertEquals(1, runs.get());
        }
    }

    /**
     * A late task under SKIP whose passed fires are all past the misfire threshold runs none of them: its next fire
     * shown is the first after now, the one that then fires, not a passed one; one within the threshold is shown, as
     * it runs.
     */
    @Test
    void shouldShowASkippingLateTaskTheNextFireThatRuns()
    {
        try (Scheduler scheduler = scheduler())
        {
            final AtomicInteger runs = new AtomicInteger();
            scheduler.schedule(TaskSpec.named("rate").fixedRate(Duration.ofSeconds(10)).misfire(MisfirePolicy.SKIP)
                .run(runs::incrementAndGet));
            scheduler.schedule(TaskSpec.named("delay").fixedDelay(Duration.ofSeconds(10)).misfire(MisfirePolicy.SKIP)
                .run(runs::incrementAndGet));
            scheduler.schedule(TaskSpec.named("once").fixedRate(Duration.ofSeconds(10)).run(runs::incrementAndGet));
            clock.advance(Duration.ofSeconds(45));
            assertEquals(Optional.of(START.plusSeconds(50)), scheduler.nextFireTime("rate"));
            assertEquals(Optional.of(START.plusSeconds(50)), info(scheduler, "rate").nextFire());
            assertEquals(Optional.of(START.plusSeconds(55)), scheduler.nextFireTime("delay"), "a delay after now");
            assertEquals(Optional.of(START.plusSeconds(10)), scheduler.nextFireTime("once"), "FIRE_ONCE runs it late");
            assertEquals(1, scheduler.runPending());
            assertEquals(Optional.of(START.plusSeconds(50)), scheduler.nextFireTime("rate"), "as collected");
            assertEquals(Optional.of(START.plusSeconds(55)), scheduler.nextFireTime("delay"), "as collected");
            clock.advance(Duration.ofSeconds(5).plusMillis(999)); // 50.999 s: 50 s is within the 1 s threshold
            assertEquals(Optional.of(START.plusSeconds(50)), scheduler.nextFireTime("rate"), "on time: it runs");
            assertEquals(2, scheduler.runPending()); // rate and once, at 50 s
            assertEquals(3, runs.get());
        }
    }

    @Test
    void shouldFireAllMissedFiresUpToTheCap()
    {
        try (Scheduler scheduler = scheduler())
        {
            final AtomicInteger runs = new AtomicInteger();
            scheduler.registerTask("all", everyMinute, MisfirePolicy.fireAll(3), runs::incrementAndGet);
            clock.advance(Duration.ofMinutes(2));
            scheduler.runPending();
            assertEquals(2, runs.get());
            clock.advance(Duration.ofMinutes(10));
            scheduler.runPending();
            assertEquals(5, runs.get());
            final TaskInfo info = info(scheduler, "all");
            assertEquals(5, info.runs());
            assertEquals(7, info.missed());
        }
    }

    /**
     * A late task runs for the earliest of its passed fires, in order, each run with its own fire time, and reports
     * the later ones as missed from the first of them: no instant is both run and missed.
     */
    @Test
    void shouldRunTheEarliestPassedFiresEachForItsOwnFireTimeAndReportTheRestMissed()
    {
        try (Scheduler scheduler = scheduler())
        {
            final List<String> missed = new ArrayList<>();
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    missed.add(taskName + " " + scheduledAt + " x" + fires);
                }
            });
            final List<Instant> once = new ArrayList<>();
            final List<Instant> all = new ArrayList<>();
            final List<Instant> capped = new ArrayList<>();
            scheduler.schedule(TaskSpec.named("once").cron("0 * * * *").run(ctx -> once.add(ctx.scheduledAt())));
            scheduler.schedule(TaskSpec.named("all").cron("0 * * * *").misfire(MisfirePolicy.FIRE_ALL)
                .run(ctx -> all.add(ctx.scheduledAt())));
            scheduler.schedule(TaskSpec.named("capped").cron("0 * * * *").misfire(MisfirePolicy.fireAll(2))
                .run(ctx -> capped.add(ctx.scheduledAt())));
            clock.advance(Duration.ofHours(3)); // 01:00, 02:00 and 03:00 have passed
            assertEquals(1 + 3 + 2, scheduler.runPending(), "callbacks started, each run of a catch-up counted");
            final Instant one = START.plus(Duration.ofHours(1));
            final Instant two = START.plus(Duration.ofHours(2));
            final Instant three = START.plus(Duration.ofHours(3));
            assertEquals(List.of(one), once);
            assertEquals(List.of(one, two, three), all);
            assertEquals(List.of(one, two), capped);
            missed.sort(null);
            assertEquals(List.of("capped " + three + " x1", "once " + two + " x2"), missed);
        }
    }

    @Test
    void shouldLogOneWarningPerLateBurst()
    {
        try (Scheduler scheduler = scheduler(); LogCapture log = new LogCapture())
        {
            for (int i = 0; i < 50; i++)
            {
                scheduler.registerTask("job-" + i, everyMinute, () -> {});
            }
            clock.advance(Duration.ofHours(1));
            scheduler.runPending();
            assertEquals(1, log.count(Level.WARNING, "came late"));
            assertEquals(50 * 59, scheduler.tasks().stream().mapToLong(TaskInfo::missed).sum());
        }
    }

    @Test
    void shouldLogOneWarningForALateBurstOfMoreTasksThanOneBatch()
    {
        try (Scheduler scheduler = scheduler(); LogCapture log = new LogCapture())
        {
            final int tasks = 2 * FireCycle.BATCH_LIMIT + 100; // collected in three batches by one runPending()
            for (int i = 0; i < tasks; i++)
            {
                scheduler.registerTask("job-" + i, everyMinute, () -> {});
            }
            clock.advance(Duration.ofHours(1));
            assertEquals(tasks, scheduler.runPending());
            assertEquals(1, log.count(Level.WARNING, "came late"), "one warning for the whole late runPending()");
            assertEquals(1, log.count(Level.WARNING, tasks + " task(s) missed " + tasks * 59L + " fire(s)"));
        }
    }

    @Test
    void shouldRefuseACapBelowOne()
    {
        assertThrows(IllegalArgumentException.class, () -> MisfirePolicy.fireAll(0));
    }
}
