package orchestrator.scheduler.cron;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Known fire times in UTC, from the published behaviour of the cron daemon, Spring, Quartz, cron-utils and
 * croniter test suites: month ends, leap years, L, L-n, W, LW, nL, n#m, wrap-around ranges, the UNIX OR rule.
 */
class CronKnownCasesTest
{
    private static ZonedDateTime utc(final String local)
    {
        return LocalDateTime.parse(local).atZone(ZoneOffset.UTC);
    }

    private static ZonedDateTime next(final String expression, final CronDialect dialect, final String after)
    {
        return CronSchedule.parse(expression, dialect, ZoneOffset.UTC).nextAfter(utc(after)).orElseThrow();
    }

    @ParameterizedTest(name = "[{index}] {0} {1} after {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        // plain fields, strictly after
        "UNIX   | * * * * *            | 2024-01-01T00:00:00 | 2024-01-01T00:01:00",
        "UNIX   | */15 * * * *         | 2024-01-01T00:14:59 | 2024-01-01T00:15:00",
        "UNIX   | */15 * * * *         | 2024-01-01T00:15:00 | 2024-01-01T00:30:00",
        "UNIX   | 0 0 * * *            | 2024-12-31T23:59:59 | 2025-01-01T00:00:00",
        "UNIX   | 5 4 * * SUN          | 2024-03-04T00:00:00 | 2024-03-10T04:05:00",
        "UNIX   | 0 0 * * 7            | 2024-03-04T00:00:00 | 2024-03-10T00:00:00",
        "UNIX   | 0 0 * * 5-7          | 2024-03-04T00:00:00 | 2024-03-08T00:00:00",
        "UNIX   | 0 0 * * SAT-SUN      | 2024-03-04T00:00:00 | 2024-03-09T00:00:00",
        "UNIX   | 0 12 1 JAN,JUL *     | 2024-01-01T12:00:00 | 2024-07-01T12:00:00",
        "UNIX   | 30 8 1-7 * *         | 2024-02-07T08:30:00 | 2024-03-01T08:30:00",
        "UNIX   | @yearly              | 2024-06-01T00:00:00 | 2025-01-01T00:00:00",
        "UNIX   | @weekly              | 2024-06-01T00:00:00 | 2024-06-02T00:00:00",
        "UNIX   | @hourly              | 2024-06-01T10:00:00 | 2024-06-01T11:00:00",
        // Vixie/cronie: both restricted -> OR; one starting with '*' -> AND
        "UNIX   | 0 0 13 * FRI         | 2024-01-01T00:00:00 | 2024-01-05T00:00:00",
        "UNIX   | 0 0 13 * FRI         | 2024-01-12T00:00:00 | 2024-01-13T00:00:00",
        "UNIX   | 0 0 */13 * FRI       | 2024-01-01T00:00:00 | 2024-03-01T00:00:00",
        "UNIX   | 0 0 1 * */2          | 2024-01-01T00:00:00 | 2024-02-01T00:00:00",
        // leap years and month ends
        "UNIX   | 0 0 29 2 *           | 2023-03-01T00:00:00 | 2024-02-29T00:00:00",
        "UNIX   | 0 0 29 2 *           | 2096-03-01T00:00:00 | 2104-02-29T00:00:00",
        "UNIX   | 0 0 31 * *           | 2024-01-31T00:00:00 | 2024-03-31T00:00:00",
        "SPRING | 0 0 0 29 2 MON       | 2020-01-01T00:00:00 | 2044-02-29T00:00:00",
        // L, L-n, W, LW, nL, n#m
        "SPRING | 0 0 0 L * *          | 2024-02-01T00:00:00 | 2024-02-29T00:00:00",
        "SPRING | 0 0 0 L * *          | 2023-02-01T00:00:00 | 2023-02-28T00:00:00",
        "SPRING | 0 0 0 L-3 * *        | 2024-02-01T00:00:00 | 2024-02-26T00:00:00",
        "SPRING | 0 0 0 L-3 * *        | 2024-04-28T00:00:00 | 2024-05-28T00:00:00",
        "SPRING | 0 0 0 LW * *         | 2024-08-01T00:00:00 | 2024-08-30T00:00:00",
        "SPRING | 0 0 0 LW * *         | 2024-03-01T00:00:00 | 2024-03-29T00:00:00",
        "SPRING | 0 0 0 15W * *        | 2024-06-01T00:00:00 | 2024-06-14T00:00:00",
        "SPRING | 0 0 0 16W * *        | 2024-06-01T00:00:00 | 2024-06-17T00:00:00",
        "SPRING | 0 0 0 1W * *         | 2024-06-01T00:00:00 | 2024-06-03T00:00:00",
        "SPRING | 0 0 0 1W * *         | 2024-08-31T00:00:00 | 2024-09-02T00:00:00",
        "QUARTZ | 0 0 0 31W * ?        | 2024-03-01T00:00:00 | 2024-03-29T00:00:00",
        "QUARTZ | 0 0 0 31W * ?        | 2024-04-01T00:00:00 | 2024-05-31T00:00:00",
        "QUARTZ | 0 0 0 30W * ?        | 2024-06-01T00:00:00 | 2024-06-28T00:00:00",
        "SPRING | 0 0 0 * * 5L         | 2024-01-01T00:00:00 | 2024-01-26T00:00:00",
        "SPRING | 0 0 0 ? * 5#3        | 2024-01-01T00:00:00 | 2024-01-19T00:00:00",
        "SPRING | 0 0 0 ? * MON#1      | 2024-01-02T00:00:00 | 2024-02-05T00:00:00",
        "QUARTZ | 0 0 0 ? * 6#3        | 2024-01-01T00:00:00 | 2024-01-19T00:00:00",
        "QUARTZ | 0 0 0 ? * 2#5        | 2024-01-01T00:00:00 | 2024-01-29T00:00:00",
        "QUARTZ | 0 0 0 ? * 2#5        | 2024-01-30T00:00:00 | 2024-04-29T00:00:00",
        "QUARTZ | 0 0 0 ? * 6L         | 2024-01-01T00:00:00 | 2024-01-26T00:00:00",
        "QUARTZ | 0 0 0 ? * L          | 2024-01-01T00:00:00 | 2024-01-06T00:00:00",
        // Quartz numbering, wrap-around ranges, years
        "QUARTZ | 0 0 0 ? * 1          | 2024-01-01T00:00:00 | 2024-01-07T00:00:00",
        "QUARTZ | 0 0 0 ? * FRI-TUE    | 2024-01-03T00:00:00 | 2024-01-05T00:00:00",
        "QUARTZ | 0 0 0 ? * FRI-TUE    | 2024-01-09T00:00:00 | 2024-01-12T00:00:00",
        "QUARTZ | 0 0 22-2 * * ?       | 2024-01-01T02:00:00 | 2024-01-01T22:00:00",
        "QUARTZ | 0 0 22-2 * * ?       | 2024-01-01T23:00:00 | 2024-01-02T00:00:00",
        "QUARTZ | 0 0 22-2/2 * * ?     | 2024-01-01T22:00:00 | 2024-01-02T00:00:00",
        "QUARTZ | 0 0 0 28-2 * ?       | 2024-02-03T00:00:00 | 2024-02-28T00:00:00",
        "QUARTZ | 0 0 0 1 1 ? 2030     | 2024-01-01T00:00:00 | 2030-01-01T00:00:00",
        "QUARTZ | 0 0 0 1 1 ? 2030/5   | 2030-01-01T00:00:00 | 2035-01-01T00:00:00",
        "QUARTZ | 0 0 0 29 2 ? 2023-2030 | 2024-03-01T00:00:00 | 2028-02-29T00:00:00",
        // seconds
        "SPRING | */10 * * * * *       | 2024-01-01T00:00:05 | 2024-01-01T00:00:10",
        "SPRING | 30 59 23 31 12 *     | 2024-12-31T23:59:30 | 2025-12-31T23:59:30",
        "SPRING | 0 0 0 * * */2        | 2024-01-01T00:00:00 | 2024-01-03T00:00:00",
        "SPRING | @daily               | 2024-01-01T00:00:00 | 2024-01-02T00:00:00",
    })
    void shouldFireAtKnownTime(final CronDialect dialect, final String expression, final String after, final String expected)
    {
        assertEquals(utc(expected), next(expression, dialect, after));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "QUARTZ | 0 0 0 1 1 ? 2020",
        "QUARTZ | 0 0 0 29 2 ? 2021-2023",
    })
    void shouldNeverFireAgain(final CronDialect dialect, final String expression)
    {
        final CronSchedule schedule = CronSchedule.parse(expression, dialect, ZoneOffset.UTC);
        assertFalse(schedule.nextAfter(utc("2024-01-01T00:00:00")).isPresent());
        assertEquals(CronSchedule.NEVER, schedule.nextAfterEpochMilli(utc("2024-01-01T00:00:00").toInstant().toEpochMilli()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "* * * * *       | UNIX",
        "0 * * * * *     | SPRING",
        "0 0 * * * ? *   | QUARTZ",
        "@daily          | UNIX",
    })
    void shouldPickDialectByFieldCount(final String expression, final CronDialect dialect)
    {
        assertEquals(dialect, CronSchedule.parse(expression, ZoneOffset.UTC).dialect());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "0 0 * * *",
        "0 */5 * * * *",
    })
    void shouldTreatMilliAndZonedPathsAlike(final String expression)
    {
        final CronSchedule schedule = CronSchedule.parse(expression, ZoneOffset.UTC);
        final long at = utc("2024-05-05T10:10:10").toInstant().toEpochMilli() + 123;
        assertEquals(schedule.nextAfter(utc("2024-05-05T10:10:10.123")).orElseThrow().toInstant().toEpochMilli(),
            schedule.nextAfterEpochMilli(at));
    }
}
