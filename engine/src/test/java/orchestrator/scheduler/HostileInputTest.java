package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.cron.DstPolicy;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Absurd inputs through the public API: strings of ten million characters, blank and control-character names, a
 * million registrations, payloads at and over the cap, budgets and durations at the ends of their types, instants at
 * the ends of time, junk expressions. Each test asserts the documented outcome (refused with a message naming the
 * limit, or handled) and that nothing the engine keeps grows with the size of the input or the number of operations.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileInputTest
{
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final int TEN_MIB = 10 << 20;
    private static final int NAME_LIMIT = 1024;
    private static final int EXPRESSION_LIMIT = 1024;
    private static final int ERROR_LIMIT = 1024;
    private static final Runnable NOTHING = () -> {};

    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();
    private final Logger engineLog = Logger.getLogger(Scheduler.class.getName());
    private boolean usedParentHandlers;

    /**
     * The engine logs every failed callback with its exception; ten-megabyte messages must not reach the console.
     */
    @BeforeEach
    void quiet()
    {
        usedParentHandlers = engineLog.getUseParentHandlers();
        engineLog.setUseParentHandlers(false);
    }

    @AfterEach
    void close()
    {
        scheduler.close(Duration.ofSeconds(5));
        Thread.interrupted();
        engineLog.setUseParentHandlers(usedParentHandlers);
    }

    @Test
    void shouldRefuseATaskNameOverTheLengthLimitNamingTheLengthAndTheLimit()
    {
        scheduler.registerHandler("h", payload -> {});
        final CronSchedule minute = CronSchedule.parse("* * * * *", ZoneOffset.UTC);
        final String huge = "n".repeat(TEN_MIB);
        final List<Executable> paths = List.of(
            () -> scheduler.registerTask(huge, "* * * * *", NOTHING),
            () -> scheduler.registerTask(huge, minute, NOTHING),
            () -> scheduler.registerTask(huge, minute, MisfirePolicy.SKIP, NOTHING),
            () -> scheduler.registerOnce(huge, START, NOTHING),
            () -> scheduler.registerTask(huge, "* * * * *", "h", new byte[1]),
            () -> scheduler.registerOnce(huge, START, "h", new byte[1]));
        for (final Executable path : paths)
        {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, path);
            assertTrue(refused.getMessage().contains(Integer.toString(TEN_MIB)), refused.getMessage());
            assertTrue(refused.getMessage().contains(Integer.toString(NAME_LIMIT)), refused.getMessage());
            assertTrue(refused.getMessage().length() < 1000, "the message must not copy the name");
        }
        assertTrue(scheduler.tasks().isEmpty());

        final String longest = "n".repeat(NAME_LIMIT);
        scheduler.registerOnce(longest, START, NOTHING);
        assertEquals(1, scheduler.runPending());
        final IllegalArgumentException oneOver = assertThrows(IllegalArgumentException.class,
            () -> scheduler.registerOnce(longest + "n", START, NOTHING));
        assertTrue(oneOver.getMessage().contains(Integer.toString(NAME_LIMIT + 1)), oneOver.getMessage());
    }

    @Test
    void shouldRefuseACronExpressionOverTheLengthLimitNamingTheLengthAndTheLimit()
    {
        final String padded = "* * * * *" + " ".repeat(TEN_MIB);
        final String list = "0" + ",0".repeat(TEN_MIB / 2) + " * * * *";
        final DstPolicy policy = DstPolicy.CRON_DAEMON;
        for (final String expression : List.of(padded, list))
        {
            final List<Executable> paths = List.of(
                () -> CronSchedule.parse(expression, ZoneOffset.UTC),
                () -> CronSchedule.parse(expression, ZoneOffset.UTC, policy),
                () -> CronSchedule.parse(expression, CronDialect.UNIX, ZoneOffset.UTC),
                () -> CronSchedule.parse(expression, CronDialect.UNIX, ZoneOffset.UTC, policy),
                () -> scheduler.registerTask("t", expression, NOTHING));
            for (final Executable path : paths)
            {
                final InvalidCronExpressionException refused = assertThrows(InvalidCronExpressionException.class, path);
                assertTrue(refused.getMessage().contains(Integer.toString(expression.length())), refused.getMessage());
                assertTrue(refused.getMessage().contains(Integer.toString(EXPRESSION_LIMIT)), refused.getMessage());
                assertTrue(refused.getMessage().length() < 1000, "the message must not copy the expression");
            }
        }
        assertTrue(scheduler.tasks().isEmpty());

        final String longest = "* * * * *" + " ".repeat(EXPRESSION_LIMIT - 9);
        scheduler.registerTask("longest", longest, NOTHING);
        assertEquals(START.plusSeconds(60), scheduler.nextFireTime("longest").orElseThrow());
        final InvalidCronExpressionException oneOver = assertThrows(InvalidCronExpressionException.class,
            () -> CronSchedule.parse(longest + " ", ZoneOffset.UTC));
        assertTrue(oneOver.getMessage().contains(Integer.toString(EXPRESSION_LIMIT + 1)), oneOver.getMessage());
    }

    @Test
    void shouldKeepTheLastErrorShortWhenAnExceptionMessageIsHuge()
    {
        final String huge = "x".repeat(TEN_MIB);
        scheduler.registerTask("recurring", "* * * * * *", () -> {
            throw new IllegalStateException(huge);
        });
        scheduler.registerOnce("once", START, () -> {
            throw new IllegalStateException(huge);
        });
        clock.advance(Duration.ofSeconds(1));
        assertEquals(2, scheduler.runPending());
        for (final String name : List.of("recurring", "once"))
        {
            final TaskInfo info = scheduler.task(name).orElseThrow();
            final String error = info.lastError().orElseThrow();
            assertTrue(error.length() <= ERROR_LIMIT + 100, name + ": lastError is " + error.length() + " characters");
            assertTrue(error.startsWith("java.lang.IllegalStateException: xxx"), error.substring(0, 40));
            assertTrue(error.contains(Integer.toString(huge.length() + "java.lang.IllegalStateException: ".length())),
                "the cut description names the full length: " + error.substring(ERROR_LIMIT));
            assertEquals(1, info.failures());
        }
        assertEquals(TaskState.FAILED, scheduler.task("once").orElseThrow().state());
    }

    @Test
    void shouldFinishATaskWhoseLastFireIsSkippedInsteadOfKeepingItForever()
    {
        final CronSchedule lastFireIn2026 = CronSchedule.parse("0 0 12 1 JUN ? 2026", ZoneOffset.UTC);
        try (Scheduler skipping = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .misfirePolicy(MisfirePolicy.SKIP).build())
        {
            final AtomicInteger runs = new AtomicInteger();
            skipping.registerOnce("an-hour-ago", START.minus(Duration.ofHours(1)), runs::incrementAndGet);
            skipping.registerOnce("at-the-start-of-time", Instant.MIN, runs::incrementAndGet);
            skipping.registerOnce("in-ten-seconds", START.plusSeconds(10), runs::incrementAndGet);
            skipping.registerTask("last-june", lastFireIn2026, MisfirePolicy.SKIP, runs::incrementAndGet);
            skipping.runPending();
            clock.set(Instant.parse("2027-01-01T00:00:00Z"));
            skipping.runPending();
            assertEquals(0, runs.get(), "SKIP runs nothing late");
            for (final String name : List.of("an-hour-ago", "at-the-start-of-time", "in-ten-seconds", "last-june"))
            {
                final TaskInfo info = skipping.task(name).orElseThrow();
                assertEquals(TaskState.COMPLETED, info.state(), name + " can never fire again: " + info);
                assertEquals(1, info.missed(), name);
                assertEquals(0, info.runs(), name);
                assertTrue(skipping.nextFireTime(name).isEmpty(), name);
            }
            skipping.registerOnce("an-hour-ago", clock.instant(), runs::incrementAndGet);
            assertEquals(1, skipping.runPending(), "the name is free again and a fire on time runs");
        }
    }

    @Test
    void shouldRecycleIdsWhenAFewNamesAreRegisteredAndCancelledAMillionTimes()
    {
        final String[] names = {"a", "b", "c", "d"};
        for (int i = 0; i < 1_000_000; i++)
        {
            final String name = names[i & 3];
            if ((i & 1) == 0)
            {
                scheduler.registerTask(name, "* * * * *", NOTHING);
            }
            else
            {
                scheduler.registerOnce(name, START.plusSeconds(i), NOTHING);
            }
            assertTrue(scheduler.cancel(name));
        }
        assertEquals(names.length, scheduler.tasks().size(), "one finished entry per name");
        assertTrue(scheduler.registry().table.highWater() <= names.length,
            "ids are recycled: high water " + scheduler.registry().table.highWater());
        assertEquals(0, scheduler.registry().table.size());
    }

    @Test
    void shouldKeepTheHeldBackQueueBoundedWhileTasksAreCancelledDuringAClockStepBack()
    {
        clock.advance(Duration.ofDays(1));
        scheduler.runPending();
        clock.advance(Duration.ofDays(-1));
        scheduler.registerOnce("keeper", START.plusSeconds(1), NOTHING);
        scheduler.runPending();
        for (int i = 0; i < 200_000; i++)
        {
            scheduler.registerOnce("churn", START.plusSeconds(2 + (i & 7)), NOTHING);
            scheduler.runPending();
            assertTrue(scheduler.cancel("churn"));
        }
        final int queued = scheduler.registry().heldBack.queued();
        assertTrue(queued <= 64, "the held-back queue keeps " + queued + " entries for 1 live task");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, scheduler.runPending(), "the keeper still fires when the clock catches up");
    }

    @Test
    void shouldRegisterAMillionTasksCancelThemAllAndReuseTheirIds()
    {
        final int count = 1_000_000;
        final Instant nextYear = START.plus(Duration.ofDays(365));
        for (int i = 0; i < count; i++)
        {
            scheduler.registerOnce("t" + i, nextYear, NOTHING);
        }
        assertEquals(count, scheduler.registry().table.size());
        for (int i = 0; i < count; i++)
        {
            assertTrue(scheduler.cancel("t" + i));
        }
        assertEquals(0, scheduler.registry().table.size());
        assertEquals(10_000, scheduler.tasks().size(), "only the retained finished tasks are listed");
        final int highWater = scheduler.registry().table.highWater();
        for (int i = 0; i < count / 10; i++)
        {
            scheduler.registerOnce("u" + i, nextYear, NOTHING);
        }
        assertEquals(highWater, scheduler.registry().table.highWater(), "new tasks reuse the freed ids");
        assertEquals(0, scheduler.runPending());
    }

    @Test
    void shouldDeliverAPayloadExactlyAtTheCapAndRefuseOneByteMore()
    {
        final int cap = 1 << 20;
        final byte[] atCap = new byte[cap];
        new SplittableRandom(7).nextBytes(atCap);
        for (final boolean testMode : new boolean[] {false, true})
        {
            try (Scheduler capped = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
            {
                capped.setTestMode(testMode);
                final AtomicReference<byte[]> seen = new AtomicReference<>();
                capped.registerHandler("h", payload -> seen.set(payload.clone()));
                capped.registerOnce("at-cap", START, "h", atCap);
                final IllegalArgumentException over = assertThrows(IllegalArgumentException.class,
                    () -> capped.registerOnce("over", START, "h", new byte[cap + 1]));
                assertTrue(over.getMessage().contains((cap + 1) + " bytes") && over.getMessage().contains(Integer.toString(cap)),
                    over.getMessage());
                assertTrue(capped.task("over").isEmpty());
                assertEquals(1, capped.runPending());
                assertArrayEquals(atCap, seen.get(), "test mode " + testMode);
            }
        }
    }

    @Test
    void shouldHonourAZeroAndAMaximalPayloadCap()
    {
        assertThrows(IllegalArgumentException.class, () -> Scheduler.builder().maxPayloadBytes(-1));
        try (Scheduler none = Scheduler.builder().clock(clock).maxPayloadBytes(0).build())
        {
            final List<Integer> lengths = new ArrayList<>();
            none.registerHandler("h", payload -> lengths.add(payload.length));
            none.registerOnce("null", START, "h", null);
            none.registerOnce("empty", START, "h", new byte[0]);
            final IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> none.registerOnce("one", START, "h", new byte[1]));
            assertTrue(one.getMessage().contains("1 bytes, over the limit of 0"), one.getMessage());
            assertEquals(2, none.runPending());
            assertEquals(List.of(0, 0), lengths);
        }
        try (Scheduler roomy = Scheduler.builder().clock(clock).maxPayloadBytes(Integer.MAX_VALUE).build())
        {
            final AtomicInteger length = new AtomicInteger();
            roomy.registerHandler("h", payload -> length.set(payload.length));
            roomy.registerOnce("big", START, "h", new byte[3 << 20]);
            assertEquals(1, roomy.runPending());
            assertEquals(3 << 20, length.get());
        }
    }

    @Test
    void shouldRefuseARunPendingBudgetBelowOneAndRunNothing()
    {
        final AtomicInteger runs = new AtomicInteger();
        for (int i = 0; i < 3; i++)
        {
            scheduler.registerOnce("t" + i, START, runs::incrementAndGet);
        }
        for (final int budget : new int[] {0, -1, Integer.MIN_VALUE})
        {
            final IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> scheduler.runPending(budget));
            assertTrue(refused.getMessage().contains(Integer.toString(budget)), refused.getMessage());
        }
        assertEquals(0, runs.get());
        assertEquals(1, scheduler.runPending(1));
        assertEquals(2, scheduler.runPending(Integer.MAX_VALUE));
        assertEquals(3, runs.get());
    }

    @Test
    void shouldWaitWithoutLimitOrNotAtAllForDurationsAtTheEndsOfTheirRange() throws Exception
    {
        final Duration longest = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
        final Duration mostNegative = Duration.ofSeconds(Long.MIN_VALUE);
        assertTrue(scheduler.awaitIdle(longest));
        assertTrue(scheduler.awaitIdle(mostNegative));
        assertTrue(scheduler.awaitIdle(Duration.ZERO));

        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Scheduler busy = Scheduler.builder().clock(clock).dispatcher(Dispatcher.withWorkers(1)).build();
        try
        {
            busy.registerOnce("hangs", START, () -> {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            assertEquals(1, busy.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            final long before = System.nanoTime();
            assertFalse(busy.awaitIdle(mostNegative));
            assertFalse(busy.awaitIdle(Duration.ZERO));
            assertFalse(busy.awaitIdle(Duration.ofNanos(1)));
            assertFalse(busy.close(mostNegative), "a hung callback is still running");
            assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(5), "none of these may wait");
        }
        finally
        {
            release.countDown();
        }
        assertTrue(busy.close(longest));
        assertEquals(TaskState.COMPLETED, busy.task("hangs").orElseThrow().state());
    }

    @Test
    void shouldAcceptAMisfireThresholdAtTheEndOfTheDurationRange()
    {
        for (final Duration threshold : List.of(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
            ChronoUnit.FOREVER.getDuration(), Duration.ofMillis(Long.MAX_VALUE)))
        {
            final ManualClock own = new ManualClock(START);
            try (Scheduler lenient = Scheduler.builder().clock(own).zone(ZoneOffset.UTC)
                .misfirePolicy(MisfirePolicy.SKIP).misfireThreshold(threshold).build())
            {
                final AtomicInteger runs = new AtomicInteger();
                lenient.registerTask("minute", "* * * * *", runs::incrementAndGet);
                lenient.registerOnce("ancient", START.minus(Duration.ofDays(1000)), runs::incrementAndGet);
                own.advance(Duration.ofDays(100));
                lenient.runPending();
                assertEquals(2, runs.get(), threshold + ": every fire is within the threshold, so both run");
                assertEquals(100 * 1440 - 1, lenient.task("minute").orElseThrow().missed(), threshold.toString());
            }
        }
    }

    @Test
    void shouldFireOrRefuseOneTimeInstantsAtTheEndsOfTime()
    {
        final List<Instant> past = List.of(Instant.MIN, Instant.ofEpochMilli(Long.MIN_VALUE),
            Instant.ofEpochMilli(Long.MIN_VALUE).minusNanos(1), Instant.EPOCH.minusNanos(1),
            Instant.ofEpochSecond(-1, 999_999_999), START);
        for (int i = 0; i < past.size(); i++)
        {
            scheduler.registerOnce("past-" + i, past.get(i), NOTHING);
        }
        assertEquals(past.size(), scheduler.runPending());
        for (final Instant never : List.of(Instant.MAX, Instant.ofEpochMilli(Long.MAX_VALUE),
            Instant.ofEpochMilli(Long.MAX_VALUE).plusNanos(1)))
        {
            final IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> scheduler.registerOnce("never", never, NOTHING));
            assertTrue(refused.getMessage().contains("too far ahead"), refused.getMessage());
        }
        final Instant last = Instant.ofEpochMilli(Long.MAX_VALUE - 1);
        scheduler.registerOnce("last", last, NOTHING);
        assertEquals(last, scheduler.nextFireTime("last").orElseThrow());
        assertEquals(0, scheduler.runPending());
    }

    @Test
    void shouldRunTasksOnAClockAtTheEndsOfTheMillisecondRange()
    {
        final Instant earliest = Instant.ofEpochMilli(Long.MIN_VALUE);
        final ManualClock early = new ManualClock(earliest);
        try (Scheduler ancient = Scheduler.builder().clock(early).zone(ZoneOffset.UTC).build())
        {
            final AtomicInteger runs = new AtomicInteger();
            ancient.registerTask("second", "* * * * * *", runs::incrementAndGet);
            ancient.registerOnce("now", earliest, runs::incrementAndGet);
            assertEquals(1, ancient.runPending());
            early.advance(Duration.ofSeconds(10));
            ancient.runPending();
            final TaskInfo second = ancient.task("second").orElseThrow();
            assertEquals(10, second.runs() + second.missed(), second.toString());
        }
        final Instant latest = Instant.ofEpochMilli(Long.MAX_VALUE - 1);
        final ManualClock late = new ManualClock(latest);
        try (Scheduler future = Scheduler.builder().clock(late).zone(ZoneOffset.UTC).build())
        {
            assertThrows(InvalidCronExpressionException.class,
                () -> future.registerTask("second", "* * * * * *", NOTHING), "no whole second is left to fire at");
            future.registerOnce("now", latest, NOTHING);
            assertEquals(1, future.runPending());
            assertEquals(TaskState.COMPLETED, future.task("now").orElseThrow().state());
        }
    }

    @Test
    void shouldRefuseBlankNamesAndNameNullArguments()
    {
        for (final String blank : List.of("", " ", "\t\n\r", "\u2003", "\u000B\u001C\u001F", " \u3000 "))
        {
            final IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> scheduler.registerOnce(blank, START, NOTHING));
            assertTrue(refused.getMessage().contains("blank"), refused.getMessage());
        }
        final NullPointerException noName =
            assertThrows(NullPointerException.class, () -> scheduler.registerTask(null, "* * * * *", NOTHING));
        assertEquals("name", noName.getMessage());
        assertEquals("cron", assertThrows(NullPointerException.class,
            () -> scheduler.registerTask("t", (String)null, NOTHING)).getMessage());
        assertEquals("callback", assertThrows(NullPointerException.class,
            () -> scheduler.registerOnce("t", START, (Runnable)null)).getMessage());
        assertEquals("name", assertThrows(NullPointerException.class, () -> scheduler.cancel(null)).getMessage());
        assertEquals("name", assertThrows(NullPointerException.class, () -> scheduler.task(null)).getMessage());
        assertEquals("timeout", assertThrows(NullPointerException.class, () -> scheduler.close(null)).getMessage());
        assertTrue(scheduler.tasks().isEmpty());
    }

    @Test
    void shouldKeepNamesOfControlCharactersAndLoneSurrogatesUsable()
    {
        final List<String> names = List.of("\u0000", "a\u0000b", "\u001b[31mred\u001b[0m", "line\nbreak",
            "\uD800", "\uDC00\uD800", "\u00A0", "\u200B", "\uFEFFbom", "tab\tinside", "\u202Eright-to-left");
        final AtomicInteger runs = new AtomicInteger();
        for (final String name : names)
        {
            scheduler.registerTask(name, "H * * * * *", runs::incrementAndGet);
        }
        assertEquals(names.size(), scheduler.tasks().size());
        for (final String name : names)
        {
            assertEquals(name, scheduler.task(name).orElseThrow().name());
            assertTrue(scheduler.nextFireTime(name).isPresent(), name);
        }
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        assertEquals(names.size(), runs.get(), "each fires once a minute at its own second");
        for (final String name : names)
        {
            assertTrue(scheduler.cancel(name), name);
            assertFalse(scheduler.cancel(name), name);
        }
        assertEquals(0, scheduler.registry().table.size());
    }

    @Test
    void shouldReadAsciiWhitespaceAsSpacesAndRefuseOtherSeparators()
    {
        final long start = START.toEpochMilli();
        final long expected = CronSchedule.parse("30 4 * * *", ZoneOffset.UTC).nextAfterEpochMilli(start);
        for (final String spaced : List.of("30\t4\n*\u000B*\f*", "  30   4 * * *\r\n", "\t30 4 * * *\t"))
        {
            assertEquals(expected, CronSchedule.parse(spaced, ZoneOffset.UTC).nextAfterEpochMilli(start), spaced);
        }
        for (final String odd : List.of("30\u20034 * * *", "30 4\u00A0* * *", "30\u001C4 * * *", "30 4 * * *\u0000",
            "3\u00000 4 * * *", "\u0000"))
        {
            assertThrows(InvalidCronExpressionException.class, () -> CronSchedule.parse(odd, ZoneOffset.UTC),
                odd.replace("\u0000", "\\0"));
            assertThrows(InvalidCronExpressionException.class, () -> scheduler.registerTask("odd", odd, NOTHING));
        }
        assertTrue(scheduler.tasks().isEmpty());
    }

    @Test
    void shouldRefuseJunkExpressionsOnlyWithInvalidCronExpressionException()
    {
        final long seed = Long.getLong("hostile.seed", 0x4A_5E_0001L);
        final int cases = Integer.getInteger("hostile.junk.cases", 20_000);
        final String[][] fieldAtoms = {
            {"*", "0", "5", "59", "*/2", "3/4", "0-30/10", "H", "H(1-5)", "H/3", "1,15"},
            {"*", "0", "5", "59", "*/2", "3/4", "0-30/10", "H", "H(1-5)", "H/3", "1,15"},
            {"*", "0", "23", "1-5", "*/2", "H", "H(0-6)/2", "22-2"},
            {"*", "?", "1", "31", "L", "L-3", "LW", "15W", "H", "1-5", "H/3"},
            {"*", "1", "12", "JAN-MAR", "H", "*/2", "1,6", "dec"},
            {"*", "?", "MON", "SUN-SAT", "FRI-TUE", "5L", "MON#2", "1-5", "H", "0", "7"},
            {"2030", "1970-2099", "2025/2", "*", "H", "H(2030-2040)"}};
        final String[] junk = {"", "#", "/", "-", ",", "(", ")", "H(", "H(5-1)", "*/0", "/0", "60", "99", "-1", "1969",
            "999999999", "9999999999", "L-31", "32W", "0#6", "8L", "\u0000", "x", "@reboot", "@hourly", "@", "?",
            "H(0-59)/60", "?,1", "L", "W", "LW,L"};
        final String[] separators = {" ", " ", " ", "  ", "\t", "\n", "\u000B", "\u001C", "\u2003", "\u00A0"};
        final CronDialect[] dialects = CronDialect.values();
        final SplittableRandom random = new SplittableRandom(seed);
        int parsed = 0;
        for (int i = 0; i < cases; i++)
        {
            final StringBuilder text = new StringBuilder();
            final int fields = 5 + random.nextInt(3);
            for (int f = 0; f < fields; f++)
            {
                final String[] pool = fieldAtoms[fields == 5 ? f + 1 : f];
                text.append(random.nextInt(10) == 0 ? junk[random.nextInt(junk.length)] : pool[random.nextInt(pool.length)]);
                if (random.nextInt(8) == 0)
                {
                    text.append(',').append(pool[random.nextInt(pool.length)]);
                }
                text.append(separators[random.nextInt(random.nextInt(8) == 0 ? separators.length : 3)]);
            }
            final String expression = text.toString();
            final CronDialect dialect = random.nextBoolean() ? null : dialects[random.nextInt(dialects.length)];
            try
            {
                final CronSchedule schedule = dialect == null ? CronSchedule.parse(expression, ZoneOffset.UTC) :
                    CronSchedule.parse(expression, dialect, ZoneOffset.UTC);
                parsed++;
                schedule.describe();
                final CronSchedule bound = schedule.forTask("junk-" + i).requireCanFire();
                bound.nextAfterEpochMilli(START.toEpochMilli());
                bound.countFiresBetween(START.toEpochMilli(), START.toEpochMilli() + 86_400_000L);
            }
            catch (final InvalidCronExpressionException expected)
            {
                assertTrue(expected.getMessage().startsWith("invalid cron expression"), expected.getMessage());
            }
            catch (final RuntimeException | Error unexpected)
            {
                fail("seed=" + seed + " case=" + i + " dialect=" + dialect + " expression='" +
                    expression.replace("\u0000", "\\0") + "' threw " + unexpected, unexpected);
            }
        }
        assertTrue(parsed > cases / 20, "the junk must sometimes be valid, or the test proves little: " + parsed);
    }

    @Test
    void shouldStartTheDriverWhenTheLogHandlerThrows() throws Exception
    {
        final Logger logger = engineLog;
        final Handler broken = new Handler()
        {
            @Override
            public void publish(final LogRecord record)
            {
                throw new IllegalStateException("disk full");
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        logger.addHandler(broken);
        try
        {
            final CountDownLatch ran = new CountDownLatch(1);
            scheduler.registerOnce("once", START, ran::countDown);
            scheduler.start();
            assertTrue(ran.await(10, TimeUnit.SECONDS));
            scheduler.setTestMode(true);
            assertTrue(scheduler.isTestMode());
        }
        finally
        {
            logger.removeHandler(broken);
        }
    }

}
