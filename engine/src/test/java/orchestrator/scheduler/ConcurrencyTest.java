package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.SchedulerTest.START;
import static orchestrator.scheduler.SchedulerTest.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guarantees that involve more than one thread, each driven to the interleaving that matters with latches and the
 * virtual clock (no sleeps).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrencyTest
{
    private final ManualClock clock = new ManualClock(START);

    /** A callback that reports entry, counts how many threads are inside it, and waits to be released. */
    static final class BlockingCallback implements Runnable
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger maxActive = new AtomicInteger();
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public void run()
        {
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
            runs.incrementAndGet();
            entered.countDown();
            try
            {
                release.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            finally
            {
                active.decrementAndGet();
            }
        }
    }

    private Scheduler scheduler(final Dispatcher dispatcher)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(dispatcher).build();
    }

    @Test
    void shouldNeverRunATaskOnTwoThreadsWhenSeveralThreadsCallRunPending() throws Exception
    {
        try (Scheduler scheduler = scheduler(new Dispatcher()))
        {
            final BlockingCallback callback = new BlockingCallback();
            scheduler.registerTask("slow", "* * * * *", callback);
            clock.advance(Duration.ofMinutes(1));
            final Thread first = new Thread(scheduler::runPending);
            first.start();
            assertTrue(callback.entered.await(10, TimeUnit.SECONDS));

            clock.advance(Duration.ofMinutes(1)); // the next fire comes due while the first run is still going
            assertEquals(0, scheduler.runPending());

            callback.release.countDown();
            first.join();
            assertEquals(1, callback.maxActive.get());
            final TaskInfo info = info(scheduler, "slow");
            assertEquals(1, info.runs());
            assertEquals(1, info.missed(), "the overlapping fire is dropped and counted");
        }
    }

    @Test
    void shouldNeverRunATaskOnTwoWorkersAtOnce() throws Exception
    {
        try (Scheduler scheduler = scheduler(Dispatcher.withWorkers(4)))
        {
            final BlockingCallback callback = new BlockingCallback();
            scheduler.registerTask("slow", "* * * * *", callback);
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(callback.entered.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofMinutes(1));
                assertEquals(0, scheduler.runPending());
            }
            assertFalse(scheduler.awaitIdle(Duration.ofMillis(1)));
            callback.release.countDown();
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));

            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, callback.maxActive.get());
            final TaskInfo info = info(scheduler, "slow");
            assertEquals(2, info.runs());
            assertEquals(3, info.missed());
            assertEquals(TaskState.SCHEDULED, info.state());
        }
    }

    /**
     * A task cancelled during its run on a worker and registered again under the same name: the new task's fire that
     * comes due while the old run goes on is not started on another worker. Under SKIP it is dropped and counted as
     * missed; the next fire after the old run ends runs.
     */
    @Test
    void shouldNotRunANameOnTwoWorkersWhenItIsRegisteredAgainDuringItsCancelledRun() throws Exception
    {
        try (Scheduler scheduler = scheduler(Dispatcher.withWorkers(2)))
        {
            final BlockingCallback old = new BlockingCallback();
            final AtomicInteger overlapped = new AtomicInteger();
            final AtomicInteger newRuns = new AtomicInteger();
            scheduler.registerTask("job", "* * * * *", old);
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(old.entered.await(10, TimeUnit.SECONDS));
            assertTrue(scheduler.cancel("job"));
            scheduler.registerTask("job", "* * * * *", () ->
            {
                overlapped.addAndGet(old.active.get());
                newRuns.incrementAndGet();
            });

            clock.advance(Duration.ofMinutes(1)); // the new task's first fire, while the old run is still going
            final int started = scheduler.runPending();
            old.release.countDown();
            assertEquals(0, started, "no fire of 'job' starts while its old run goes on");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending(), "the old run has ended: the new task runs");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));

            assertEquals(0, overlapped.get(), "the new task ran while the old run was inside its callback");
            assertEquals(1, newRuns.get());
            final TaskInfo info = info(scheduler, "job");
            assertEquals(1, info.runs());
            assertEquals(1, info.missed(), "the overlapping fire is dropped and counted, as for one task");
        }
    }

    /**
     * As above under COALESCE, with a trigger too: the new task's fire and trigger that came during the old run are
     * run once, right after the old run ends.
     */
    @Test
    void shouldCoalesceTheFiresOfANameRegisteredAgainDuringItsCancelledRun() throws Exception
    {
        try (Scheduler scheduler = scheduler(Dispatcher.withWorkers(2)))
        {
            final BlockingCallback old = new BlockingCallback();
            final AtomicInteger overlapped = new AtomicInteger();
            final AtomicInteger fires = new AtomicInteger();
            scheduler.registerTask("job", "* * * * *", old);
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertTrue(old.entered.await(10, TimeUnit.SECONDS));
            assertTrue(scheduler.cancel("job"));
            scheduler.schedule(TaskSpec.named("job").cron("* * * * *").overlap(OverlapPolicy.COALESCE).run(context ->
            {
                overlapped.addAndGet(old.active.get());
                fires.addAndGet((int)context.fires());
            }));

            assertTrue(scheduler.triggerNow("job"));
            clock.advance(Duration.ofMinutes(1));
            final int started = scheduler.runPending();
            old.release.countDown();
            assertEquals(0, started, "no fire of 'job' starts while its old run goes on");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, scheduler.runPending(), "the coalesced run, once the old run has ended");
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));

            assertEquals(0, overlapped.get(), "the new task ran while the old run was inside its callback");
            assertEquals(2, fires.get(), "one run stands for the trigger and the fire");
            final TaskInfo info = info(scheduler, "job");
            assertEquals(1, info.runs());
            assertEquals(0, info.missed());
        }
    }

    @Test
    void shouldAnswerReadsWhileACallbackIsRunning() throws Exception
    {
        try (Scheduler scheduler = scheduler(new Dispatcher()))
        {
            final BlockingCallback callback = new BlockingCallback();
            scheduler.registerTask("slow", "* * * * *", callback);
            clock.advance(Duration.ofMinutes(1));
            final Thread runner = new Thread(scheduler::runPending);
            runner.start();
            assertTrue(callback.entered.await(10, TimeUnit.SECONDS));

            // these must return while the callback is blocked (the class-level timeout fails the test otherwise)
            assertEquals(TaskState.RUNNING, info(scheduler, "slow").state());
            assertTrue(scheduler.nextFireTime("slow").isPresent());
            scheduler.registerTask("other", "* * * * *", () -> {});
            assertTrue(scheduler.cancel("other"));

            callback.release.countDown();
            runner.join();
            assertEquals(TaskState.SCHEDULED, info(scheduler, "slow").state());
        }
    }

    @Test
    void shouldLetACallbackOnAWorkerRegisterTasks() throws Exception
    {
        try (Scheduler scheduler = scheduler(Dispatcher.withWorkers(2)))
        {
            final AtomicInteger childRuns = new AtomicInteger();
            scheduler.registerOnce("parent", START, () -> {
                for (int i = 0; i < 100; i++)
                {
                    scheduler.registerTask("child-" + i, "* * * * *", childRuns::incrementAndGet);
                }
            });
            assertEquals(1, scheduler.runPending());
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(100, scheduler.runPending());
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(100, childRuns.get());
        }
    }

    @Test
    void shouldFireFromTheDriverThreadWhenTheClockMoves() throws Exception
    {
        try (Scheduler scheduler = scheduler(new Dispatcher()))
        {
            final java.util.concurrent.Semaphore fired = new java.util.concurrent.Semaphore(0);
            scheduler.registerTask("minute", "* * * * *", fired::release);
            scheduler.start();
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofMinutes(1));
                assertTrue(fired.tryAcquire(10, TimeUnit.SECONDS), "fire " + i);
            }
            assertEquals(0, info(scheduler, "minute").missed());
        }
    }

    @Test
    void shouldRunWhatTheDispatcherAcceptedBeforeClose() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        final Scheduler scheduler = scheduler(Dispatcher.withWorkers(2));
        for (int i = 0; i < 1000; i++)
        {
            scheduler.registerOnce("once-" + i, START, runs::incrementAndGet);
        }
        assertEquals(1000, scheduler.runPending());
        scheduler.close();
        assertEquals(1000, runs.get());
    }
}
