package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every fire that came due ends as run or missed, whatever the task control did meanwhile: a trigger accepted for a
 * one-time task, a reschedule or a resume with fires due and not yet collected, a coalesced run the dispatcher
 * refused; and a SKIP run stands for the fire it runs.
 */
class FireAccountingTest
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    private TaskInfo info(final Scheduler s, final String name)
    {
        return s.task(name).orElseThrow();
    }

    @Test
    void shouldRunATriggerMadeBeforeAOneTimeTasksFireCameDue()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerOnce("once", START.plusSeconds(10), runs::incrementAndGet);
        assertTrue(scheduler.triggerNow("once"), "accepted: 'true when a live task of that name will run'");
        clock.advance(Duration.ofSeconds(10)); // the one-time fire comes due before the trigger was collected
        scheduler.runPending();
        scheduler.runPending();
        final TaskInfo i = info(scheduler, "once");
        assertEquals(2, runs.get() + i.missed(),
            "the trigger was neither run nor counted: runs=" + runs.get() + " " + i + " " + scheduler.metrics());
        assertEquals(2, runs.get(), "the fire and the trigger ran");
        assertEquals(TaskState.COMPLETED, i.state(), "the one-time task ends after its trigger");
    }

    @Test
    void shouldRunATriggerMadeDuringTheLastRunOfAOneTimeTaskOnAWorker() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(2)).build())
        {
            s.registerOnce("once", START.plusSeconds(10), () -> {
                if (runs.incrementAndGet() == 1)
                {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                }
            });
            clock.advance(Duration.ofSeconds(10));
            assertEquals(1, s.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertTrue(s.triggerNow("once"), "accepted while running: 'as soon as that run ends'");
            release.countDown();
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            s.runPending();
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            final TaskInfo i = info(s, "once");
            assertEquals(2, runs.get() + i.missed(),
                "the trigger was neither run nor counted: runs=" + runs.get() + " " + i + " " + s.metrics());
            assertEquals(2, runs.get(), "the trigger ran after the run it was made in");
            assertEquals(TaskState.COMPLETED, i.state());
        }
    }

    /**
     * A fire collected and queued behind a busy worker, then its task cancelled before the fire started: it does not
     * run, and is counted as missed (and told to the listeners) as the cancel counts the fires it ends.
     */
    @Test
    void shouldCountAQueuedFireOfATaskCancelledBeforeItStartedAsMissed() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        final List<String> missed = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Scheduler s = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build())
        {
            s.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    missed.add(taskName + "@" + scheduledAt + "x" + fires);
                }
            });
            s.registerOnce("busy", START, () ->
            {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            assertEquals(1, s.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            s.registerTask("job", "* * * * *", runs::incrementAndGet);
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, s.runPending(), "job's fire is queued behind busy on the one worker");
            assertTrue(s.cancel("job"));
            release.countDown();
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            final TaskInfo i = info(s, "job");
            assertEquals(0, runs.get());
            assertEquals(TaskState.CANCELLED, i.state());
            assertEquals(1, runs.get() + i.missed(), "the fire was neither run nor counted: " + i);
            assertEquals(List.of("job@" + START.plusSeconds(60) + "x1"), missed);
        }
    }

    @Test
    void shouldRunATriggerOfAOneTimeTaskWhoseFireWasSkipped()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("once").once(START.plusSeconds(10)).misfire(MisfirePolicy.SKIP)
            .run(runs::incrementAndGet));
        assertTrue(scheduler.triggerNow("once"));
        clock.advance(Duration.ofMinutes(10)); // the fire is late: SKIP drops it, and the task ends
        scheduler.runPending();
        scheduler.runPending();
        assertEquals(1, runs.get(), "the accepted trigger never ran: " + info(scheduler, "once"));
        assertEquals(1, info(scheduler, "once").missed(), "the late fire SKIP dropped");
        assertEquals(TaskState.COMPLETED, info(scheduler, "once").state());
    }

    @Test
    void shouldNotLoseACoalescedOneTimeFire() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(2)).build())
        {
            s.registerTask("t", "* * * * *", () -> {
                if (runs.incrementAndGet() == 1)
                {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                }
            });
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, s.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            // "run once more as soon as you are done": a one-time fire now, folded into a run after this one
            assertTrue(s.reschedule("t", TaskSpec.named("t").once(START.plusSeconds(60))
                .overlap(OverlapPolicy.COALESCE)));
            assertEquals(0, s.runPending(), "coalesced behind the running fire");
            release.countDown();
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            s.runPending();
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            final TaskInfo i = info(s, "t");
            assertEquals(2, runs.get() + i.missed(),
                "the coalesced fire was neither run nor counted: runs=" + runs.get() + " " + i + " " + s.metrics());
        }
    }

    @Test
    void shouldCountTheFiresDueBeforeARescheduleAsMissed()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("t", "* * * * *", runs::incrementAndGet);
        clock.advance(Duration.ofMinutes(5)); // five fires came due; the driver is late (busy, GC, suspended)
        assertTrue(scheduler.reschedule("t", TaskSpec.named("t").cron("0 * * * *")));
        scheduler.runPending();
        final TaskInfo i = info(scheduler, "t");
        assertEquals(5, runs.get() + i.missed(),
            "five due fires vanished: runs=" + runs.get() + " " + i + " " + scheduler.metrics());
        assertEquals(5, i.missed());
        assertEquals(5, scheduler.metrics().missed());
    }

    @Test
    void shouldCountAFireParkedWhilePausedAsMissedAtAReschedule()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerOnce("once", START.plusSeconds(10), runs::incrementAndGet);
        scheduler.pause("once");
        clock.advance(Duration.ofSeconds(20));
        scheduler.runPending(); // the fire passed while paused: parked until resume
        assertEquals(Optional.of(START.plusSeconds(10)), scheduler.nextFireTime("once"));
        assertTrue(scheduler.reschedule("once", TaskSpec.named("once").cron("0 * * * *")));
        scheduler.resume("once");
        scheduler.runPending();
        final TaskInfo i = info(scheduler, "once");
        assertEquals(1, runs.get() + i.missed(),
            "the parked fire vanished: runs=" + runs.get() + " " + i + " " + scheduler.metrics());
        assertEquals(1, i.missed());
    }

    @Test
    void shouldNotRunFiresThatCameDueWhilePausedAfterResume()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("r").fixedRate(Duration.ofSeconds(1)).misfire(MisfirePolicy.FIRE_ALL)
            .run(runs::incrementAndGet));
        assertTrue(scheduler.pause("r"));
        clock.advance(Duration.ofSeconds(60)); // 60 fires come due while paused
        assertTrue(scheduler.resume("r"));
        scheduler.runPending();
        final TaskInfo i = info(scheduler, "r");
        assertEquals(0, runs.get(), "fires while paused must never run: " + i);
        assertEquals(60, i.missed(), i.toString());
    }

    @Test
    void shouldCountEveryFireOfARefusedCoalescedRunAsMissed() throws Exception
    {
        final AtomicBoolean refuse = new AtomicBoolean();
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(Dispatcher.of(job -> {
            if (refuse.get())
            {
                throw new RejectedExecutionException("queue full");
            }
            pool.execute(job);
        })).build())
        {
            s.schedule(TaskSpec.named("c").cron("* * * * * *").overlap(OverlapPolicy.COALESCE).run(() -> {
                if (runs.incrementAndGet() == 1)
                {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                }
            }));
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, s.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofSeconds(1));
                s.runPending(); // three fires coalesced behind the running one
            }
            release.countDown();
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            refuse.set(true);
            s.runPending(); // the coalesced run, standing for 3 fires, is refused by the executor
            assertEquals(1, runs.get());
            final TaskInfo i = info(s, "c");
            assertEquals(3, i.missed(), "a refused run standing for 3 fires: " + i + " " + s.metrics());
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldGiveASkipRunTheFireTimeOfTheOnTimeFire()
    {
        final List<Instant> ran = new ArrayList<>();
        final List<String> missed = new ArrayList<>();
        try (Scheduler s = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).recordTimings(true).build())
        {
            s.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    missed.add(scheduledAt + " x" + fires);
                }
            });
            s.schedule(TaskSpec.named("skip").fixedRate(Duration.ofSeconds(10)).misfire(MisfirePolicy.SKIP)
                .run(ctx -> ran.add(ctx.scheduledAt())));
            clock.advance(Duration.ofMillis(30_500)); // fires at 10, 20, 30; only 30 is within the 1 s threshold
            assertEquals(1, s.runPending());
            assertEquals(List.of(START.plusSeconds(30)), ran,
                "SKIP: 'do not run late'; the fire within the threshold runs, the older ones are missed");
            assertEquals(List.of(START.plusSeconds(10) + " x2"), missed, "the first missed fire is 10 s");
            assertTrue(s.metrics().totalLateness().compareTo(Duration.ofSeconds(1)) <= 0,
                "a SKIP run is never later than the threshold, lateness was " + s.metrics().totalLateness());
        }
    }

    /** Listeners hear of the fires a resume or a reschedule counts as missed, as of those a collection counts. */
    @Test
    void shouldTellListenersOfTheFiresAResumeOrARescheduleCountsAsMissed()
    {
        final List<String> missed = new ArrayList<>();
        scheduler.addListener(new TaskListener()
        {
            @Override
            public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
            {
                missed.add(taskName + " " + scheduledAt + " x" + fires);
            }
        });
        scheduler.registerTask("paused", "* * * * *", () -> { });
        scheduler.registerTask("moved", "* * * * *", () -> { });
        assertTrue(scheduler.pause("paused"));
        clock.advance(Duration.ofMinutes(3));
        assertTrue(scheduler.resume("paused"));
        assertTrue(scheduler.reschedule("moved", TaskSpec.named("moved").cron("0 * * * *")));
        assertEquals(List.of("paused " + START.plusSeconds(60) + " x3", "moved " + START.plusSeconds(60) + " x3"),
            missed);
        assertEquals(0, scheduler.runPending(), "nothing of theirs is due any more");
        assertEquals(Optional.of(START.plusSeconds(240)), scheduler.nextFireTime("paused"));
    }

    /**
     * A cancel ends a task's fires: those that came due and were not collected yet, and a run still pending for it (a
     * trigger), are counted as missed with the reason "cancelled", as a reschedule counts the fires it replaces. They
     * were dropped uncounted: missed 0 for the three due fires, and nothing for the trigger.
     */
    @Test
    void shouldCountTheFiresDueAndTheRunsPendingAtCancelAsMissed()
    {
        final List<String> told = new ArrayList<>();
        scheduler.addListener(new TaskListener()
        {
            @Override
            public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
            {
                told.add(taskName + "@" + scheduledAt + "x" + fires);
            }
        });
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("minute", "* * * * *", runs::incrementAndGet);
        scheduler.registerOnce("later", START.plus(Duration.ofDays(1)), runs::incrementAndGet);
        clock.advance(Duration.ofMinutes(3).plusSeconds(30)); // 00:01, 00:02 and 00:03 came due, not collected
        assertTrue(scheduler.triggerNow("later"));
        assertTrue(scheduler.cancel("minute"));
        assertTrue(scheduler.cancel("later"));
        assertEquals(0, scheduler.runPending());
        assertEquals(0, runs.get());
        assertEquals(3, info(scheduler, "minute").missed(), info(scheduler, "minute").toString());
        assertEquals(1, info(scheduler, "later").missed(), info(scheduler, "later").toString());
        assertEquals(4, scheduler.metrics().missed());
        assertEquals(List.of("minute@" + START.plusSeconds(60) + "x3", "later@" + START.plusSeconds(210) + "x1"), told);
        assertEquals(TaskState.CANCELLED, info(scheduler, "minute").state());
    }

    /**
     * A cancel during a fireAll catch-up ends the runs it had left: those fires came due and do not run, so they are
     * counted as missed, with the reason "cancelled". They were dropped uncounted: runs 1, missed 0 for three fires.
     */
    @Test
    void shouldCountTheCatchUpRunsACancelEndsAsMissed()
    {
        final List<Instant> ran = new ArrayList<>();
        scheduler.schedule(TaskSpec.named("all").fixedRate(Duration.ofSeconds(10)).misfire(MisfirePolicy.FIRE_ALL)
            .run(context -> {
                ran.add(context.scheduledAt());
                scheduler.cancel("all");
            }));
        clock.advance(Duration.ofSeconds(35)); // fires at 10, 20 and 30 s passed
        assertEquals(1, scheduler.runPending());
        assertEquals(List.of(START.plusSeconds(10)), ran);
        final TaskInfo info = info(scheduler, "all");
        assertEquals(TaskState.CANCELLED, info.state());
        assertEquals(1, info.runs());
        assertEquals(2, info.missed(), "the two runs the cancel ended: " + info);
        assertEquals(2, scheduler.metrics().missed());
    }
}
