package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
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
    void shouldRefuseACapBelowOne()
    {
        assertThrows(IllegalArgumentException.class, () -> MisfirePolicy.fireAll(0));
    }
}
