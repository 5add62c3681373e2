package orchestrator.scheduler;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The history of finished tasks ({@link Scheduler.Builder#retainFinished(int)}), read by name and by listing, as
 * tasks finish, are evicted and reuse names, with lookups interleaved at different points.
 */
class FinishedHistoryTest
{
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private final ManualClock clock = new ManualClock(START);
    private final AtomicInteger runs = new AtomicInteger();

    private Scheduler scheduler(final int retain)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).retainFinished(retain).build();
    }

    private void runOnce(final Scheduler scheduler, final String name)
    {
        scheduler.registerOnce(name, clock.instant().plusMillis(1), runs::incrementAndGet);
        clock.advance(Duration.ofMillis(1));
        scheduler.runPending();
    }

    @Test
    void shouldKeepTheNewestFinishedTasksAndFindThemByName()
    {
        final Scheduler scheduler = scheduler(3);
        for (int i = 0; i < 5; i++)
        {
            runOnce(scheduler, "t" + i);
        }
        assertEquals(5, runs.get());
        assertFalse(scheduler.task("t0").isPresent());
        assertFalse(scheduler.task("t1").isPresent());
        for (int i = 2; i < 5; i++)
        {
            final TaskInfo info = scheduler.task("t" + i).orElseThrow();
            assertEquals(TaskState.COMPLETED, info.state());
            assertEquals(1, info.runs());
        }
        assertEquals(List.of("t4", "t3", "t2"), scheduler.tasks().stream().map(TaskInfo::name).toList());
    }

    @Test
    void shouldForgetANameOnlyWhenItsNewestEntryIsEvicted()
    {
        final Scheduler scheduler = scheduler(3);
        runOnce(scheduler, "a");
        assertTrue(scheduler.task("a").isPresent()); // indexed between retirements
        runOnce(scheduler, "b");
        scheduler.registerOnce("a", clock.instant().plusSeconds(60), runs::incrementAndGet);
        assertTrue(scheduler.cancel("a"));           // "a" again, newer, cancelled
        assertEquals(TaskState.CANCELLED, scheduler.task("a").orElseThrow().state());
        runOnce(scheduler, "c");                     // evicts the first "a": the newest stays
        assertEquals(TaskState.CANCELLED, scheduler.task("a").orElseThrow().state());
        runOnce(scheduler, "d");
        runOnce(scheduler, "e");                     // evicts the cancelled "a"
        assertFalse(scheduler.task("a").isPresent());
        assertFalse(scheduler.task("b").isPresent());
        assertTrue(scheduler.task("c").isPresent());
    }

    @Test
    void shouldCatchUpAfterMoreRetirementsThanTheHistoryHolds()
    {
        final Scheduler scheduler = scheduler(4);
        runOnce(scheduler, "first");
        assertTrue(scheduler.task("first").isPresent());
        for (int i = 0; i < 11; i++)
        {
            runOnce(scheduler, "n" + i);
        }
        assertFalse(scheduler.task("first").isPresent());
        assertFalse(scheduler.task("n6").isPresent());
        for (int i = 7; i < 11; i++)
        {
            assertTrue(scheduler.task("n" + i).isPresent(), "n" + i);
        }
    }

    /**
     * A task cancelled during its own run keeps its row until the run ends; a task registered again under its name
     * meanwhile is the one the name stands for, in tasks() as in task(name).
     */
    @Test
    void shouldListANameOnceWhileACancelledTaskOfThatNameStillRuns()
    {
        final Scheduler scheduler = scheduler(3);
        final List<List<TaskInfo>> listed = new java.util.ArrayList<>();
        final List<TaskInfo> byName = new java.util.ArrayList<>();
        scheduler.registerTask("x", "* * * * *", () -> {
            scheduler.cancel("x");
            listed.add(scheduler.tasks().stream().filter(t -> t.name().equals("x")).toList());
            scheduler.registerTask("x", "*/5 * * * *", runs::incrementAndGet);
            listed.add(scheduler.tasks().stream().filter(t -> t.name().equals("x")).toList());
            byName.add(scheduler.task("x").orElseThrow());
        });
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, scheduler.runPending());
        // checked here: an assertion failing inside a callback would only be logged
        assertEquals(1, listed.get(0).size(), listed.get(0).toString());
        assertEquals(TaskState.CANCELLED, listed.get(0).get(0).state());
        assertEquals(List.of(byName.get(0)), listed.get(1), "the name stands for the live task in both reads");
        assertEquals("*/5 * * * *", byName.get(0).schedule());
        assertEquals(List.of(scheduler.task("x").orElseThrow()), scheduler.tasks());
    }

    /** A history as long as an int can count, meaning "keep them all", is filled as tasks finish, not made at build. */
    @Test
    void shouldBuildWithTheLargestHistoryAndKeepEveryFinishedTask()
    {
        final Scheduler scheduler = scheduler(Integer.MAX_VALUE);
        for (int i = 0; i < 20_000; i++)
        {
            runOnce(scheduler, "t" + i);
        }
        assertEquals(20_000, runs.get());
        assertEquals(20_000, scheduler.tasks().size());
        assertEquals("t19999", scheduler.tasks().get(0).name(), "newest first");
        assertEquals(TaskState.COMPLETED, scheduler.task("t0").orElseThrow().state());
        assertEquals(TaskState.COMPLETED, scheduler.task("t19999").orElseThrow().state());
    }

    @Test
    void shouldDropTheOldestOnceAGrownHistoryIsFull()
    {
        final int retain = FinishedTasks.PREALLOCATED * 2 + 5; // grows twice, then wraps
        final Scheduler scheduler = scheduler(retain);
        assertTrue(scheduler.task("t0").isEmpty());
        for (int i = 0; i < retain + 7; i++)
        {
            runOnce(scheduler, "t" + i);
            if (i == FinishedTasks.PREALLOCATED)
            {
                assertTrue(scheduler.task("t0").isPresent(), "indexed before a growth");
            }
        }
        assertFalse(scheduler.task("t0").isPresent());
        assertFalse(scheduler.task("t6").isPresent());
        assertTrue(scheduler.task("t7").isPresent());
        assertTrue(scheduler.task("t" + (retain + 6)).isPresent());
        final List<TaskInfo> all = scheduler.tasks();
        assertEquals(retain, all.size());
        assertEquals("t" + (retain + 6), all.get(0).name());
        assertEquals("t7", all.get(retain - 1).name());
    }

    @Test
    void shouldKeepNoHistoryWhenToldTo()
    {
        final Scheduler scheduler = scheduler(0);
        runOnce(scheduler, "gone");
        assertEquals(1, runs.get());
        assertFalse(scheduler.task("gone").isPresent());
        assertTrue(scheduler.tasks().isEmpty());
    }
}
