package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runs of a {@code fireAll} catch-up that a close stopped before they started end as missed: counted in
 * {@link TaskInfo#missed()} and in the metrics, and told to the listeners, like every other fire that does not run.
 */
class CutShortRunsTest
{
    private final ManualClock clock = new ManualClock(START);
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final AtomicInteger toldFires = new AtomicInteger();

    private Scheduler scheduler(final Dispatcher dispatcher)
    {
        final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(dispatcher)
            .build();
        scheduler.addListener(new TaskListener()
        {
            @Override
            public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
            {
                told.add(taskName + "@" + scheduledAt + "x" + fires);
                toldFires.addAndGet((int)fires);
            }
        });
        return scheduler;
    }

    /**
     * A close from the first run of a catch-up gives up on its own callback: the four runs left are counted missed
     * (missed 9), as documented, and the listeners hear of all nine, not only of the five the misfire policy dropped.
     */
    @Test
    void shouldTellListenersOfTheRunsOfACatchUpThatACloseStopped()
    {
        final Scheduler scheduler = scheduler(new Dispatcher());
        final AtomicInteger runs = new AtomicInteger();
        final AtomicBoolean closedInTime = new AtomicBoolean(true);
        scheduler.schedule(TaskSpec.named("catch-up").fixedRate(Duration.ofSeconds(1))
            .misfire(MisfirePolicy.fireAll(5)).run(() -> {
                runs.incrementAndGet();
                closedInTime.set(scheduler.close(Duration.ofSeconds(1)));
            }));
        clock.advance(Duration.ofSeconds(10));
        scheduler.runPending();
        final TaskInfo info = scheduler.task("catch-up").orElseThrow();
        assertEquals(1, runs.get());
        assertFalse(closedInTime.get(), "its own callback was still running");
        assertEquals(10, info.runs() + info.missed(), info.toString());
        assertEquals(9, scheduler.metrics().missed());
        assertEquals(info.missed(), toldFires.get(), "the listeners hear every fire TaskInfo counts missed: " + told);
        assertTrue(told.contains("catch-up@" + START.plusSeconds(2) + "x4"), told.toString());
    }
}
