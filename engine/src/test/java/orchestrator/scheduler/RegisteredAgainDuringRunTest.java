package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.SchedulerTest.START;
import static orchestrator.scheduler.SchedulerTest.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task registered again under the name of one cancelled during its run. Fires are held by the dispatcher and run
 * by the test thread, on the virtual clock.
 */
class RegisteredAgainDuringRunTest
{
    private final ManualClock clock = new ManualClock(START);
    private final List<Runnable> held = new ArrayList<>();
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
        .dispatcher(Dispatcher.of(held::add)).build();

    @AfterEach
    void close()
    {
        runHeld();
        scheduler.close();
    }

    private void runHeld()
    {
        while (!held.isEmpty())
        {
            held.remove(0).run();
        }
    }

    /**
     * Collects a fire of "job" and cancels the task while that fire is held.
     */
    private void cancelDuringRun()
    {
        scheduler.registerTask("job", "* * * * * *", () -> {});
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, scheduler.runPending());
        assertEquals(1, held.size());
        assertTrue(scheduler.cancel("job"));
    }

    /**
     * The name's newest task ended last: task(name) and tasks() show it, not the older one whose fire ended after.
     */
    @Test
    void shouldShowTheNewerTaskOfANameWhenItEndsBeforeTheOldRun()
    {
        cancelDuringRun();
        scheduler.registerTask("job", "0 0 * * * *", () -> {});
        assertTrue(scheduler.cancel("job"));
        assertEquals("0 0 * * * *", scheduler.task("job").orElseThrow().schedule(), "the newer task, while the old runs");
        assertEquals("0 0 * * * *", info(scheduler, "job").schedule());
        runHeld();
        assertEquals("0 0 * * * *", scheduler.task("job").orElseThrow().schedule(), "the newer task, once it ended");
        assertEquals("0 0 * * * *", info(scheduler, "job").schedule());
    }

    /**
     * A fixed delay counts from the end of a run of its own: its fire dropped as it overlapped the old run, its next
     * fire counts from the one dropped, as for a fire skipped late.
     */
    @Test
    void shouldFileTheNextFireOfAFixedDelayTaskWhoseFireCameDueDuringTheOldRun()
    {
        cancelDuringRun();
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("job").fixedDelay(Duration.ofSeconds(10)).run(runs::incrementAndGet));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(0, scheduler.runPending(), "the old fire of 'job' is in flight");
        runHeld();
        assertEquals(1, scheduler.task("job").orElseThrow().missed());
        assertEquals(Optional.of(START.plusSeconds(21)), scheduler.nextFireTime("job"),
            "a delay after the fire dropped, as for a fire skipped late");
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, scheduler.runPending(), "the fixed delay goes on");
        runHeld();
        assertEquals(1, runs.get());
    }

    /**
     * A one-time task whose only fire was dropped as it overlapped the old run has nothing left: it completes.
     */
    @Test
    void shouldCompleteAOneTimeTaskWhoseOnlyFireCameDueDuringTheOldRun()
    {
        cancelDuringRun();
        scheduler.schedule(TaskSpec.named("job").once(START.plusSeconds(5)).run(() -> {}));
        clock.advance(Duration.ofSeconds(4));
        assertEquals(0, scheduler.runPending(), "the old fire of 'job' is in flight");
        runHeld();
        final TaskInfo info = scheduler.task("job").orElseThrow();
        assertEquals(1, info.missed());
        assertEquals(TaskState.COMPLETED, info.state(), "nothing is left to fire: " + info);
        assertEquals(Optional.empty(), scheduler.nextFireTime("job"));
    }
}
