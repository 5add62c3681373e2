package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A clock that fails on the worker threads only (a time service a worker cannot reach) at the moment a run starts:
 * the run is timed from its fire time, the latest instant known to come before its start, for the listeners too.
 */
class FailingClockTest
{
    private final ManualClock clock = new ManualClock(START);
    private final Thread testThread = Thread.currentThread();

    /** Fails on every thread but the test's and the driver's. */
    private final Clock failingOnWorkers = TestClocks.utc(() ->
    {
        final Thread thread = Thread.currentThread();
        if (thread != testThread && !thread.getName().equals("orchestrator-driver"))
        {
            throw new IllegalStateException("time service unreachable from " + thread.getName());
        }
        return clock.instant();
    });

    /**
     * A read of a task looks at the clock to show a paused or skipped task's next runnable fire; a clock that failed
     * there made task(name) and tasks() throw the clock's exception. A read now shows the stored next fire then.
     */
    @Test
    void shouldReadTasksOnAThreadWhereTheClockFails() throws Exception
    {
        try (Scheduler scheduler = Scheduler.builder().clock(failingOnWorkers).zone(ZoneOffset.UTC).build())
        {
            scheduler.registerTask("t", "* * * * *", () -> {});
            final List<Object> read = new CopyOnWriteArrayList<>();
            final Thread reader = new Thread(() ->
            {
                try
                {
                    read.add(scheduler.task("t").orElseThrow().nextFire());
                    read.add(scheduler.tasks().get(0).nextFire());
                }
                catch (final RuntimeException ex)
                {
                    read.add(ex);
                }
            }, "reader");
            reader.start();
            reader.join(10_000);
            assertEquals(List.of(Optional.of(START.plusSeconds(60)), Optional.of(START.plusSeconds(60))), read);
        }
    }

    /**
     * A failing read at a run's start gave the listeners' context a start of 1970-01-01, 56 years before its fire
     * time: a lateness of minus 56 years. It is now the fire time, from which the run's timeout is timed too.
     */
    @Test
    void shouldGiveTheListenersTheFireTimeAsTheStartOfARunWhoseStartTheClockFailedToRead() throws Exception
    {
        final List<FireContext> starts = new CopyOnWriteArrayList<>();
        final Scheduler scheduler = Scheduler.builder().clock(failingOnWorkers).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build();
        try
        {
            scheduler.addListener(new TaskListener()
            {
                @Override
                public void onStart(final FireContext context)
                {
                    starts.add(context);
                }
            });
            scheduler.registerOnce("once", START.plusSeconds(1), () -> {});
            clock.advance(Duration.ofSeconds(3));
            assertEquals(1, scheduler.runPending());
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, starts.size());
            assertEquals(START.plusSeconds(1), starts.get(0).scheduledAt());
            assertEquals(START.plusSeconds(1), starts.get(0).startedAt(), starts.get(0).toString());
        }
        finally
        {
            scheduler.close(Duration.ofSeconds(5));
        }
    }
}
