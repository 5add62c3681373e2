package orchestrator.scheduler.cron;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compares the compiled next-fire path with the brute-force {@link ReferenceCron} over random (expression, zone,
 * policy, instant) cases in all three dialects, with H fields, in fixed-offset zones and zones with DST in both
 * hemispheres, a third of the instants placed within two days of an offset change. The seed is fixed and printed
 * in every failure; set -Dcron.seed=N to replay another one.
 */
class CronDifferentialTest
{
    private static final long SEED = Long.getLong("cron.seed", 0x5EED_C0DEL);
    private static final int CASES = Integer.getInteger("cron.cases", 100_000);
    private static final long HORIZON_SECONDS = 400L * 86_400;
    private static final long FROM = Instant.parse("1990-01-01T00:00:00Z").getEpochSecond();
    private static final long TO = Instant.parse("2040-01-01T00:00:00Z").getEpochSecond();

    static final ZoneId[] ZONES = {
        ZoneOffset.UTC,
        ZoneOffset.ofHoursMinutes(5, 30),
        ZoneOffset.ofHours(-8),
        ZoneId.of("America/New_York"),
        ZoneId.of("Europe/London"),
        ZoneId.of("Europe/Berlin"),
        ZoneId.of("Europe/Dublin"),
        ZoneId.of("Australia/Sydney"),
        ZoneId.of("Australia/Lord_Howe"),
        ZoneId.of("Pacific/Auckland"),
        ZoneId.of("Pacific/Chatham"),
        ZoneId.of("America/Sao_Paulo"),
        ZoneId.of("America/Santiago"),
        ZoneId.of("America/Havana"),
        ZoneId.of("Asia/Beirut"),
        ZoneId.of("America/St_Johns"),
        ZoneId.of("Asia/Tehran"),
        ZoneId.of("Africa/Casablanca"),
    };

    @Test
    void shouldMatchBruteForceReference()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final RandomCron generator = new RandomCron(random);
        final CronDialect[] dialects = CronDialect.values();
        final DstPolicy.Gap[] gaps = DstPolicy.Gap.values();
        final DstPolicy.Overlap[] overlaps = DstPolicy.Overlap.values();
        for (int i = 0; i < CASES; i++)
        {
            final CronDialect dialect = dialects[random.nextInt(dialects.length)];
            final ZoneId zone = ZONES[random.nextInt(ZONES.length)];
            final DstPolicy policy = DstPolicy.of(gaps[random.nextInt(gaps.length)], overlaps[random.nextInt(overlaps.length)]);
            long afterSecond = FROM + random.nextLong(TO - FROM);
            int forcedHour = -1;
            if (random.nextInt(3) == 0)
            {
                final ZoneOffsetTransition transition = zone.getRules().nextTransition(Instant.ofEpochSecond(afterSecond));
                if (transition != null)
                {
                    afterSecond = transition.toEpochSecond() - 2 * 86_400 + random.nextLong(4 * 86_400);
                    if (random.nextBoolean())
                    {
                        forcedHour = (transition.isGap() ? transition.getDateTimeBefore() : transition.getDateTimeAfter()).getHour();
                    }
                }
            }
            final String expression = generator.expression(dialect, random.nextInt(10) == 0, forcedHour);
            final long afterMilli = afterSecond * 1000 + random.nextInt(1000);
            final String what = "seed=" + SEED + " case=" + i + " " + dialect + " '" + expression + "' zone=" + zone +
                " " + policy + " after=" + Instant.ofEpochMilli(afterMilli);

            final CronSchedule schedule;
            try
            {
                schedule = CronSchedule.parse(expression, dialect, zone, policy).forTask("task-" + i);
            }
            catch (final InvalidCronExpressionException ex)
            {
                fail(what + ": " + ex.getMessage());
                return;
            }
            final long actual = schedule.nextAfterEpochMilli(afterMilli);
            final long expected = new ReferenceCron(schedule).nextAfter(afterSecond, afterSecond + HORIZON_SECONDS);
            if (expected == ReferenceCron.NONE)
            {
                if (actual != CronSchedule.NEVER && actual / 1000 <= afterSecond + HORIZON_SECONDS)
                {
                    fail(what + ": reference finds no fire within 400 days but compiled gives " + Instant.ofEpochMilli(actual));
                }
            }
            else
            {
                assertEquals(Instant.ofEpochSecond(expected), actual == CronSchedule.NEVER ? null : Instant.ofEpochMilli(actual),
                    what);
            }
        }
    }
}
