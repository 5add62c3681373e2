package orchestrator.scheduler.cron;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CronSchedule#countFiresBetween} against its definition, stepping {@link CronSchedule#nextAfterEpochMilli}
 * one fire at a time: random (expression, zone, policy, start, range) cases in all three dialects, with H fields
 * and year fields, ranges from empty to a few days, half of them straddling an offset change; then long ranges
 * against closed forms, and the far ends of the clock. The seed is fixed and printed in every failure; set
 * -Dcron.seed=N to replay another one.
 */
class CronFireCountTest
{
    private static final long SEED = Long.getLong("cron.seed", 0xC0_FFEEL);
    private static final int CASES = Integer.getInteger("cron.count.cases", 20_000);
    /** Stepping stops after this many fires; the range is then cut just after the last of them. */
    private static final int MAX_STEPS = 3_000;
    private static final long DAY_MILLI = 86_400_000L;
    private static final long FROM = Instant.parse("1990-01-01T00:00:00Z").getEpochSecond();
    private static final long TO = Instant.parse("2040-01-01T00:00:00Z").getEpochSecond();

    private static final ZoneId[] ZONES = {
        ZoneOffset.UTC,
        ZoneOffset.ofHoursMinutes(5, 30),
        ZoneOffset.ofHours(-8),
        ZoneId.of("America/New_York"),
        ZoneId.of("Europe/London"),
        ZoneId.of("Australia/Lord_Howe"),
        ZoneId.of("America/Sao_Paulo"),
        ZoneId.of("Asia/Beirut"),
        ZoneId.of("America/Havana"),
        ZoneId.of("Pacific/Apia"),
        ZoneId.of("Pacific/Chatham"),
        ZoneId.of("America/Santiago"),
        ZoneId.of("Africa/Casablanca"),
    };

    /** Offset changes every case list draws from as well, so that each is hit: midnight gaps, a skipped day. */
    private static final String[][] ANCHORS = {
        {"America/Sao_Paulo", "2018-11-04T03:00:00Z"},   // 00:00 -> 01:00, midnight missing
        {"America/Sao_Paulo", "2019-02-17T02:00:00Z"},   // 00:00 -> 23:00 the day before
        {"Pacific/Apia", "2011-12-30T10:00:00Z"},        // 2011-12-30 skipped: -10:00 -> +14:00
        {"Australia/Lord_Howe", "2024-04-06T15:00:00Z"}, // 02:00 -> 01:30
        {"Australia/Lord_Howe", "2024-10-05T15:30:00Z"}, // 02:00 -> 02:30
        {"Asia/Beirut", "2024-03-30T22:00:00Z"},         // midnight missing
        {"America/Havana", "2024-03-10T05:00:00Z"},      // midnight missing
        {"America/New_York", "2024-11-03T06:00:00Z"},
        {"Europe/London", "2024-03-31T01:00:00Z"},
    };

    /** @return the number of fires nextAfterEpochMilli steps through in (after, upTo], stopping at maxSteps. */
    private static long step(final CronSchedule schedule, final long after, final long upTo, final long maxSteps)
    {
        long count = 0;
        for (long at = schedule.nextAfterEpochMilli(after); at != CronSchedule.NEVER && at <= upTo && count < maxSteps;
            at = schedule.nextAfterEpochMilli(at))
        {
            count++;
        }
        return count;
    }

    /** @return the instant of the last fire within maxSteps of after, for cutting a range where stepping stopped. */
    private static long stepTo(final CronSchedule schedule, final long after, final long maxSteps)
    {
        long at = after;
        for (long i = 0; i < maxSteps; i++)
        {
            at = schedule.nextAfterEpochMilli(at);
        }
        return at;
    }

    private static CronSchedule parse(final String expression, final CronDialect dialect, final String zone, final DstPolicy policy)
    {
        return CronSchedule.parse(expression, dialect, ZoneId.of(zone), policy);
    }

    private static long milli(final String instant)
    {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void shouldCountWhatSteppingFindsForRandomSchedules()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final RandomCron generator = new RandomCron(random);
        final CronDialect[] dialects = CronDialect.values();
        final DstPolicy.Gap[] gaps = DstPolicy.Gap.values();
        final DstPolicy.Overlap[] overlaps = DstPolicy.Overlap.values();
        int straddling = 0;
        int straddlingWithFires = 0;
        int nonZero = 0;
        for (int i = 0; i < CASES; i++)
        {
            final CronDialect dialect = dialects[random.nextInt(dialects.length)];
            ZoneId zone = ZONES[random.nextInt(ZONES.length)];
            final DstPolicy policy = DstPolicy.of(gaps[random.nextInt(gaps.length)], overlaps[random.nextInt(overlaps.length)]);
            long afterSecond = FROM + random.nextLong(TO - FROM);
            ZoneOffsetTransition transition = null;
            if (random.nextInt(10) == 0)
            {
                final String[] anchor = ANCHORS[random.nextInt(ANCHORS.length)];
                zone = ZoneId.of(anchor[0]);
                transition = zone.getRules().nextTransition(Instant.parse(anchor[1]).minusSeconds(1));
            }
            else if (random.nextBoolean())
            {
                transition = zone.getRules().nextTransition(Instant.ofEpochSecond(afterSecond));
            }
            int forcedHour = -1;
            if (transition != null)
            {
                afterSecond = transition.toEpochSecond() - 86_400 + random.nextLong(86_400);
                if (random.nextBoolean())
                {
                    forcedHour = (transition.isGap() ? transition.getDateTimeBefore() : transition.getDateTimeAfter()).getHour();
                }
            }
            String text = generator.expression(dialect, random.nextInt(10) == 0, forcedHour);
            CronSchedule parsed = CronSchedule.parse(text, dialect, zone, policy).forTask("task-" + i);
            for (int retry = 0; retry < 5 && transition != null; retry++)
            {
                // prefer schedules that fire around the change
                final long change = transition.toEpochSecond() * 1000;
                if (parsed.nextAfterEpochMilli(change - DAY_MILLI) <= change + 2 * DAY_MILLI)
                {
                    break;
                }
                text = generator.expression(dialect, random.nextInt(10) == 0, forcedHour);
                parsed = CronSchedule.parse(text, dialect, zone, policy).forTask("task-" + i);
            }
            final String expression = text;
            final CronSchedule schedule = parsed;
            final int caseNo = i;
            long start = afterSecond * 1000 + random.nextInt(1000);
            if (transition == null && random.nextBoolean())
            {
                // start shortly before a fire, so that sparse schedules count something too
                final long next = schedule.nextAfterEpochMilli(start);
                if (next != CronSchedule.NEVER && next - start < 400 * DAY_MILLI)
                {
                    start = next - random.nextLong(3 * 3_600_000L);
                }
            }
            final long after = start;
            final long length;
            switch (random.nextInt(5))
            {
                case 0: length = random.nextLong(-1_000, 2_000); break;
                case 1: length = random.nextLong(120_000); break;
                case 2: length = random.nextLong(3 * 3_600_000L); break;
                default: length = random.nextLong(3 * DAY_MILLI); break;
            }
            long upTo = after + length;
            if (transition != null && random.nextInt(4) != 0)
            {
                // end within a few hours either side of the change, or well past it
                final long change = transition.toEpochSecond() * 1000;
                upTo = Math.max(after, change + (random.nextBoolean() ? random.nextLong(-3 * 3_600_000L, 3 * 3_600_000L) :
                    random.nextLong(2 * DAY_MILLI)));
            }
            long expected = step(schedule, after, upTo, MAX_STEPS);
            if (expected == MAX_STEPS)
            {
                upTo = Math.min(upTo, stepTo(schedule, after, MAX_STEPS) + random.nextInt(1000));
                expected = step(schedule, after, upTo, MAX_STEPS + 1);
            }
            if (transition != null && after < transition.toEpochSecond() * 1000 && transition.toEpochSecond() * 1000 <= upTo)
            {
                straddling++;
                if (expected != 0)
                {
                    straddlingWithFires++;
                }
            }
            if (expected != 0)
            {
                nonZero++;
            }
            final long end = upTo;
            assertEquals(expected, schedule.countFiresBetween(after, end), () -> "seed=" + SEED + " case=" + caseNo + " " +
                dialect + " '" + expression + "' zone=" + schedule.zone() + " " + policy + " (" + Instant.ofEpochMilli(after) +
                ", " + Instant.ofEpochMilli(end) + "]");
        }
        assertTrue(straddling > CASES / 5, "cases straddling an offset change: " + straddling);
        assertTrue(straddlingWithFires > CASES / 10, "cases straddling an offset change with fires: " + straddlingWithFires);
        assertTrue(nonZero > CASES / 4, "cases with fires: " + nonZero);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"UTC", "America/New_York"})
    void shouldCountEverySecondOverOneAndTenYears(final String zone)
    {
        final CronSchedule schedule = CronSchedule.parse("* * * * * *", ZoneId.of(zone));
        final long after = milli("2021-06-30T17:45:12.345Z");
        for (final int years : new int[] {1, 10})
        {
            final long upTo = milli("2021-06-30T17:45:12.345Z".replace("2021", Integer.toString(2021 + years))) + 678;
            // every real second fires, also across offset changes (the job is interval-like)
            assertEquals(Math.floorDiv(upTo, 1000) - Math.floorDiv(after, 1000), schedule.countFiresBetween(after, upTo));
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"UTC", "America/New_York"})
    void shouldCountEveryMinuteOverOneAndTenYears(final String zone)
    {
        final CronSchedule schedule = CronSchedule.parse("0 * * * * *", ZoneId.of(zone));
        final long after = milli("2019-03-10T06:59:59.999Z");
        for (final int years : new int[] {1, 10})
        {
            final long upTo = milli("2019-03-10T06:59:59.999Z".replace("2019", Integer.toString(2019 + years))) + 1;
            // New York's offsets are whole hours, so its minutes start at the same instants as UTC's
            assertEquals(Math.floorDiv(upTo, 60_000) - Math.floorDiv(after, 60_000), schedule.countFiresBetween(after, upTo));
        }
    }

    @Test
    void shouldCountHourlyAndDailyJobsInNewYorkOverAYearAsSteppingDoes()
    {
        final long after = milli("2024-01-15T12:00:00Z");
        final long upTo = milli("2025-01-15T12:00:00Z");
        // hourly is interval-like: every real hour fires, whatever the offset changes do to the local clock
        assertEquals(366 * 24, CronSchedule.parse("0 0 * * * *", ZoneId.of("America/New_York")).countFiresBetween(after, upTo));
        for (final DstPolicy.Gap gap : DstPolicy.Gap.values())
        {
            for (final DstPolicy.Overlap overlap : DstPolicy.Overlap.values())
            {
                final DstPolicy policy = DstPolicy.of(gap, overlap);
                for (final String expression : new String[] {"0 0 * * * *", "0 30 2 * * *", "0 30 1 * * *", "0 */20 1-2 * * *"})
                {
                    final CronSchedule schedule = parse(expression, CronDialect.SPRING, "America/New_York", policy);
                    assertEquals(step(schedule, after, upTo, Long.MAX_VALUE), schedule.countFiresBetween(after, upTo),
                        expression + " " + policy);
                }
            }
        }
        // 02:30 is missing once (SKIP) and 01:30 repeats once (BOTH): 366 days, one less, one more
        assertEquals(365, parse("0 30 2 * * *", CronDialect.SPRING, "America/New_York",
            DstPolicy.of(DstPolicy.Gap.SKIP, DstPolicy.Overlap.BOTH)).countFiresBetween(after, upTo));
        assertEquals(367, parse("0 30 1 * * *", CronDialect.SPRING, "America/New_York",
            DstPolicy.of(DstPolicy.Gap.SKIP, DstPolicy.Overlap.BOTH)).countFiresBetween(after, upTo));
    }

    @Test
    void shouldCountNothingForEmptyOrBackwardRanges()
    {
        final CronSchedule schedule = CronSchedule.parse("* * * * * *", ZoneOffset.UTC);
        final long at = milli("2024-05-01T00:00:00Z");
        assertEquals(0, schedule.countFiresBetween(at, at));
        assertEquals(0, schedule.countFiresBetween(at, at - 1));
        assertEquals(0, schedule.countFiresBetween(at, at + 999));
        assertEquals(1, schedule.countFiresBetween(at - 1, at));
        assertEquals(1, schedule.countFiresBetween(at, at + 1000));
        assertEquals(0, schedule.countFiresBetween(Long.MAX_VALUE, Long.MIN_VALUE));
    }

    @Test
    void shouldCountToTheEndsOfTheClockWithoutOverflow()
    {
        // nextAfterEpochMilli fires every second from just after Long.MIN_VALUE up to the last whole second below NEVER
        final long seconds = (Long.MAX_VALUE / 1000 - 1) - Math.floorDiv(Long.MIN_VALUE, 1000L);
        for (final String zone : new String[] {"UTC", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia"})
        {
            assertEquals(seconds, CronSchedule.parse("* * * * * *", ZoneId.of(zone)).countFiresBetween(Long.MIN_VALUE, Long.MAX_VALUE),
                zone);
        }
        // 2099 is not a leap year; a year field ends every schedule there
        for (final String zone : new String[] {"UTC", "America/New_York", "Australia/Lord_Howe"})
        {
            assertEquals(365, parse("0 0 12 * * ? 2099", CronDialect.QUARTZ, zone, DstPolicy.CRON_DAEMON)
                .countFiresBetween(Long.MIN_VALUE, Long.MAX_VALUE), zone);
            final ZoneId id = ZoneId.of(zone);
            final long start = ZonedDateTime.of(2099, 1, 1, 0, 0, 0, 0, id).toEpochSecond();
            final long end = ZonedDateTime.of(2100, 1, 1, 0, 0, 0, 0, id).toEpochSecond();
            assertEquals(end - start, parse("* * * * * ? 2099", CronDialect.QUARTZ, zone, DstPolicy.CRON_DAEMON)
                .countFiresBetween(Long.MIN_VALUE, Long.MAX_VALUE), zone);
        }
        // the 400-year cycle: 97 leap days per cycle
        final CronSchedule leapDays = CronSchedule.parse("0 0 12 29 2 *", ZoneOffset.UTC);
        final long from = milli("2000-03-01T00:00:00Z");
        assertEquals(97 * 10_000L, leapDays.countFiresBetween(from, from + 10_000L * 146_097 * DAY_MILLI));
    }

    @Test
    void shouldMatchChunkedCountsOverCenturiesInAZoneWithDst()
    {
        // over 3 cycles of 400 years the count takes one cycle and multiplies it; chunks of a century walk every change
        for (final DstPolicy.Overlap overlap : DstPolicy.Overlap.values())
        {
            final CronSchedule schedule = parse("0 30 1 * * *", CronDialect.SPRING, "America/New_York",
                DstPolicy.of(DstPolicy.Gap.SHIFT, overlap));
            final long from = milli("2000-01-01T00:00:00Z");
            final int centuries = 15;
            long chunked = 0;
            for (int c = 0; c < centuries; c++)
            {
                chunked += schedule.countFiresBetween(milli((2000 + 100 * c) + "-01-01T00:00:00Z"),
                    milli((2100 + 100 * c) + "-01-01T00:00:00Z"));
            }
            final long to = milli((2000 + 100 * centuries) + "-01-01T00:00:00Z");
            assertEquals(chunked, schedule.countFiresBetween(from, to), overlap.toString());
            final long days = LocalDate.of(2000 + 100 * centuries, 1, 1).toEpochDay() - LocalDate.of(2000, 1, 1).toEpochDay();
            final long fallBacks = centuries * 100; // one a year
            assertEquals(overlap == DstPolicy.Overlap.BOTH ? days + fallBacks : days, chunked, overlap.toString());
        }
    }

    @Test
    void shouldStepWhereNextAfterStopsBeforeARepeatedLastMatch()
    {
        // 2099-11-01 is New York's last fall-back day with a year field; 01:30 that day is the last match, and
        // nextAfterEpochMilli gives NEVER after its first occurrence, so the count has 1 where BOTH would say 2
        final CronSchedule schedule = parse("0 30 1 1 11 ? 2099", CronDialect.QUARTZ, "America/New_York",
            DstPolicy.of(DstPolicy.Gap.SKIP, DstPolicy.Overlap.BOTH));
        final long after = milli("2099-10-01T00:00:00Z");
        final long upTo = milli("2099-12-01T00:00:00Z");
        assertEquals(step(schedule, after, upTo, Long.MAX_VALUE), schedule.countFiresBetween(after, upTo));
        assertEquals(step(schedule, Long.MIN_VALUE + 1, Long.MAX_VALUE, Long.MAX_VALUE),
            schedule.countFiresBetween(Long.MIN_VALUE + 1, Long.MAX_VALUE));
        final CronSchedule everySecond = parse("* * 1 1 11 ? 2099", CronDialect.QUARTZ, "America/New_York",
            DstPolicy.of(DstPolicy.Gap.SKIP, DstPolicy.Overlap.BOTH));
        for (final long from : new long[] {after, milli("2099-11-01T05:59:00Z"), milli("2099-11-01T06:00:30Z")})
        {
            assertEquals(step(everySecond, from, upTo, Long.MAX_VALUE), everySecond.countFiresBetween(from, upTo));
        }
    }

    @Test
    void shouldCountAfter2200AsSteppingDoes()
    {
        // past the shared transition table nextAfter reads a fresh window from where it starts; counting reads
        // the first segment the same way, including a start inside a repeated hour
        final SplittableRandom random = new SplittableRandom(SEED);
        final ZoneOffsetTransition fallBack = ZoneId.of("America/New_York").getRules()
            .nextTransition(Instant.parse("2300-10-01T00:00:00Z"));
        for (final String expression : new String[] {"30 1 * * *", "*/10 1 * * *", "*/10 * * * *"})
        {
            for (final DstPolicy.Overlap overlap : DstPolicy.Overlap.values())
            {
                final CronSchedule schedule = parse(expression, CronDialect.UNIX, "America/New_York",
                    DstPolicy.of(DstPolicy.Gap.SHIFT, overlap));
                for (int i = 0; i < 20; i++)
                {
                    final long after = fallBack.toEpochSecond() * 1000 - 2 * 3_600_000L + random.nextLong(4 * 3_600_000L);
                    final long upTo = after + random.nextLong(DAY_MILLI);
                    assertEquals(step(schedule, after, upTo, Long.MAX_VALUE), schedule.countFiresBetween(after, upTo),
                        expression + " " + overlap + " after " + Instant.ofEpochMilli(after));
                }
            }
        }
    }

    @Test
    void shouldRefuseAnUnboundTemplate()
    {
        assertThrows(IllegalStateException.class, () -> CronSchedule.parse("H * * * *", ZoneOffset.UTC).countFiresBetween(0, 1));
    }
}
