package orchestrator.scheduler.cron;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Differential tests a hostile user's inputs would reach: the compiled next-fire path and the fire count against the
 * brute-force {@link ReferenceCron} and against stepping, over the whole range of years the engine promises (QUARTZ
 * year fields 1970-2099 from 1969 on, far years 2200-2500, 9999 and beyond for the others), every {@code H} form in
 * every field of every dialect bound to hundreds of random task names, and six zones with unusual offset changes under
 * every {@link DstPolicy}. Seeded; the seed is in every failure message. {@code -Dhostile.seed=N} replays another seed,
 * {@code -Dhostile.cron.scale=K} multiplies every case count (the default runs in a few seconds).
 */
class HostileCronDifferentialTest
{
    private static final long SEED = Long.getLong("hostile.seed", 0x4057_11E5L);
    private static final int SCALE = Integer.getInteger("hostile.cron.scale", 1);
    private static final int NAMES = 300;
    private static final long DAY = 86_400L;
    private static final long HORIZON = 400 * DAY;
    private static final int MAX_STEPS = 3_000;
    private static final int FAR_STEPS = 200;

    static final ZoneId[] DST_ZONES = {
        ZoneId.of("America/New_York"),
        ZoneId.of("Europe/London"),
        ZoneId.of("Australia/Lord_Howe"),
        ZoneId.of("America/Sao_Paulo"),
        ZoneId.of("Pacific/Apia"),
        ZoneId.of("Asia/Beirut"),
    };

    private static final ZoneId[] ZONES = {
        ZoneOffset.UTC, ZoneOffset.ofHours(14), ZoneOffset.ofHours(-12), DST_ZONES[0], DST_ZONES[1], DST_ZONES[2],
        DST_ZONES[3], DST_ZONES[4], DST_ZONES[5],
    };

    private static final DstPolicy[] POLICIES = policies();

    private static DstPolicy[] policies()
    {
        final List<DstPolicy> all = new ArrayList<>();
        for (final DstPolicy.Gap gap : DstPolicy.Gap.values())
        {
            for (final DstPolicy.Overlap overlap : DstPolicy.Overlap.values())
            {
                all.add(DstPolicy.of(gap, overlap));
            }
        }
        return all.toArray(new DstPolicy[0]);
    }

    @Test
    void shouldBindEveryHashFormInEveryFieldOfEveryDialectAsTheReferenceReadsTheBoundExpression()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final String[] names = randomNames(random, NAMES);
        int refused = 0;
        int compared = 0;
        for (final CronDialect dialect : CronDialect.values())
        {
            for (final CronField field : HashForm.fieldsOf(dialect))
            {
                for (int draw = 0; draw < 5 * SCALE; draw++)
                {
                    final HashForm form = HashForm.random(random, dialect, field, draw % 5);
                    final String template = form.expression();
                    final String what = "seed=" + SEED + " " + dialect + " " + field + " '" + template + "'";
                    if (!form.accepted())
                    {
                        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
                            () -> CronSchedule.parse(template, dialect, ZoneOffset.UTC), what + " must be refused");
                        assertTrue(ex.getMessage().contains("step"), what + ": " + ex.getMessage());
                        refused++;
                        continue;
                    }
                    final ZoneId zone = ZONES[random.nextInt(ZONES.length)];
                    final DstPolicy policy = POLICIES[random.nextInt(POLICIES.length)];
                    final CronSchedule parsed = CronSchedule.parse(template, dialect, zone, policy);
                    for (int n = 0; n < names.length; n++)
                    {
                        final String name = names[n];
                        final String who = what + " task " + n + " '" + printable(name) + "' " + zone + " " + policy;
                        final CronSchedule bound = parsed.forTask(name);
                        final TreeSet<Integer> values = HashForm.boundValues(bound.compiled(), dialect, field);
                        assertTrue(!values.isEmpty(), who + ": no value bound");
                        assertTrue(form.inRange(values), who + ": bound " + values + " outside the H range");
                        assertEquals(form.expectedValues(name), values, who + ": not the documented binding");
                        assertEquals(values, HashForm.boundValues(CronSchedule.parseUncached(template, dialect, zone, policy)
                            .forTask(name).compiled(), dialect, field), who + ": not stable across parses");
                        bound.requireCanFire();
                        if (n % 5 == 0)
                        {
                            compareWithPlain(random, bound, form.plainExpression(name), who);
                            compared++;
                        }
                    }
                }
            }
        }
        assertTrue(refused > 0 && compared > 1000, "refused " + refused + ", compared " + compared);
    }

    @Test
    void shouldSpreadBareHashValuesEvenlyOverTheirRange()
    {
        final SplittableRandom random = new SplittableRandom(SEED + 1);
        for (final CronDialect dialect : CronDialect.values())
        {
            for (final CronField field : HashForm.fieldsOf(dialect))
            {
                final HashForm bare = HashForm.bare(dialect, field);
                final int width = bare.atoms.get(0)[1] - bare.atoms.get(0)[0] + 1;
                final String[] names = randomNames(random, 40 * width);
                final CronSchedule template = CronSchedule.parse(bare.expression(), dialect, ZoneOffset.UTC);
                final int[] counts = new int[width];
                for (final String name : names)
                {
                    final TreeSet<Integer> values = HashForm.boundValues(template.forTask(name).compiled(), dialect, field);
                    counts[values.first() - bare.atoms.get(0)[0]]++;
                }
                assertSpread(counts, names.length, "seed=" + SEED + " " + dialect + " '" + bare.expression() + "'");
            }
        }
    }

    @Test
    void shouldKeepPinnedHashValuesForTaskNames()
    {
        // part of the contract: a task keeps its H values across restarts, machines and versions (values as bound by
        // the engine when this test was written)
        final long jan2024 = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
        final String template = "H H(8-17) H/7 * H(1-5)";
        final String[][] pinned = {
            {"backup", "2024-01-04T17:32:00Z"},
            {"\u03B2-report", "2024-01-03T08:54:00Z"},
            {"\u0000", "2024-01-01T11:42:00Z"},
            {"\uD83D\uDE00 smile", "2024-01-01T15:09:00Z"},
        };
        for (final String[] pin : pinned)
        {
            final CronSchedule bound = CronSchedule.parse(template, ZoneOffset.UTC).forTask(pin[0]);
            assertEquals(Instant.parse(pin[1]), Instant.ofEpochMilli(bound.nextAfterEpochMilli(jan2024)), printable(pin[0]));
        }
    }

    @Test
    void shouldRefuseAHashStepLongerThanTheRangeItStepsThrough()
    {
        for (final String[] refused : new String[][] {
            {"UNIX", "H(5-10)/30 * * * *"}, {"UNIX", "0 0 H/30 * *"}, {"UNIX", "0 0 * * H/8"},
            {"UNIX", "0 H(0-6)/8 * * *"}, {"SPRING", "0 0 0 H(1-2)/3 * *"}, {"QUARTZ", "0 0 0 ? * H(2-3)/3"},
            {"QUARTZ", "0 0 0 1 1 ? H(2030-2031)/3"}, {"UNIX", "H,H(1-2)/5 * * * *"}})
        {
            final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
                () -> CronSchedule.parse(refused[1], CronDialect.valueOf(refused[0]), ZoneOffset.UTC), refused[1]);
            assertTrue(ex.getMessage().contains("step") && ex.getMessage().contains("range"), ex.getMessage());
        }
        for (final String[] accepted : new String[][] {
            {"UNIX", "H(5-10)/6 * * * *"}, {"UNIX", "0 0 H/28 * *"}, {"UNIX", "0 0 * * H/7"},
            {"QUARTZ", "0 0 0 ? * H/7"}, {"QUARTZ", "0 0 0 1 1 ? H/130"}, {"SPRING", "H/60 * * * * *"}})
        {
            final CronSchedule template = CronSchedule.parse(accepted[1], CronDialect.valueOf(accepted[0]), ZoneOffset.UTC);
            for (int i = 0; i < 200; i++)
            {
                template.forTask("t" + i).requireCanFire();
            }
        }
    }

    @Test
    void shouldMatchTheReferenceForQuartzYearFieldsFrom1970To2099()
    {
        final SplittableRandom random = new SplittableRandom(SEED + 2);
        final RandomCron generator = new RandomCron(random);
        final long from = Instant.parse("1969-06-01T00:00:00Z").getEpochSecond();
        final long to = Instant.parse("2100-06-01T00:00:00Z").getEpochSecond();
        int fired = 0;
        for (int i = 0; i < 2_000 * SCALE; i++)
        {
            final YearField years = YearField.random(random);
            final String rest = stripYear(generator.expression(CronDialect.QUARTZ, random.nextInt(8) == 0));
            final String expression = rest + " " + years.text;
            final ZoneId zone = ZONES[random.nextInt(ZONES.length)];
            final DstPolicy policy = POLICIES[random.nextInt(POLICIES.length)];
            final String name = "year-" + i;
            final CronSchedule schedule = CronSchedule.parse(expression, CronDialect.QUARTZ, zone, policy).forTask(name);
            final TreeSet<Integer> expectedYears = years.values(name);
            final String what = "seed=" + (SEED + 2) + " case=" + i + " '" + expression + "' " + zone + " " + policy;
            for (int y = 1960; y <= 2110; y++)
            {
                assertEquals(expectedYears.contains(y), schedule.compiled().yearAllowed(y), what + " year " + y);
            }
            long after = from + random.nextLong(to - from);
            switch (random.nextInt(4))
            {
                case 0: after = yearStart(expectedYears.first(), zone) - random.nextLong(3 * DAY); break;
                case 1: after = yearStart(expectedYears.last() + 1, zone) - random.nextLong(3 * DAY); break;
                case 2: after = nearTransition(random, zone, after); break;
                default: break;
            }
            if (compareWithReference(schedule, after * 1000 + random.nextInt(1000), expectedYears, what))
            {
                fired++;
            }
        }
        assertTrue(fired > 500 * SCALE, "too few cases had a next fire: " + fired);
    }

    @Test
    void shouldMatchTheReferenceAndSteppingInFarYears()
    {
        final SplittableRandom random = new SplittableRandom(SEED + 3);
        final RandomCron generator = new RandomCron(random);
        final long[][] spans = {
            {epochSecond(2200), epochSecond(2500)},
            {epochSecond(9999), epochSecond(10_000)},
            {epochSecond(100_000), epochSecond(100_001)},
            {epochSecond(292_000_000), epochSecond(292_000_001)},
        };
        final CronDialect[] dialects = CronDialect.values();
        for (int i = 0; i < 800 * SCALE; i++)
        {
            final long[] span = spans[random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0];
            final ZoneId zone = ZONES[random.nextInt(ZONES.length)];
            final DstPolicy policy = POLICIES[random.nextInt(POLICIES.length)];
            final CronDialect dialect = dialects[random.nextInt(dialects.length)];
            long after = span[0] + random.nextLong(span[1] - span[0]);
            int forcedHour = -1;
            final ZoneOffsetTransition transition = random.nextBoolean() ? null :
                zone.getRules().nextTransition(Instant.ofEpochSecond(after));
            if (transition != null)
            {
                after = placeAround(random, transition);
                forcedHour = (transition.isGap() ? transition.getDateTimeBefore() : transition.getDateTimeAfter()).getHour();
            }
            final String expression = dialect == CronDialect.QUARTZ ?
                stripYear(generator.expression(dialect, random.nextInt(8) == 0, forcedHour)) :
                generator.expression(dialect, random.nextInt(8) == 0, forcedHour);
            final CronSchedule schedule = CronSchedule.parse(expression, dialect, zone, policy).forTask("far-" + i);
            final long afterMilli = after * 1000 + random.nextInt(1000);
            final String what = "seed=" + (SEED + 3) + " case=" + i + " " + dialect + " '" + expression + "' " + zone + " " +
                policy;
            compareWithReference(schedule, afterMilli, null, what);
            // each step past 2200 reads a window of transitions, so this steps less than the other tests
            compareCountWithStepping(schedule, afterMilli, afterMilli + random.nextLong(3 * DAY * 1000), FAR_STEPS, what);
        }
    }

    @Test
    void shouldMatchTheReferenceAndSteppingAcrossOffsetChangesUnderEveryPolicy()
    {
        final SplittableRandom random = new SplittableRandom(SEED + 4);
        final RandomCron generator = new RandomCron(random);
        final CronDialect[] dialects = CronDialect.values();
        int changes = 0;
        for (final ZoneId zone : DST_ZONES)
        {
            for (final DstPolicy policy : POLICIES)
            {
                for (int i = 0; i < 60 * SCALE; i++)
                {
                    final int year = 1970 + random.nextInt(130);
                    final ZoneOffsetTransition transition = zone.getRules().nextTransition(
                        Instant.ofEpochSecond(epochSecond(year) + random.nextLong(365 * DAY)));
                    if (transition == null || transition.getInstant().isAfter(Instant.ofEpochSecond(epochSecond(2100))))
                    {
                        continue;
                    }
                    changes++;
                    final long change = transition.toEpochSecond();
                    final long after = placeAround(random, transition);
                    final int forcedHour = random.nextBoolean() ? -1 :
                        (transition.isGap() ? transition.getDateTimeBefore() : transition.getDateTimeAfter()).getHour();
                    final CronDialect dialect = dialects[random.nextInt(dialects.length)];
                    final String expression = dialect == CronDialect.QUARTZ ?
                        stripYear(generator.expression(dialect, random.nextInt(8) == 0, forcedHour)) :
                        generator.expression(dialect, random.nextInt(8) == 0, forcedHour);
                    final CronSchedule schedule = CronSchedule.parse(expression, dialect, zone, policy).forTask("dst-" + i);
                    final String what = "seed=" + (SEED + 4) + " " + dialect + " '" + expression + "' " + zone + " " + policy +
                        " change=" + transition;
                    compareWithReference(schedule, after * 1000, null, what);
                    compareCountWithStepping(schedule, (change - DAY) * 1000 + random.nextInt(1000),
                        (change + DAY) * 1000 + random.nextInt(1000), MAX_STEPS, what);
                }
            }
        }
        assertTrue(changes > 36 * 40 * SCALE, "too few offset changes drawn: " + changes);
    }

    /**
     * Checks the next fire against the reference; for a schedule with a year field, the reference starts at the first
     * allowed year (nothing can fire before it) and moves on year by year while it finds nothing.
     *
     * @param years the allowed years, or null for a schedule without a year field.
     * @return true when the schedule has a next fire.
     */
    private static boolean compareWithReference(
        final CronSchedule schedule, final long afterMilli, final TreeSet<Integer> years, final String what)
    {
        final long actual = schedule.nextAfterEpochMilli(afterMilli);
        final ReferenceCron reference = new ReferenceCron(schedule);
        final long afterSecond = Math.floorDiv(afterMilli, 1000);
        long start = afterSecond;
        for (int round = 0; round < 8; round++)
        {
            if (years != null)
            {
                final Integer year = years.ceiling(localYear(start, schedule.zone()));
                if (year == null)
                {
                    assertEquals(CronSchedule.NEVER, actual, what + ": no allowed year is left");
                    return false;
                }
                start = Math.max(start, yearStart(year, schedule.zone()) - 2 * DAY);
            }
            final long horizon = start + HORIZON;
            final long expected = reference.nextAfter(start, horizon);
            if (expected != ReferenceCron.NONE)
            {
                assertEquals(Instant.ofEpochSecond(expected), actual == CronSchedule.NEVER ? null : Instant.ofEpochMilli(actual),
                    what + " after=" + Instant.ofEpochMilli(afterMilli));
                return true;
            }
            if (actual != CronSchedule.NEVER && actual / 1000 <= horizon)
            {
                fail(what + " after=" + Instant.ofEpochMilli(afterMilli) + ": the reference finds nothing up to " +
                    Instant.ofEpochSecond(horizon) + " but the engine gives " + Instant.ofEpochMilli(actual));
            }
            if (years == null)
            {
                return actual != CronSchedule.NEVER;
            }
            start = horizon;
        }
        return actual != CronSchedule.NEVER;
    }

    /** Checks countFiresBetween against stepping nextAfterEpochMilli, cutting the range after maxSteps fires. */
    private static void compareCountWithStepping(
        final CronSchedule schedule, final long after, final long upTo, final int maxSteps, final String what)
    {
        long end = upTo;
        long stepped = 0;
        for (long at = schedule.nextAfterEpochMilli(after); at != CronSchedule.NEVER && at <= end;
            at = schedule.nextAfterEpochMilli(at))
        {
            if (++stepped == maxSteps)
            {
                end = at;
            }
        }
        assertEquals(stepped, schedule.countFiresBetween(after, end),
            what + " count (" + Instant.ofEpochMilli(after) + ", " + Instant.ofEpochMilli(end) + "]");
    }

    /** Compares a bound H schedule with the plain expression of its bound values, and both with the reference. */
    private static void compareWithPlain(
        final SplittableRandom random, final CronSchedule bound, final String plainText, final String what)
    {
        final CronSchedule plain = CronSchedule.parse(plainText, bound.dialect(), bound.zone(), bound.dstPolicy());
        long after = epochSecond(1990) + random.nextLong(epochSecond(2040) - epochSecond(1990));
        if (bound.compiled().years != null)
        {
            after = yearStart(firstYear(bound.compiled()), bound.zone()) - random.nextLong(300 * DAY);
        }
        else if (random.nextBoolean())
        {
            after = nearTransition(random, bound.zone(), after);
        }
        final long afterMilli = after * 1000 + random.nextInt(1000);
        final String who = what + " as '" + plainText + "' after=" + Instant.ofEpochMilli(afterMilli);
        assertEquals(plain.nextAfterEpochMilli(afterMilli), bound.nextAfterEpochMilli(afterMilli), who);
        assertEquals(plain.countFiresBetween(afterMilli, afterMilli + 2 * DAY * 1000),
            bound.countFiresBetween(afterMilli, afterMilli + 2 * DAY * 1000), who);
        compareWithReference(bound, afterMilli, null, who);
    }

    private static void assertSpread(final int[] counts, final int total, final String what)
    {
        final double expected = (double)total / counts.length;
        double chiSquare = 0;
        for (final int count : counts)
        {
            chiSquare += (count - expected) * (count - expected) / expected;
        }
        final int df = counts.length - 1;
        // six standard deviations of the chi-square distribution above its mean: a fixed seed cannot flake
        assertTrue(chiSquare < df + 6 * Math.sqrt(2.0 * df), what + ": chi-square " + chiSquare + " with " + df +
            " degrees of freedom; counts " + java.util.Arrays.toString(counts));
    }

    /** @return an instant within two days of the change, a quarter of them inside the gap or overlap it makes. */
    private static long placeAround(final SplittableRandom random, final ZoneOffsetTransition transition)
    {
        final long change = transition.toEpochSecond();
        if (random.nextInt(4) == 0)
        {
            return change + random.nextLong(Math.max(1, Math.abs(transition.getDuration().getSeconds())));
        }
        return change - 2 * DAY + random.nextLong(4 * DAY);
    }

    private static long nearTransition(final SplittableRandom random, final ZoneId zone, final long after)
    {
        final ZoneOffsetTransition transition = zone.getRules().nextTransition(Instant.ofEpochSecond(after));
        return transition == null ? after : placeAround(random, transition);
    }

    private static String stripYear(final String quartz)
    {
        final String[] fields = quartz.split(" ");
        return fields.length == 7 ? quartz.substring(0, quartz.lastIndexOf(' ')) : quartz;
    }

    private static long epochSecond(final int year)
    {
        return CivilDays.daysFromCivil(year, 1, 1) * DAY;
    }

    private static long yearStart(final int year, final ZoneId zone)
    {
        final LocalDateTime midnight = LocalDateTime.of(Math.min(year, 999_999_999), 1, 1, 0, 0);
        return midnight.atZone(zone).toEpochSecond();
    }

    private static int localYear(final long epochSecond, final ZoneId zone)
    {
        final ZoneRules rules = zone.getRules();
        return LocalDateTime.ofEpochSecond(epochSecond, 0, rules.getOffset(Instant.ofEpochSecond(epochSecond))).getYear();
    }

    private static int firstYear(final CompiledCron cron)
    {
        for (int y = CronField.YEAR.min; y <= CronField.YEAR.max; y++)
        {
            if (cron.yearAllowed(y))
            {
                return y;
            }
        }
        throw new AssertionError("no year");
    }

    /** @return names of 1 to 40 code units drawn from ASCII, Latin, Greek, CJK, controls and lone surrogates. */
    static String[] randomNames(final SplittableRandom random, final int count)
    {
        final char[][] ranges = {{'a', 'z'}, {'0', '9'}, {'\u0000', '\u001F'}, {'\u00C0', '\u00FF'},
            {'\u0391', '\u03C9'}, {'\u4E00', '\u4E2F'}, {'\uD800', '\uDFFF'}, {' ', '/'}};
        final String[] names = new String[count];
        for (int i = 0; i < count; i++)
        {
            final StringBuilder name = new StringBuilder();
            final int length = 1 + random.nextInt(40);
            for (int k = 0; k < length; k++)
            {
                final char[] range = ranges[random.nextInt(ranges.length)];
                name.append((char)(range[0] + random.nextInt(range[1] - range[0] + 1)));
            }
            names[i] = name.toString();
        }
        return names;
    }

    static String printable(final String name)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            out.append(c >= ' ' && c < 0x7F ? String.valueOf(c) : String.format("\\u%04X", (int)c));
        }
        return out.toString();
    }
}
