package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerTest
{
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    static TaskInfo info(final Scheduler scheduler, final String name)
    {
        return scheduler.tasks().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void shouldRunTheSeedUsageExample()
    {
        final Dispatcher dispatcher = new Dispatcher();
        try (Scheduler seed = new Scheduler(dispatcher))
        {
            final AtomicInteger runs = new AtomicInteger();
            seed.registerTask("minute_task", "* * * * *", runs::incrementAndGet);
            seed.runPending();
            assertTrue(seed.nextFireTime("minute_task").isPresent());
            assertEquals(TaskState.SCHEDULED, info(seed, "minute_task").state());
        }
    }

    @Test
    void shouldFireOncePerMinute()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("minute", "* * * * *", runs::incrementAndGet);
        assertEquals(0, scheduler.runPending());
        clock.advance(Duration.ofSeconds(59));
        assertEquals(0, scheduler.runPending());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, scheduler.runPending());
        assertEquals(0, scheduler.runPending());
        assertEquals(1, runs.get());
        assertEquals(Optional.of(START.plusSeconds(120)), scheduler.nextFireTime("minute"));
        final TaskInfo info = info(scheduler, "minute");
        assertEquals(1, info.runs());
        assertEquals(0, info.missed());
        assertEquals("* * * * *", info.schedule());
    }

    @Test
    void shouldAcceptSixFieldsWithSecondsAndMacros()
    {
        final AtomicInteger seconds = new AtomicInteger();
        final AtomicInteger hourly = new AtomicInteger();
        scheduler.registerTask("every-10s", "*/10 * * * * *", seconds::incrementAndGet);
        scheduler.registerTask("hourly", "@hourly", hourly::incrementAndGet);
        for (int i = 0; i < 360; i++)
        {
            clock.advance(Duration.ofSeconds(10));
            scheduler.runPending();
        }
        assertEquals(360, seconds.get());
        assertEquals(1, hourly.get());
    }

    @Test
    void shouldRunAOneTimeTaskOnceAndMarkItCompleted()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerOnce("once", START.plusSeconds(30), runs::incrementAndGet);
        assertEquals(Optional.of(START.plusSeconds(30)), scheduler.nextFireTime("once"));
        clock.advance(Duration.ofMinutes(5));
        assertEquals(1, scheduler.runPending());
        clock.advance(Duration.ofMinutes(5));
        assertEquals(0, scheduler.runPending());
        assertEquals(1, runs.get());
        assertEquals(TaskState.COMPLETED, info(scheduler, "once").state());
        assertEquals(Optional.empty(), scheduler.nextFireTime("once"));
    }

    @Test
    void shouldFireAOneTimeTaskInThePastAtTheNextRunPending()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerOnce("late", START.minusSeconds(3600), runs::incrementAndGet);
        assertEquals(1, scheduler.runPending());
        assertEquals(1, runs.get());
    }

    @Test
    void shouldRefuseADuplicateNameAndKeepTheFirstTask()
    {
        final AtomicInteger first = new AtomicInteger();
        scheduler.registerTask("job", "* * * * *", first::incrementAndGet);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> scheduler.registerTask("job", "0 0 * * *", () -> {}));
        assertTrue(ex.getMessage().contains("job"), ex.getMessage());
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        assertEquals(1, first.get());
        assertEquals("* * * * *", info(scheduler, "job").schedule());
    }

    @Test
    void shouldNameTheNullArgument()
    {
        assertEquals("name", assertThrows(NullPointerException.class,
            () -> scheduler.registerTask(null, "* * * * *", () -> {})).getMessage());
        assertEquals("cron", assertThrows(NullPointerException.class,
            () -> scheduler.registerTask("a", (String)null, () -> {})).getMessage());
        assertEquals("callback", assertThrows(NullPointerException.class,
            () -> scheduler.registerTask("a", "* * * * *", null)).getMessage());
        assertEquals("at", assertThrows(NullPointerException.class,
            () -> scheduler.registerOnce("a", null, () -> {})).getMessage());
        assertTrue(scheduler.tasks().isEmpty());
    }

    @Test
    void shouldRejectAnInvalidCronExpressionAndRegisterNothing()
    {
        final InvalidCronExpressionException ex = assertThrows(InvalidCronExpressionException.class,
            () -> scheduler.registerTask("bad", "61 * * * *", () -> {}));
        assertTrue(ex.getMessage().contains("61 * * * *"), ex.getMessage());
        assertTrue(ex instanceof IllegalArgumentException);
        assertTrue(scheduler.tasks().isEmpty());
        scheduler.registerTask("bad", "1 * * * *", () -> {}); // the name is free
    }

    @Test
    void shouldRefuseAnExpressionWithNoFutureFire()
    {
        assertThrows(InvalidCronExpressionException.class,
            () -> scheduler.registerTask("never", "0 0 30 2 *", () -> {}));
        final InvalidCronExpressionException past = assertThrows(InvalidCronExpressionException.class,
            () -> scheduler.registerTask("past", "0 0 0 1 1 ? 2020", () -> {}));
        assertTrue(past.getMessage().contains("no fire time after"), past.getMessage());
        assertTrue(scheduler.tasks().isEmpty());
    }

    @Test
    void shouldReportEmptyNextFireForUnknownAndCancelledTasks()
    {
        scheduler.registerTask("job", "* * * * *", () -> {});
        assertEquals(Optional.empty(), scheduler.nextFireTime("unknown"));
        assertTrue(scheduler.cancel("job"));
        assertFalse(scheduler.cancel("job"));
        assertEquals(Optional.empty(), scheduler.nextFireTime("job"));
        assertEquals(TaskState.CANCELLED, info(scheduler, "job").state());
    }

    @Test
    void shouldNotFireATaskCancelledWhileDue()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("job", "* * * * *", runs::incrementAndGet);
        clock.advance(Duration.ofMinutes(1));
        assertTrue(scheduler.cancel("job"));
        assertEquals(0, scheduler.runPending());
        clock.advance(Duration.ofMinutes(10));
        assertEquals(0, scheduler.runPending());
        assertEquals(0, runs.get());
    }

    @Test
    void shouldNotFireATaskCancelledByAnotherCallbackOfTheSameBatch()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("a", "* * * * *", () -> {
            runs.incrementAndGet();
            scheduler.cancel("b");
        });
        scheduler.registerTask("b", "* * * * *", () -> {
            runs.incrementAndGet();
            scheduler.cancel("a");
        });
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, scheduler.runPending(), "both were collected, only the first may start");
        assertEquals(1, runs.get());
    }

    @Test
    void shouldLogCountAndContainACallbackThatThrows()
    {
        try (LogCapture log = new LogCapture())
        {
            scheduler.registerTask("boom", "* * * * *", () -> {
                throw new IllegalStateException("kaput");
            });
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            final TaskInfo info = info(scheduler, "boom");
            assertEquals(2, info.runs());
            assertEquals(2, info.failures());
            assertEquals(TaskState.SCHEDULED, info.state());
            assertTrue(info.lastError().orElseThrow().contains("kaput"));
            assertEquals(Optional.of(START.plusSeconds(180)), scheduler.nextFireTime("boom"));
            assertEquals(2, log.count(Level.WARNING, "boom"));
        }
    }

    @Test
    void shouldMarkAThrowingOneTimeTaskFailed()
    {
        scheduler.registerOnce("once", START, () -> {
            throw new IllegalStateException("no");
        });
        scheduler.runPending();
        assertEquals(TaskState.FAILED, info(scheduler, "once").state());
    }

    @Test
    void shouldLetCallbacksRegisterCancelAndRead()
    {
        final AtomicInteger childRuns = new AtomicInteger();
        final List<Object> seenInside = new java.util.ArrayList<>();
        scheduler.registerTask("victim", "* * * * *", () -> {});
        scheduler.registerOnce("parent", START, () -> {
            scheduler.registerTask("child", "* * * * *", childRuns::incrementAndGet);
            seenInside.add(scheduler.cancel("victim"));
            seenInside.add(info(scheduler, "parent").state());
            seenInside.add(scheduler.nextFireTime("child").isPresent());
            seenInside.add(scheduler.runPending()); // re-entrant: nothing else is due
        });
        assertEquals(1, scheduler.runPending());
        // what the callback saw is checked here: an assertion failing inside a callback would only be logged
        assertEquals(List.of(true, TaskState.RUNNING, true, 0), seenInside);
        assertEquals(0, info(scheduler, "parent").failures());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, scheduler.runPending());
        assertEquals(1, childRuns.get());
        assertEquals(TaskState.CANCELLED, info(scheduler, "victim").state());
    }

    @Test
    void shouldCountFiresSteppedOverByAForwardClockJumpAsMissed()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("minute", "* * * * *", runs::incrementAndGet);
        clock.advance(Duration.ofMinutes(10));
        assertEquals(1, scheduler.runPending());
        final TaskInfo info = info(scheduler, "minute");
        assertEquals(1, info.runs());
        assertEquals(9, info.missed());
        assertEquals(Optional.of(START.plusSeconds(660)), scheduler.nextFireTime("minute"));
    }

    @Test
    void shouldNotRepeatFiresWhenTheClockStepsBack()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("minute", "* * * * *", runs::incrementAndGet);
        clock.advance(Duration.ofMinutes(2));
        scheduler.runPending();
        clock.set(START);
        for (int i = 0; i < 3; i++)
        {
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
        }
        assertEquals(2, runs.get(), "fires at 00:01 and 00:02 only, never again for the same minutes");
        clock.advance(Duration.ofSeconds(1));
        scheduler.runPending();
        assertEquals(2, runs.get());
    }

    @Test
    void shouldReturnAnImmutableSnapshot()
    {
        scheduler.registerTask("job", "* * * * *", () -> {});
        final List<TaskInfo> tasks = scheduler.tasks();
        assertThrows(UnsupportedOperationException.class, tasks::clear);
        scheduler.cancel("job");
        assertEquals(TaskState.SCHEDULED, tasks.get(0).state());
    }

    @Test
    void shouldStartInProductionModeAndWarnWhenTestModeIsSwitchedOn()
    {
        try (LogCapture log = new LogCapture())
        {
            assertFalse(scheduler.isTestMode());
            scheduler.setTestMode(true);
            assertTrue(scheduler.isTestMode());
            assertEquals(1, log.count(Level.WARNING, "test mode"));
        }
    }

    @Test
    void shouldRefuseWorkAfterClose()
    {
        scheduler.close();
        assertThrows(IllegalStateException.class, scheduler::runPending);
        assertThrows(IllegalStateException.class, () -> scheduler.registerTask("a", "* * * * *", () -> {}));
    }

    @Test
    void shouldRunEveryDueTaskInOneCallBeyondOneBatch()
    {
        final AtomicInteger runs = new AtomicInteger();
        final int count = FireCycle.BATCH_LIMIT * 2 + 7;
        for (int i = 0; i < count; i++)
        {
            scheduler.registerTask("job-" + i, "* * * * *", runs::incrementAndGet);
        }
        clock.advance(Duration.ofMinutes(1));
        assertEquals(count, scheduler.runPending());
        assertEquals(count, runs.get());
    }

    @Test
    void shouldFireTasksFarAheadAtTheirTimeAndNotBefore()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("yearly", "@yearly", runs::incrementAndGet);
        scheduler.registerOnce("next-year", START.plus(Duration.ofDays(400)), runs::incrementAndGet);
        for (int i = 0; i < 1000; i++)
        {
            clock.advance(Duration.ofMinutes(1));
            assertEquals(0, scheduler.runPending());
        }
        clock.set(Instant.parse("2027-01-01T00:00:00Z"));
        assertEquals(1, scheduler.runPending());
        clock.set(START.plus(Duration.ofDays(400)));
        assertEquals(1, scheduler.runPending());
    }
}
