package orchestrator.scheduler.cron;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invalid expressions are refused with the expression, the field, the value and a reason that says how to fix it;
 * expressions that can never fire parse, and are refused by {@code requireCanFire} with the reason.
 */
class CronErrorMessageTest
{
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "UNIX   | 60 * * * *          | minute       | 60          | value 60 is out of range 0-59",
        "UNIX   | * 24 * * *          | hour         | 24          | value 24 is out of range 0-23",
        "UNIX   | * * 0 * *           | day-of-month | 0           | value 0 is out of range 1-31",
        "UNIX   | * * * 13 *          | month        | 13          | value 13 is out of range 1-12",
        "UNIX   | * * * * 8           | day-of-week  | 8           | value 8 is out of range 0-7",
        "UNIX   | * * * FOO *         | month        | FOO         | unknown name 'FOO'; expected a number 1-12 or JAN-DEC",
        "UNIX   | * * * * FUN         | day-of-week  | FUN         | unknown name 'FUN'; expected a number 0-7 or SUN-SAT",
        "UNIX   | */0 * * * *         | minute       | */0         | bad step 0: must be between 1 and 60",
        "UNIX   | */1.5 * * * *       | minute       | */1.5       | bad step '1.5': not a number",
        "UNIX   | 1,,2 * * * *        | minute       | 1,,2        | empty element in list",
        "UNIX   | * 22-2 * * *        | hour         | 22-2        | range 22-2 is reversed; wrap-around ranges are part of the QUARTZ dialect only",
        "UNIX   | * * L * *           | day-of-month | L           | 'L' is not part of the UNIX dialect; use the SPRING (6 fields, seconds first) or QUARTZ (6-7 fields) dialect",
        "UNIX   | * * 15W * *         | day-of-month | 15W         | 'W' is not part of the UNIX dialect; use the SPRING (6 fields, seconds first) or QUARTZ (6-7 fields) dialect",
        "UNIX   | * * * * 5#3         | day-of-week  | 5#3         | '#' is not part of the UNIX dialect; use the SPRING (6 fields, seconds first) or QUARTZ (6-7 fields) dialect",
        "UNIX   | * * ? * *           | day-of-month | ?           | '?' is not part of the UNIX dialect; use the SPRING (6 fields, seconds first) or QUARTZ (6-7 fields) dialect",
        "SPRING | 0 0 0 * * L         | day-of-week  | L           | 'L' in day-of-week needs a day before it, e.g. '5L' (last Friday)",
        "SPRING | 0 0 0 * * 5#6       | day-of-week  | 5#6         | ordinal 6 in '5#6' is out of range 1-5",
        "SPRING | 0 0 0 L-31 * *      | day-of-month | L-31        | offset 31 in 'L-31' is out of range 0-30",
        "SPRING | 0 0 ? * * *         | hour         | ?           | '?' is only allowed in day-of-month and day-of-week",
        "QUARTZ | 0 0 0 * * *         | day-of-week  | *           | QUARTZ needs '?' in exactly one of day-of-month ('*') and day-of-week; write e.g. '0 0 12 ? * MON' or '0 0 12 15 * ?'",
        "QUARTZ | 0 0 0 ? * 0         | day-of-week  | 0           | value 0 is out of range 1-7",
        "QUARTZ | 0 0 0 1 * ? 2100    | year         | 2100        | value 2100 is out of range 1970-2099",
        "QUARTZ | 0 0 0 1 * ? 1969    | year         | 1969        | value 1969 is out of range 1970-2099",
        "QUARTZ | 0 0 0 15#2 * ?      | day-of-month | 15#2        | '15#2' is not a number; in day-of-month, ? stands alone, L, L-n, LW, L-nW and nW are whole list elements, and # belongs to day-of-week",
        "SPRING | 0 0 0 5L * *        | day-of-month | 5L          | '5L' is not a number; in day-of-month, ? stands alone, L, L-n, LW, L-nW and nW are whole list elements, and # belongs to day-of-week",
        "SPRING | 0 0 0 ?,5 * *       | day-of-month | ?,5         | '?' is not a number; in day-of-month, ? stands alone, L, L-n, LW, L-nW and nW are whole list elements, and # belongs to day-of-week",
        "UNIX   | 0 99999999999 * * * | hour         | 99999999999 | bad value '99999999999': far too large for hour",
        "QUARTZ | 0 0 0 1 1 ? 2030-2025 | year       | 2030-2025   | range 2030-2025 is reversed; years do not wrap around (Quartz refuses it too): write the earlier year first",
    })
    void shouldNameFieldValueAndReason(
        final CronDialect dialect, final String expression, final String field, final String value, final String reason)
    {
        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
            () -> CronSchedule.parse(expression, dialect, ZoneOffset.UTC));
        assertEquals(expression, ex.expression());
        assertEquals(field, ex.field());
        assertEquals(value, ex.value());
        assertEquals(reason, ex.reason());
        assertTrue(ex.getMessage().contains(expression) && ex.getMessage().contains(field) && ex.getMessage().contains(reason),
            ex.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "UNIX   | 0 0 * * * *         | UNIX expects 5 fields (minute hour day-of-month month day-of-week); with seconds first, use the SPRING (6 fields, seconds first) or QUARTZ (6-7 fields) dialect but found 6",
        "SPRING | 0 0 * * *           | SPRING expects 6 fields (second minute hour day-of-month month day-of-week); for 5 fields use the UNIX dialect but found 5",
        "QUARTZ | @daily              | macros are not part of the QUARTZ dialect; use the UNIX or SPRING dialect",
        "UNIX   | @fortnightly        | unknown macro; expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly",
        "UNIX   | @reboot             | @reboot is not a time schedule; run the task once at start-up instead",
    })
    void shouldExplainWrongShape(final CronDialect dialect, final String expression, final String reason)
    {
        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
            () -> CronSchedule.parse(expression, dialect, ZoneOffset.UTC));
        assertEquals("expression", ex.field());
        assertEquals(reason, ex.reason());
    }

    @Test
    void shouldRefuseFieldCountWhenDetectingDialect()
    {
        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
            () -> CronSchedule.parse("* * * *", ZoneOffset.UTC));
        assertEquals("expected 5 fields (UNIX), 6 (SPRING, seconds first) or 7 (QUARTZ, with year) but found 4", ex.reason());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "UNIX   | 0 0 30 2 *            | day-of-month | 30    | day-of-month 30 never occurs in February; the expression can never fire",
        "UNIX   | 0 0 31 4,6,9,11 *     | day-of-month | 31    | day-of-month 31 never occurs in April or June or September or November; the expression can never fire",
        "SPRING | 0 0 0 30,31 2 MON     | day-of-month | 30,31 | day-of-month 30,31 never occurs in February; the expression can never fire",
        "QUARTZ | 0 0 0 29 2 ? 2021-2023 | year        | 2021-2023 | no date in year 2021-2023 matches day-of-month '29', month '2' and day-of-week '?'; the expression can never fire",
        "QUARTZ | 0 0 0 ? 2 1#5 2021    | year         | 2021  | no date in year 2021 matches day-of-month '?', month '2' and day-of-week '1#5'; the expression can never fire",
        "QUARTZ | 0 0 0 31W 2 ?         | day-of-month | 31W   | day-of-month '31W' matches no date in month '2'; the expression can never fire",
        "SPRING | 0 0 0 30W 2 *         | day-of-month | 30W   | day-of-month '30W' matches no date in month '2'; the expression can never fire",
        "QUARTZ | 0 0 0 L-30 2 ?        | day-of-month | L-30  | day-of-month 'L-30' matches no date in month '2'; the expression can never fire",
    })
    void shouldParseButRefuseNeverFiring(final CronDialect dialect, final String expression, final String field,
        final String value, final String reason)
    {
        final CronSchedule schedule = CronSchedule.parse(expression, dialect, ZoneOffset.UTC);
        assertEquals(CronSchedule.NEVER, schedule.nextAfterEpochMilli(0));
        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class, schedule::requireCanFire);
        assertEquals(field, ex.field());
        assertEquals(value, ex.value());
        assertEquals(reason, ex.reason());
    }

    @Test
    void shouldAcceptExpressionThatCanFire()
    {
        final CronSchedule schedule = CronSchedule.parse("0 0 29 2 *", ZoneOffset.UTC);
        assertSame(schedule, schedule.requireCanFire());
        final CronSchedule unixOr = CronSchedule.parse("0 0 30 2 MON", ZoneOffset.UTC);
        assertSame(unixOr, unixOr.requireCanFire());
    }
}
