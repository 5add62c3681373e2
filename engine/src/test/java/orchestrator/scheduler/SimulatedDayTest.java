package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 10,000 one-minute cron tasks driven through a simulated day, minute by minute, with worker dispatch: every one of
 * the 14.4 million fires is accounted for as run or missed. On odd minutes the clock moves on before the workers have
 * drained, so some fires meet a run still queued and are dropped as missed; on even minutes they catch up.
 */
class SimulatedDayTest
{
    private static final int TASKS = 10_000;
    private static final int MINUTES = 24 * 60;

    @Test
    void shouldAccountForEveryFireOfADay() throws Exception
    {
        final ManualClock clock = new ManualClock(START);
        final LongAdder calls = new LongAdder();
        final Runnable callback = calls::increment;
        try (Scheduler scheduler = Scheduler.builder()
            .clock(clock).zone(ZoneOffset.UTC).dispatcher(Dispatcher.withWorkers(2)).build())
        {
            for (int i = 0; i < TASKS; i++)
            {
                scheduler.registerTask("task-" + i, "* * * * *", callback);
            }
            long dispatched = 0;
            for (int minute = 0; minute < MINUTES; minute++)
            {
                clock.advance(Duration.ofMinutes(1));
                dispatched += scheduler.runPending();
                if (minute % 2 == 0)
                {
                    assertTrue(scheduler.awaitIdle(Duration.ofMinutes(1))); // even minutes: the workers catch up
                }
            }
            assertTrue(scheduler.awaitIdle(Duration.ofMinutes(1)));

            final List<TaskInfo> tasks = scheduler.tasks();
            assertEquals(TASKS, tasks.size());
            long runs = 0;
            long missed = 0;
            for (final TaskInfo task : tasks)
            {
                assertEquals(MINUTES, task.runs() + task.missed(), task.name());
                runs += task.runs();
                missed += task.missed();
            }
            assertEquals((long)TASKS * MINUTES, runs + missed);
            assertEquals(dispatched, runs);
            assertEquals(runs, calls.sum());
            System.out.printf("simulated day: %,d fires, %,d run, %,d missed%n", runs + missed, runs, missed);
        }
    }
}
