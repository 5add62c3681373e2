package orchestrator.scheduler.cron;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares the compiled path with cron-utils' {@code ExecutionTime} where the two define the same schedule: UTC
 * (no DST policy involved), UNIX expressions whose day-of-month or day-of-week is exactly '*' (cron-utils does not
 * follow the cron daemon's rule that a field starting with '*' means AND, otherwise OR) and QUARTZ expressions without wrap-around ranges, H or nW.
 * Each exclusion below names the cron-utils behaviour that differs. The seed is fixed and printed on failure.
 */
class CronUtilsAgreementTest
{
    private static final long SEED = Long.getLong("cron.seed", 0xC0FFEEL);
    private static final int CASES = 10_000;
    private static final long FROM = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond();
    private static final long TO = Instant.parse("2035-01-01T00:00:00Z").getEpochSecond();

    @Test
    void shouldAgreeWithCronUtilsWhereSemanticsAgree()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final RandomCron generator = new RandomCron(random);
        final CronParser unix = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
        final CronParser quartz = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
        int compared = 0;
        for (int i = 0; i < CASES; i++)
        {
            final CronDialect dialect = random.nextBoolean() ? CronDialect.UNIX : CronDialect.QUARTZ;
            final String expression = generator.expression(dialect, false);
            final String[] fields = expression.split(" ");
            if (dialect == CronDialect.UNIX && !fields[2].equals("*") && !fields[4].equals("*"))
            {
                continue; // both restricted, or '*/n': cron-utils does not follow the cron daemon's DOM_STAR rule
            }
            final String dow = fields[dialect == CronDialect.UNIX ? 4 : 5];
            if (dow.contains("/") || (dialect == CronDialect.UNIX && dow.contains("7")))
            {
                continue; // cron-utils reads day-of-week steps and Sunday as 7 differently from the cron daemon
            }
            if (dialect == CronDialect.QUARTZ && fields[3].endsWith("W"))
            {
                continue; // cron-utils fires '31W' on a Sunday 31st; Quartz moves it back to Friday 29th
            }
            if (dialect == CronDialect.QUARTZ && hasReversedRange(expression))
            {
                continue; // cron-utils does not wrap reversed ranges
            }
            final CronSchedule schedule = CronSchedule.parse(expression, dialect, ZoneOffset.UTC);
            final ExecutionTime peer;
            try
            {
                peer = ExecutionTime.forCron((dialect == CronDialect.UNIX ? unix : quartz).parse(expression));
            }
            catch (final IllegalArgumentException ex)
            {
                continue; // a form cron-utils does not read, e.g. a step wider than its range
            }
            final ZonedDateTime after = Instant.ofEpochSecond(FROM + random.nextLong(TO - FROM)).atZone(ZoneOffset.UTC);
            final Optional<ZonedDateTime> expected;
            try
            {
                expected = peer.nextExecution(after);
            }
            catch (final java.time.DateTimeException ex)
            {
                continue; // cron-utils fails on some month-end W/L cases ("Invalid date 'APRIL 31'")
            }
            final Optional<ZonedDateTime> actual = schedule.nextAfter(after);
            assertEquals(expected.map(ZonedDateTime::toInstant), actual.map(ZonedDateTime::toInstant),
                "seed=" + SEED + " case=" + i + " " + dialect + " '" + expression + "' after " + after);
            compared++;
        }
        assertTrue(compared > CASES / 2, "compared only " + compared);
    }

    private static boolean hasReversedRange(final String expression)
    {
        for (final String field : expression.split(" "))
        {
            for (final String part : field.split(","))
            {
                final String range = part.split("/")[0];
                final String[] ends = range.split("-");
                if (ends.length == 2 && ends[0].matches("\\d+") && ends[1].matches("\\d+") &&
                    Integer.parseInt(ends[0]) > Integer.parseInt(ends[1]))
                {
                    return true;
                }
                if (ends.length == 2 && !ends[0].matches("\\d+") && !ends[0].isEmpty() && !ends[0].equals("L"))
                {
                    return true; // a range of day names: cron-utils and Quartz disagree on their wrapping
                }
            }
        }
        return false;
    }
}
