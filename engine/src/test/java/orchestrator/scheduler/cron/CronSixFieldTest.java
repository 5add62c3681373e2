package orchestrator.scheduler.cron;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The six-field trap: six fields are Spring's form and Quartz's form without a year, and the two number the days of
 * the week differently. Without a named dialect, a six-field expression that both accept and read differently is
 * refused with a message saying how to choose; one that means the same in both keeps being read as SPRING.
 */
class CronSixFieldTest
{
    /** Thursday 2026-01-01. */
    private static final ZonedDateTime THURSDAY = LocalDateTime.parse("2026-01-01T00:00:00").atZone(ZoneOffset.UTC);

    @Test
    void shouldRefuseQuartzMondayThatSpringReadsAsTuesday()
    {
        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
            () -> CronSchedule.parse("0 0 12 ? * 2", ZoneOffset.UTC));
        assertEquals("day-of-week", ex.field());
        assertEquals("2", ex.value());
        assertTrue(ex.reason().contains("means TUE in SPRING (0 and 7 = Sunday) but MON in QUARTZ (1 = Sunday)"), ex.reason());
        assertTrue(ex.reason().contains("CronSchedule.parse(expression, CronDialect.QUARTZ, zone)"), ex.reason());
        assertTrue(ex.reason().contains("Scheduler.builder().defaultDialect(CronDialect.QUARTZ)"), ex.reason());
        assertTrue(ex.reason().contains("day names (MON)"), ex.reason());
    }

    @Test
    void shouldFireOnMondayWhenQuartzIsNamed()
    {
        final ZonedDateTime next = CronSchedule.parse("0 0 12 ? * 2", CronDialect.QUARTZ, ZoneOffset.UTC).nextAfter(THURSDAY)
            .orElseThrow();
        assertEquals(DayOfWeek.MONDAY, next.getDayOfWeek());
        final ZonedDateTime spring = CronSchedule.parse("0 0 12 ? * 2", CronDialect.SPRING, ZoneOffset.UTC).nextAfter(THURSDAY)
            .orElseThrow();
        assertEquals(DayOfWeek.TUESDAY, spring.getDayOfWeek());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "0 0 12 ? * 2             | day-of-week | TUE in SPRING (0 and 7 = Sunday) but MON in QUARTZ",
        "0 0 12 ? * 1-5           | day-of-week | MON,TUE,WED,THU,FRI in SPRING (0 and 7 = Sunday) but SUN,MON,TUE,WED,THU in QUARTZ",
        "0 0 12 ? * 1,7           | day-of-week | SUN,MON in SPRING (0 and 7 = Sunday) but SUN,SAT in QUARTZ",
        "0 0 12 ? * */2           | day-of-week | SUN,MON,WED,FRI in SPRING (0 and 7 = Sunday) but SUN,TUE,THU,SAT in QUARTZ",
        "0 0 12 ? * MON/2         | day-of-week | SUN,MON,WED,FRI in SPRING (0 and 7 = Sunday) but MON,WED,FRI in QUARTZ",
        "0 0 12 ? * 6#3           | day-of-week | one thing in SPRING",
        "0 0 12 ? * 5L            | day-of-week | one thing in SPRING",
        "0 0 12 ? * H(1-5)        | day-of-week | one thing in SPRING",
    })
    void shouldRefuseSixFieldsThatSpringAndQuartzReadDifferently(final String expression, final String field, final String means)
    {
        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
            () -> CronSchedule.parse(expression, ZoneOffset.UTC));
        assertEquals(field, ex.field());
        assertTrue(ex.reason().contains(" means " + means), ex.reason());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        // Spring forms Quartz refuses (no '?'): nothing to confuse
        "0 */5 * * * *            | 2026-01-01T00:05:00",
        "0 0 9 * * MON-FRI        | 2026-01-01T09:00:00",
        "0 0 9 * * 1              | 2026-01-05T09:00:00",
        "0 0 0 L * *              | 2026-01-31T00:00:00",
        // both accept them and they mean the same
        "0 0 12 ? * MON           | 2026-01-05T12:00:00",
        "0 0 12 ? * MON-FRI       | 2026-01-01T12:00:00",
        "0 0 12 ? * SAT,SUN       | 2026-01-03T12:00:00",
        "0 0 12 ? * MON#1         | 2026-01-05T12:00:00",
        "0 0 12 ? * FRIL          | 2026-01-30T12:00:00",
        "0 0 12 ? * *             | 2026-01-01T12:00:00",
        "0 0 12 15 * ?            | 2026-01-15T12:00:00",
        "0 0 12 LW * ?            | 2026-01-30T12:00:00",
        "0 0 12 15W * ?           | 2026-01-15T12:00:00",
        "0 30 2 * * ?             | 2026-01-01T02:30:00",
        "*/10 * * ? * *           | 2026-01-01T00:00:10",
        "0 0 H ? * H              | ",
    })
    void shouldKeepReadingAsSpringWhatMeansTheSameInBoth(final String expression, final String expected)
    {
        final CronSchedule guessed = CronSchedule.parse(expression, ZoneOffset.UTC);
        assertEquals(CronDialect.SPRING, guessed.dialect());
        if (expected != null)
        {
            assertEquals(LocalDateTime.parse(expected).atZone(ZoneOffset.UTC), guessed.nextAfter(THURSDAY).orElseThrow());
        }
        else
        {
            final CronSchedule bound = guessed.forTask("report");
            assertEquals(bound.nextAfter(THURSDAY),
                CronSchedule.parse(expression, CronDialect.QUARTZ, ZoneOffset.UTC).forTask("report").nextAfter(THURSDAY));
        }
    }

    @Test
    void shouldKeepRefusingWhatSpringRefusesWithSpringsReason()
    {
        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
            () -> CronSchedule.parse("0 0 22-2 ? * *", ZoneOffset.UTC));
        assertEquals("hour", ex.field());
        assertTrue(ex.reason().contains("wrap-around ranges are part of the QUARTZ dialect only"), ex.reason());
    }

    @Test
    void shouldLeaveFiveAndSevenFieldsAlone()
    {
        assertEquals(CronDialect.UNIX, CronSchedule.parse("0 12 * * 2", ZoneOffset.UTC).dialect());
        assertEquals(CronDialect.QUARTZ, CronSchedule.parse("0 0 12 ? * 2 *", ZoneOffset.UTC).dialect());
        assertEquals(DayOfWeek.MONDAY,
            CronSchedule.parse("0 0 12 ? * 2 *", ZoneOffset.UTC).nextAfter(THURSDAY).orElseThrow().getDayOfWeek());
    }
}
