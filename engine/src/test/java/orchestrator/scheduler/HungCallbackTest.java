package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A callback that never returns must cost the scheduler one worker, not the tasks whose runs happen to be queued
 * behind it: the other worker keeps every healthy task on time. Public API only, virtual clock, no sleeps.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HungCallbackTest
{
    private static final int HEALTHY = 100;
    private static final int TICKS = 9;
    private static final String EVERY_SECOND = "* * * * * *";

    private final ManualClock clock = new ManualClock(START);

    @Test
    void shouldKeepHealthyTasksOnTimeWhileOneCallbackHangs() throws Exception
    {
        final CountDownLatch hungEntered = new CountDownLatch(1);
        final CountDownLatch releaseHung = new CountDownLatch(1);
        final Semaphore healthyRuns = new Semaphore(0);
        try (Scheduler scheduler = Scheduler.builder()
            .clock(clock).zone(ZoneOffset.UTC).dispatcher(Dispatcher.withWorkers(2)).build())
        {
            try
            {
                scheduler.registerTask("hung", EVERY_SECOND, () -> {
                    hungEntered.countDown();
                    Latches.awaitUninterruptibly(releaseHung);
                });
                for (int i = 0; i < HEALTHY; i++)
                {
                    scheduler.registerTask("healthy-" + i, EVERY_SECOND, healthyRuns::release);
                }
                for (int tick = 1; tick <= TICKS; tick++)
                {
                    clock.advance(Duration.ofSeconds(1));
                    scheduler.runPending();
                    if (!healthyRuns.tryAcquire(HEALTHY, 10, TimeUnit.SECONDS))
                    {
                        fail("tick " + tick + ": only " + healthyRuns.availablePermits() + " of " + HEALTHY +
                            " healthy callbacks ran; still RUNNING: " + stillRunning(scheduler));
                    }
                    awaitRecordedRuns(scheduler, tick);
                    if (tick == 1)
                    {
                        assertTrue(hungEntered.await(10, TimeUnit.SECONDS), "the hung callback started");
                    }
                }
                for (final TaskInfo info : scheduler.tasks())
                {
                    if (info.name().startsWith("healthy-"))
                    {
                        assertEquals(TICKS, info.runs(), info.name());
                        assertEquals(0, info.missed(), info.name());
                    }
                }
                final TaskInfo hung = SchedulerTest.info(scheduler, "hung");
                assertEquals(TaskState.RUNNING, hung.state());
                assertEquals(TICKS - 1, hung.missed(), "every fire after the first found the hung run still going");
            }
            finally
            {
                releaseHung.countDown();
            }
        }
    }

    /**
     * A worker hands a run's completion back just after its callback returns, and the public API has no signal for
     * it while another callback is running (awaitIdle waits for all of them), so re-read the snapshot, which records
     * completions, until it shows every healthy run of this tick; the callbacks have already run, so this is short.
     */
    private static void awaitRecordedRuns(final Scheduler scheduler, final int tick)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (countRecorded(scheduler.tasks(), tick) < HEALTHY)
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("tick " + tick + ": the healthy runs were not recorded; still RUNNING: " + stillRunning(scheduler));
            }
            Thread.yield();
        }
    }

    private static int countRecorded(final List<TaskInfo> infos, final int tick)
    {
        int recorded = 0;
        for (final TaskInfo info : infos)
        {
            if (info.name().startsWith("healthy-") && info.runs() == tick && info.state() == TaskState.SCHEDULED)
            {
                recorded++;
            }
        }
        return recorded;
    }

    private static long stillRunning(final Scheduler scheduler)
    {
        return scheduler.tasks().stream()
            .filter(info -> info.name().startsWith("healthy-") && info.state() == TaskState.RUNNING).count();
    }

}
