package orchestrator.scheduler;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task registered after the clock stepped back has a first fire the wheel has already passed: it waits held back
 * until the clock catches up. Its fires that then come due and are not collected yet are accounted for as any task's
 * are: a cancel, a reschedule or a resume counts them as missed. They read the wheel alone, found no fire there and
 * counted none (missed 0 for three due fires).
 */
class HeldBackAccountingTest
{
    private static final Instant BACK = START.minus(Duration.ofHours(1)); // the clock after its step back
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final List<Instant> started = new CopyOnWriteArrayList<>();

    @BeforeEach
    void registerAfterAStepBack()
    {
        scheduler.addListener(new TaskListener()
        {
            @Override
            public void onStart(final FireContext context)
            {
                started.add(context.scheduledAt());
            }

            @Override
            public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
            {
                told.add(taskName + "@" + scheduledAt + "x" + fires);
            }
        });
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending(); // the wheel's time is now START + 1 min
        clock.set(BACK);
        scheduler.schedule(TaskSpec.named("held").fixedRate(Duration.ofSeconds(10)).run(() -> {}));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0, scheduler.runPending(), "its first fire, at BACK + 10 s, waits for the clock");
        assertEquals(Optional.of(BACK.plusSeconds(10)), scheduler.nextFireTime("held"));
    }

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    @Test
    void shouldCountTheDueFiresOfAHeldBackTaskAsMissedAtCancel()
    {
        clock.set(BACK.plusSeconds(35)); // BACK + 10, 20 and 30 s came due, not collected
        assertTrue(scheduler.cancel("held"));
        final TaskInfo info = scheduler.task("held").orElseThrow();
        assertEquals(3, info.missed(), info.toString());
        assertEquals(3, scheduler.metrics().missed());
        assertEquals(List.of("held@" + BACK.plusSeconds(10) + "x3"), told);
    }

    @Test
    void shouldCountTheDueFiresOfAHeldBackTaskAsMissedAtReschedule()
    {
        clock.set(BACK.plusSeconds(35));
        assertTrue(scheduler.reschedule("held", TaskSpec.named("held").fixedRate(Duration.ofSeconds(20))));
        assertEquals(3, scheduler.task("held").orElseThrow().missed());
        assertEquals(List.of("held@" + BACK.plusSeconds(10) + "x3"), told);
        assertEquals(Optional.of(BACK.plusSeconds(55)), scheduler.nextFireTime("held"));
        clock.set(BACK.plusSeconds(55));
        assertEquals(1, scheduler.runPending());
        assertEquals(List.of(BACK.plusSeconds(55)), started);
    }

    @Test
    void shouldCountTheDueFiresOfAHeldBackTaskAsMissedAtResume()
    {
        assertTrue(scheduler.pause("held"));
        clock.set(BACK.plusSeconds(35));
        assertTrue(scheduler.resume("held"));
        assertEquals(3, scheduler.task("held").orElseThrow().missed());
        assertEquals(List.of("held@" + BACK.plusSeconds(10) + "x3"), told);
        assertEquals(Optional.of(BACK.plusSeconds(40)), scheduler.nextFireTime("held"));
        clock.set(BACK.plusSeconds(40));
        assertEquals(1, scheduler.runPending());
        assertEquals(List.of(BACK.plusSeconds(40)), started, "the fire after the missed ones, once");
        final TaskInfo info = scheduler.task("held").orElseThrow();
        assertEquals(4, info.runs() + info.missed(), info.toString());
    }
}
