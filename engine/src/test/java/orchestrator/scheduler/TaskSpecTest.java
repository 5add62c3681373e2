package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskSpecTest
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    private static String refused(final Runnable action)
    {
        return assertThrows(IllegalArgumentException.class, action::run).getMessage();
    }

    private static void assertMentions(final String message, final String... fragments)
    {
        for (final String fragment : fragments)
        {
            assertTrue(message.contains(fragment), "'" + fragment + "' not in: " + message);
        }
    }

    @Test
    void shouldRunACronSpecAsRegisterTaskDoes()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("minute").cron("* * * * *").run(runs::incrementAndGet));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, scheduler.runPending());
        assertEquals(1, runs.get());
        final TaskInfo info = scheduler.task("minute").orElseThrow();
        assertEquals("* * * * *", info.schedule());
        assertEquals(Optional.of(START.plusSeconds(120)), info.nextFire());
    }

    @Test
    void shouldGiveAStringCronItsOwnMisfirePolicy()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("skip").cron("* * * * *").misfire(MisfirePolicy.SKIP)
            .run(runs::incrementAndGet));
        clock.advance(Duration.ofMinutes(10).plusSeconds(30)); // ten fires passed, the latest 30 s ago
        assertEquals(0, scheduler.runPending());
        assertEquals(0, runs.get());
        assertEquals(10, scheduler.task("skip").orElseThrow().missed());
    }

    @Test
    void shouldGiveACronScheduleAHandler()
    {
        final List<String> received = new ArrayList<>();
        scheduler.registerHandler("echo", bytes -> received.add(new String(bytes, StandardCharsets.UTF_8)));
        final CronSchedule quartz = CronSchedule.parse("0 0 12 ? * 2", CronDialect.QUARTZ, ZoneOffset.UTC);
        scheduler.schedule(TaskSpec.named("monday-noon").cron(quartz)
            .handler("echo", "hello".getBytes(StandardCharsets.UTF_8)));
        // 2026-01-01 is a Thursday: the first Monday noon is 2026-01-05T12:00Z (QUARTZ: 2 = Monday)
        assertEquals(Optional.of(Instant.parse("2026-01-05T12:00:00Z")), scheduler.nextFireTime("monday-noon"));
        clock.set(Instant.parse("2026-01-05T12:00:00Z"));
        assertEquals(1, scheduler.runPending());
        assertEquals(List.of("hello"), received);
    }

    @Test
    void shouldHandAContextToAConsumerCallback()
    {
        final List<FireContext> contexts = new ArrayList<>();
        scheduler.schedule(TaskSpec.named("ctx").cron("* * * * *").run(contexts::add));
        clock.advance(Duration.ofMinutes(1).plusMillis(250));
        scheduler.runPending();
        assertEquals(1, contexts.size());
        final FireContext context = contexts.get(0);
        assertEquals("ctx", context.taskName());
        assertEquals(START.plusSeconds(60), context.scheduledAt());
        assertEquals(START.plusSeconds(60).plusMillis(250), context.startedAt());
        assertEquals(1, context.fires());
    }

    @Test
    void shouldDelayTheFirstCronFireByTheInitialDelay()
    {
        scheduler.schedule(TaskSpec.named("late-start").cron("* * * * *").initialDelay(Duration.ofMinutes(5))
            .run(() -> {}));
        assertEquals(Optional.of(START.plusSeconds(300)), scheduler.nextFireTime("late-start"));
        scheduler.schedule(TaskSpec.named("in-between").cron("* * * * *").initialDelay(Duration.ofSeconds(90))
            .run(() -> {}));
        assertEquals(Optional.of(START.plusSeconds(120)), scheduler.nextFireTime("in-between"));
    }

    /** A zero delay makes a fire time that is now the first: "at or after" the delay, unlike no delay at all. */
    @Test
    void shouldFireACronTaskWithAZeroInitialDelayAtAFireTimeThatIsNow()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("now").cron("* * * * *").initialDelay(Duration.ZERO).run(runs::incrementAndGet));
        scheduler.schedule(TaskSpec.named("next").cron("* * * * *").run(() -> {}));
        assertEquals(Optional.of(START), scheduler.nextFireTime("now"));
        assertEquals(Optional.of(START.plusSeconds(60)), scheduler.nextFireTime("next"));
        assertEquals(1, scheduler.runPending());
        assertEquals(1, runs.get());
    }

    @Test
    void shouldRunAOnceSpecOnce()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("once").once(START.plusSeconds(5)).run(runs::incrementAndGet));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(1, scheduler.runPending());
        clock.advance(Duration.ofMinutes(5));
        assertEquals(0, scheduler.runPending());
        assertEquals(1, runs.get());
        assertEquals(TaskState.COMPLETED, scheduler.task("once").orElseThrow().state());
    }

    @Test
    void shouldRefuseASpecWithoutASchedule()
    {
        assertMentions(refused(() -> scheduler.schedule(TaskSpec.named("x").run(() -> {}))),
            "'x'", "no schedule", "cron", "fixedRate", "fixedDelay", "once");
        assertTrue(scheduler.tasks().isEmpty(), "nothing half-registered");
    }

    @Test
    void shouldRefuseASpecWithoutACallback()
    {
        assertMentions(refused(() -> scheduler.schedule(TaskSpec.named("x").cron("* * * * *"))),
            "'x'", "no callback", "run(Runnable)", "handler");
        assertTrue(scheduler.tasks().isEmpty());
    }

    @Test
    void shouldRefuseTwoSchedulesNamingBoth()
    {
        final TaskSpec spec = TaskSpec.named("x").cron("* * * * *");
        assertMentions(refused(() -> spec.fixedRate(Duration.ofSeconds(10))),
            "'x'", "two schedules", "cron '* * * * *'", "fixedRate PT10S", "exactly one");
        assertMentions(refused(() -> TaskSpec.named("y").once(START).cron("* * * * *")), "once", "cron");
    }

    @Test
    void shouldRefuseTwoCallbacksNamingBoth()
    {
        final TaskSpec spec = TaskSpec.named("x").run(() -> {});
        assertMentions(refused(() -> spec.handler("h", null)), "'x'", "two callbacks", "a Runnable", "handler 'h'");
        assertMentions(refused(() -> TaskSpec.named("y").run((FireContext c) -> {}).run(() -> {})),
            "Consumer<FireContext>", "Runnable");
    }

    @Test
    void shouldRefuseNonPositiveDurationsNamingFieldAndValue()
    {
        assertMentions(refused(() -> TaskSpec.named("x").fixedRate(Duration.ZERO)), "'x'", "fixedRate", "PT0S",
            "positive");
        assertMentions(refused(() -> TaskSpec.named("x").fixedDelay(Duration.ofSeconds(-1))), "fixedDelay", "PT-1S",
            "positive");
        assertMentions(refused(() -> TaskSpec.named("x").timeout(Duration.ZERO)), "timeout", "positive");
        assertMentions(refused(() -> TaskSpec.named("x").initialDelay(Duration.ofMillis(-1))), "initialDelay",
            "negative");
        assertMentions(refused(() -> TaskSpec.named("x").fixedRate(Duration.ofNanos(999_999))), "fixedRate",
            "at least 1 ms");
        assertMentions(refused(() -> TaskSpec.named("x").fixedRate(ChronoUnit.FOREVER.getDuration())), "fixedRate",
            "too long");
    }

    @Test
    void shouldRefuseOptionsThatDoNotFitTheSchedule()
    {
        assertMentions(refused(() -> scheduler.schedule(TaskSpec.named("x").once(START).initialDelay(Duration.ZERO)
            .run(() -> {}))), "initialDelay", "once");
        assertMentions(refused(() -> scheduler.schedule(TaskSpec.named("x").cron("* * * * *")
            .interruptOnTimeout(true).run(() -> {}))), "interruptOnTimeout", "timeout");
        assertTrue(scheduler.tasks().isEmpty());
    }

    /** A wrong value is refused by its setter, naming the task, the field, the value and the reason. */
    @Test
    void shouldRefuseAOneTimeInstantTooFarAheadInItsSetter()
    {
        assertMentions(refused(() -> TaskSpec.named("x").once(Instant.MAX)), "'x'", "once", Instant.MAX.toString(),
            "too far ahead", Instant.ofEpochMilli(Long.MAX_VALUE - 1).toString());
        final TaskSpec last = TaskSpec.named("last").once(Instant.ofEpochMilli(Long.MAX_VALUE - 1)).run(() -> {});
        scheduler.schedule(last);
        assertEquals(Optional.of(Instant.ofEpochMilli(Long.MAX_VALUE - 1)), scheduler.nextFireTime("last"));
    }

    /** The expression fires, in 2030; it is the delay that leaves no fire: the message must say so. */
    @Test
    void shouldBlameTheInitialDelayWhenItPassesTheLastFire()
    {
        final IllegalArgumentException cron = assertThrows(IllegalArgumentException.class,
            () -> scheduler.schedule(TaskSpec.named("y").cron("0 0 0 1 1 ? 2030").initialDelay(Duration.ofDays(3650))
                .run(() -> {})));
        assertFalse(cron instanceof InvalidCronExpressionException, cron.toString());
        assertMentions(cron.getMessage(), "'y'", "initialDelay", "PT87600H", "0 0 0 1 1 ? 2030");
        final String interval = refused(() -> scheduler.schedule(TaskSpec.named("z").fixedRate(Duration.ofSeconds(1))
            .initialDelay(Duration.ofMillis(Long.MAX_VALUE)).run(() -> {})));
        assertMentions(interval, "'z'", "initialDelay", Duration.ofMillis(Long.MAX_VALUE).toString());
        assertTrue(scheduler.tasks().isEmpty());
        scheduler.schedule(TaskSpec.named("y").cron("0 0 0 1 1 ? 2030").initialDelay(Duration.ofDays(365))
            .run(() -> {}));
        assertEquals(Optional.of(Instant.parse("2030-01-01T00:00:00Z")), scheduler.nextFireTime("y"));
    }

    /** Without an initial delay the period sets the first fire: when that passes the range, the period is blamed. */
    @Test
    void shouldBlameTheIntervalWhenItsFirstFirePassesTheRange()
    {
        final Duration period = Duration.ofMillis(Long.MAX_VALUE - START.toEpochMilli());
        for (final TaskSpec spec : List.of(TaskSpec.named("rate").fixedRate(period),
            TaskSpec.named("delay").fixedDelay(period)))
        {
            final String field = spec.name().equals("rate") ? "fixedRate" : "fixedDelay";
            assertMentions(refused(() -> scheduler.schedule(spec.run(() -> {}))), "'" + spec.name() + "'",
                field + " " + period, "first fire", Instant.ofEpochMilli(Long.MAX_VALUE).toString());
        }
        assertTrue(scheduler.tasks().isEmpty());
    }

    @Test
    void shouldRefuseNullsNamingTheArgument()
    {
        assertEquals("name", assertThrows(NullPointerException.class, () -> TaskSpec.named(null)).getMessage());
        assertEquals("cron", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").cron((String)null)).getMessage());
        assertEquals("callback", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").run((Runnable)null)).getMessage());
        assertEquals("fixedRate", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").fixedRate(null)).getMessage());
        assertEquals("spec", assertThrows(NullPointerException.class, () -> scheduler.schedule(null)).getMessage());
    }

    @Test
    void shouldNameTheSetterOfEveryNullPolicyAndSchedule()
    {
        assertEquals("misfire", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").misfire(null)).getMessage());
        assertEquals("overlap", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").overlap(null)).getMessage());
        assertEquals("onRestart", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").onRestart(null)).getMessage());
        assertEquals("cron", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").cron((CronSchedule)null)).getMessage());
        assertEquals("once", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").once(null)).getMessage());
        assertEquals("initialDelay", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").initialDelay(null)).getMessage());
        assertEquals("timeout", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").timeout(null)).getMessage());
        assertEquals("handler", assertThrows(NullPointerException.class,
            () -> TaskSpec.named("x").handler(null, null)).getMessage());
    }

    @Test
    void shouldRefuseBadNamesDuplicatesAndBadCronAsRegisterDoes()
    {
        assertMentions(refused(() -> scheduler.schedule(TaskSpec.named(" ").cron("* * * * *").run(() -> {}))),
            "blank");
        scheduler.schedule(TaskSpec.named("dup").cron("* * * * *").run(() -> {}));
        assertMentions(refused(() -> scheduler.schedule(TaskSpec.named("dup").fixedRate(Duration.ofSeconds(1))
            .run(() -> {}))), "'dup'", "already registered");
        assertEquals("* * * * *", scheduler.task("dup").orElseThrow().schedule(), "the first task is intact");
        assertThrows(InvalidCronExpressionException.class,
            () -> scheduler.schedule(TaskSpec.named("bad").cron("61 * * * *").run(() -> {})));
        assertMentions(refused(() -> scheduler.schedule(TaskSpec.named("h").cron("* * * * *").handler("nope", null))),
            "no handler named 'nope'");
        assertFalse(scheduler.task("bad").isPresent());
        assertFalse(scheduler.task("h").isPresent());
    }

    @Test
    void shouldLetTheSpecBeReusedWithoutTouchingTheTask()
    {
        final AtomicInteger first = new AtomicInteger();
        final TaskSpec spec = TaskSpec.named("a").fixedRate(Duration.ofSeconds(10)).run(first::incrementAndGet);
        scheduler.schedule(spec);
        spec.timeout(Duration.ofSeconds(1)); // changing the spec afterwards changes nothing
        assertThrows(IllegalArgumentException.class, () -> scheduler.schedule(spec)); // same name
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, scheduler.runPending());
        assertEquals(1, first.get());
    }

    @Test
    void shouldKeepEveryRegisterShortcutWorking()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerHandler("count", bytes -> runs.incrementAndGet());
        scheduler.registerTask("a", "* * * * *", runs::incrementAndGet);
        scheduler.registerTask("b", CronSchedule.parse("* * * * *", ZoneOffset.UTC), runs::incrementAndGet);
        scheduler.registerTask("c", CronSchedule.parse("* * * * *", ZoneOffset.UTC), MisfirePolicy.SKIP,
            runs::incrementAndGet);
        scheduler.registerOnce("d", START.plusSeconds(60), runs::incrementAndGet);
        scheduler.registerTask("e", "* * * * *", "count", new byte[] {1});
        scheduler.registerOnce("f", START.plusSeconds(60), "count", null);
        clock.advance(Duration.ofMinutes(1));
        assertEquals(6, scheduler.runPending());
        assertEquals(6, runs.get());
    }
}
