package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Scheduler.Builder#defaultDialect}: every cron registered as a string is read in it; without it the field
 * count decides and a six-field expression that SPRING and QUARTZ read differently is refused.
 */
class SchedulerDialectTest
{
    /** Thursday 2026-01-01. */
    private static final Instant THURSDAY = Instant.parse("2026-01-01T00:00:00Z");

    private static Scheduler scheduler(final CronDialect dialect)
    {
        final Scheduler.Builder builder = Scheduler.builder().clock(new ManualClock(THURSDAY)).zone(ZoneOffset.UTC);
        return (dialect == null ? builder : builder.defaultDialect(dialect)).build();
    }

    private static DayOfWeek nextFireDay(final Scheduler scheduler, final String name)
    {
        return scheduler.nextFireTime(name).orElseThrow().atZone(ZoneOffset.UTC).getDayOfWeek();
    }

    @Test
    void shouldFireQuartzMondayOnMondayWithQuartzDefault()
    {
        try (Scheduler scheduler = scheduler(CronDialect.QUARTZ))
        {
            scheduler.registerTask("weekly", "0 0 12 ? * 2", () -> {});
            scheduler.registerHandler("h", payload -> {});
            scheduler.registerTask("sealed", "0 0 12 ? * 2", "h", new byte[0]);
            assertEquals(DayOfWeek.MONDAY, nextFireDay(scheduler, "weekly"));
            assertEquals(DayOfWeek.MONDAY, nextFireDay(scheduler, "sealed"));
        }
    }

    @Test
    void shouldRefuseAmbiguousSixFieldsWithoutDefault()
    {
        try (Scheduler scheduler = scheduler(null))
        {
            final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
                () -> scheduler.registerTask("weekly", "0 0 12 ? * 2", () -> {}));
            assertTrue(ex.getMessage().contains("defaultDialect"), ex.getMessage());
            scheduler.registerHandler("h", payload -> {});
            assertThrows(InvalidCronExpressionException.class,
                () -> scheduler.registerTask("sealed", "0 0 12 ? * 2", "h", new byte[0]));
            assertTrue(scheduler.task("weekly").isEmpty());
            assertTrue(scheduler.task("sealed").isEmpty());
        }
    }

    @Test
    void shouldReadSpringTuesdayWithSpringDefault()
    {
        try (Scheduler scheduler = scheduler(CronDialect.SPRING))
        {
            scheduler.registerTask("weekly", "0 0 12 ? * 2", () -> {});
            assertEquals(DayOfWeek.TUESDAY, nextFireDay(scheduler, "weekly"));
        }
    }

    @Test
    void shouldKeepGuessingWhatMeansTheSameInBoth()
    {
        try (Scheduler scheduler = scheduler(null))
        {
            scheduler.registerTask("names", "0 0 12 ? * MON", () -> {});
            scheduler.registerTask("spring", "0 */5 * * * *", () -> {});
            scheduler.registerTask("unix", "0 12 * * 2", () -> {});
            assertEquals(DayOfWeek.MONDAY, nextFireDay(scheduler, "names"));
            assertEquals(THURSDAY.plusSeconds(300), scheduler.nextFireTime("spring").orElseThrow());
            assertEquals(DayOfWeek.TUESDAY, nextFireDay(scheduler, "unix"));
        }
    }

    @Test
    void shouldRefuseFieldCountsTheDefaultDialectDoesNotRead()
    {
        try (Scheduler scheduler = scheduler(CronDialect.QUARTZ))
        {
            assertThrows(InvalidCronExpressionException.class, () -> scheduler.registerTask("unix", "0 12 * * 2", () -> {}));
        }
    }

    @Test
    void shouldRefuseNullDialect()
    {
        assertThrows(NullPointerException.class, () -> Scheduler.builder().defaultDialect(null));
    }
}
