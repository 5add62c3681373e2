package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskControlTest
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    private TaskInfo info(final String name)
    {
        return scheduler.task(name).orElseThrow();
    }

    @Test
    void shouldAnswerFalseForAnUnknownTask()
    {
        assertFalse(scheduler.pause("nope"));
        assertFalse(scheduler.resume("nope"));
        assertFalse(scheduler.triggerNow("nope"));
        assertFalse(scheduler.reschedule("nope", TaskSpec.named("nope").cron("* * * * *")));
        scheduler.registerTask("gone", "* * * * *", () -> {});
        scheduler.cancel("gone");
        assertFalse(scheduler.pause("gone"));
        assertFalse(scheduler.triggerNow("gone"));
    }

    @Test
    void shouldCountFiresWhilePausedAsMissedAndRunAgainAfterResume()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("minute", "* * * * *", runs::incrementAndGet);
        assertTrue(scheduler.pause("minute"));
        assertTrue(scheduler.pause("minute"), "idempotent");
        assertEquals(TaskState.PAUSED, info("minute").state());
        for (int i = 0; i < 3; i++)
        {
            clock.advance(Duration.ofMinutes(1));
            assertEquals(0, scheduler.runPending());
        }
        assertEquals(0, runs.get());
        assertEquals(3, info("minute").missed());
        assertEquals(Optional.of(START.plusSeconds(240)), scheduler.nextFireTime("minute"), "keeps its schedule");
        assertTrue(scheduler.resume("minute"));
        assertEquals(TaskState.SCHEDULED, info("minute").state());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(1, scheduler.runPending());
        assertEquals(1, runs.get());
        assertEquals(3, info("minute").missed());
    }

    @Test
    void shouldHoldAOneTimeFirePassedWhilePausedUntilResume()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerOnce("once", START.plusSeconds(10), runs::incrementAndGet);
        scheduler.pause("once");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(0, scheduler.runPending());
        assertEquals(TaskState.PAUSED, info("once").state(), "not completed: it has not run");
        assertEquals(0, info("once").missed());
        scheduler.resume("once");
        assertEquals(1, scheduler.runPending(), "FIRE_ONCE runs the late fire at resume");
        assertEquals(1, runs.get());
        assertEquals(TaskState.COMPLETED, info("once").state());
    }

    @Test
    void shouldCountAOneTimeFirePassedWhilePausedAsMissedUnderSkip()
    {
        scheduler.schedule(TaskSpec.named("once").once(START.plusSeconds(10)).misfire(MisfirePolicy.SKIP)
            .run(() -> {}));
        scheduler.pause("once");
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        scheduler.resume("once");
        assertEquals(0, scheduler.runPending());
        assertEquals(1, info("once").missed());
        assertEquals(TaskState.COMPLETED, info("once").state());
    }

    @Test
    void shouldCountFixedDelayFiresWhilePausedAsMissed()
    {
        scheduler.schedule(TaskSpec.named("delay").fixedDelay(Duration.ofSeconds(10)).run(() -> {}));
        scheduler.pause("delay");
        for (int i = 0; i < 3; i++)
        {
            clock.advance(Duration.ofSeconds(10));
            scheduler.runPending();
        }
        assertEquals(3, info("delay").missed());
        scheduler.resume("delay");
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, scheduler.runPending());
    }

    /**
     * A paused task's fires that passed with no collection never run (a collection or the resume counts them as
     * missed): the next fire shown is the first after now, the one that then fires, not a passed one.
     */
    @Test
    void shouldShowAPausedTaskTheNextFireThatCanRunNotAPassedOne()
    {
        final AtomicInteger rateRuns = new AtomicInteger();
        final AtomicInteger delayRuns = new AtomicInteger();
        scheduler.schedule(TaskSpec.named("rate").fixedRate(Duration.ofSeconds(10)).run(rateRuns::incrementAndGet));
        scheduler.schedule(TaskSpec.named("delay").fixedDelay(Duration.ofSeconds(10)).run(delayRuns::incrementAndGet));
        scheduler.registerTask("minute", "* * * * *", () -> {});
        scheduler.pause("rate");
        scheduler.pause("delay");
        scheduler.pause("minute");
        clock.advance(Duration.ofSeconds(45));
        assertEquals(Optional.of(START.plusSeconds(50)), scheduler.nextFireTime("rate"));
        assertEquals(Optional.of(START.plusSeconds(50)), info("rate").nextFire());
        assertEquals(Optional.of(START.plusSeconds(55)), scheduler.nextFireTime("delay"), "a delay after now");
        assertEquals(Optional.of(START.plusSeconds(60)), scheduler.nextFireTime("minute"), "not yet passed");
        clock.advance(Duration.ofSeconds(30)); // 75 s
        for (final TaskInfo info : scheduler.tasks())
        {
            assertTrue(info.nextFire().orElseThrow().isAfter(clock.instant()), info.toString());
        }
        assertEquals(Optional.of(START.plusSeconds(120)), info("minute").nextFire());
        scheduler.resume("rate");
        scheduler.resume("delay");
        assertEquals(Optional.of(START.plusSeconds(80)), scheduler.nextFireTime("rate"), "as resume filed it");
        assertEquals(Optional.of(START.plusSeconds(85)), scheduler.nextFireTime("delay"), "as resume filed it");
        assertEquals(7, info("rate").missed());
        clock.advance(Duration.ofSeconds(10)); // 85 s
        assertEquals(2, scheduler.runPending());
        assertEquals(1, rateRuns.get());
        assertEquals(1, delayRuns.get());
    }

    @Test
    void shouldTriggerOneExtraRunWithoutMovingTheSchedule()
    {
        final List<FireContext> contexts = new ArrayList<>();
        scheduler.schedule(TaskSpec.named("hourly").cron("0 * * * *").run(contexts::add));
        clock.advance(Duration.ofMinutes(5));
        assertTrue(scheduler.triggerNow("hourly"));
        assertEquals(1, scheduler.runPending());
        assertEquals(0, scheduler.runPending(), "one extra run only");
        assertEquals(1, contexts.size());
        assertEquals(START.plusSeconds(300), contexts.get(0).scheduledAt());
        assertEquals(1, contexts.get(0).fires());
        assertEquals(Optional.of(START.plusSeconds(3600)), scheduler.nextFireTime("hourly"));
        assertEquals(1, info("hourly").runs());
    }

    @Test
    void shouldMergeTriggersMadeBeforeTheNextRunPending()
    {
        final List<FireContext> contexts = new ArrayList<>();
        scheduler.schedule(TaskSpec.named("t").cron("0 * * * *").run(contexts::add));
        scheduler.triggerNow("t");
        scheduler.triggerNow("t");
        assertEquals(1, scheduler.runPending());
        assertEquals(1, contexts.size());
        assertEquals(2, contexts.get(0).fires());
    }

    /**
     * A coalesced run stands for fires of the schedule that came due during the run before it; a pause before it
     * starts counts those fires as missed (reason paused, told to the listeners), as for any fire of a paused task.
     */
    @Test
    void shouldNotStartACoalescedRunOfATaskPausedBeforeItsRunEnded()
    {
        final List<Runnable> held = new ArrayList<>();
        final List<String> missed = new ArrayList<>();
        final AtomicInteger runs = new AtomicInteger();
        final Scheduler s = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(Dispatcher.of(held::add))
            .build();
        try
        {
            s.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    missed.add(taskName + " " + scheduledAt + " x" + fires);
                }
            });
            s.schedule(TaskSpec.named("c").cron("* * * * * *").overlap(OverlapPolicy.COALESCE)
                .run(runs::incrementAndGet));
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, s.runPending());
            clock.advance(Duration.ofSeconds(1));
            assertEquals(0, s.runPending(), "the fire at 2s is coalesced: the run of 1s is going");
            assertTrue(s.pause("c"));
            held.remove(0).run();
            s.runPending();
            assertEquals(List.of(), held, "a paused task starts no coalesced run");
            final TaskInfo info = s.task("c").orElseThrow();
            assertEquals(1, runs.get());
            assertEquals(1, info.missed(), "the coalesced fire is counted missed: " + info);
            assertEquals(TaskState.PAUSED, info.state());
            assertEquals(List.of("c " + START.plusSeconds(2) + " x1"), missed);
        }
        finally
        {
            while (!held.isEmpty())
            {
                held.remove(0).run(); // a run started by mistake ends, so that close does not wait for it
            }
            s.close();
        }
    }

    @Test
    void shouldRunATriggerMadeBeforeAPauseButNotTheFiresCoalescedWithIt()
    {
        final List<Runnable> held = new ArrayList<>();
        final List<FireContext> contexts = new ArrayList<>();
        final Scheduler s = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(Dispatcher.of(held::add))
            .build();
        try
        {
            s.schedule(TaskSpec.named("c").cron("* * * * * *").overlap(OverlapPolicy.COALESCE).run(contexts::add));
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, s.runPending());
            clock.advance(Duration.ofSeconds(2));
            assertEquals(0, s.runPending(), "the fires at 2s and 3s are coalesced: the run of 1s is going");
            assertTrue(s.triggerNow("c"));
            assertTrue(s.pause("c"));
            held.remove(0).run();
            assertEquals(1, s.runPending(), "the trigger runs the paused task");
            held.remove(0).run();
            assertEquals(2, contexts.size());
            assertEquals(1, contexts.get(1).fires(), "the triggered run stands for the trigger alone");
            assertEquals(START.plusSeconds(3), contexts.get(1).scheduledAt());
            final TaskInfo info = s.task("c").orElseThrow();
            assertEquals(2, info.missed(), "the coalesced fires are counted missed: " + info);
            assertEquals(TaskState.PAUSED, info.state());
        }
        finally
        {
            while (!held.isEmpty())
            {
                held.remove(0).run();
            }
            s.close();
        }
    }

    @Test
    void shouldRunATriggeredPausedTask()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("p", "0 * * * *", runs::incrementAndGet);
        scheduler.pause("p");
        scheduler.triggerNow("p");
        assertEquals(1, scheduler.runPending());
        assertEquals(1, runs.get());
        assertEquals(TaskState.PAUSED, info("p").state(), "still paused after the triggered run");
    }

    @Test
    void shouldRescheduleKeepingCountersAndCallback()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("job", "* * * * *", runs::incrementAndGet);
        clock.advance(Duration.ofMinutes(3).plusSeconds(1)); // 1 run, 2 missed under FIRE_ONCE
        scheduler.runPending();
        assertEquals(1, info("job").runs());
        assertEquals(2, info("job").missed());
        assertTrue(scheduler.reschedule("job", TaskSpec.named("job").fixedRate(Duration.ofSeconds(10))));
        assertEquals("fixedRate PT10S", info("job").schedule());
        assertEquals(Optional.of(clock.instant().plusSeconds(10)), scheduler.nextFireTime("job"));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, scheduler.runPending());
        assertEquals(2, runs.get(), "the old callback is kept");
        assertEquals(2, info("job").runs());
        assertEquals(2, info("job").missed());
    }

    @Test
    void shouldRescheduleWithANewCallbackAndHandler()
    {
        final List<String> received = new ArrayList<>();
        scheduler.registerHandler("echo", b -> received.add(new String(b, StandardCharsets.UTF_8)));
        final AtomicInteger old = new AtomicInteger();
        scheduler.registerTask("job", "* * * * *", old::incrementAndGet);
        assertTrue(scheduler.reschedule("job", TaskSpec.named("job").cron("*/2 * * * *")
            .handler("echo", "new".getBytes(StandardCharsets.UTF_8))));
        clock.advance(Duration.ofMinutes(2));
        assertEquals(1, scheduler.runPending());
        assertEquals(0, old.get());
        assertEquals(List.of("new"), received);
    }

    @Test
    void shouldRefuseARescheduleNamingAnotherTask()
    {
        scheduler.registerTask("a", "* * * * *", () -> {});
        final String message = assertThrows(IllegalArgumentException.class,
            () -> scheduler.reschedule("a", TaskSpec.named("b").cron("* * * * *"))).getMessage();
        assertTrue(message.contains("'a'") && message.contains("'b'"), message);
        assertThrows(IllegalArgumentException.class, () -> scheduler.reschedule("a", TaskSpec.named("a")));
        assertEquals("* * * * *", info("a").schedule());
    }

    @Test
    void shouldKeepAPausedTaskPausedAcrossReschedule()
    {
        scheduler.registerTask("a", "* * * * *", () -> {});
        scheduler.pause("a");
        scheduler.reschedule("a", TaskSpec.named("a").fixedRate(Duration.ofSeconds(1)));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(0, scheduler.runPending());
        assertEquals(1, info("a").missed());
    }

    @Test
    void shouldLetCallbacksControlTasks()
    {
        final AtomicInteger other = new AtomicInteger();
        final AtomicInteger self = new AtomicInteger();
        scheduler.registerTask("other", "0 * * * *", other::incrementAndGet);
        scheduler.registerTask("controller", "* * * * *", () -> {
            self.incrementAndGet();
            scheduler.triggerNow("other");
            scheduler.pause("controller");
            scheduler.reschedule("other", TaskSpec.named("other").cron("0 0 * * *"));
        });
        clock.advance(Duration.ofMinutes(1));
        assertEquals(2, scheduler.runPending(), "the controller, then the triggered task in the same call");
        assertEquals(1, self.get());
        assertEquals(1, other.get());
        assertEquals(TaskState.PAUSED, info("controller").state());
        assertEquals("0 0 * * *", info("other").schedule());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(0, scheduler.runPending());
        assertEquals(1, info("controller").missed());
    }

    /**
     * Deterministic interleaving: the trigger arrives while the run is going on a worker; the extra run must wait
     * for that run to end (never two at once) and then run by itself.
     */
    @Test
    void shouldRunATriggerMadeDuringARunOnlyAfterItEnds() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler workers = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(2)).build())
        {
            workers.registerTask("t", "0 * * * *", () -> {
                maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                if (runs.incrementAndGet() == 1)
                {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                }
                running.decrementAndGet();
            });
            assertTrue(workers.triggerNow("t"));
            assertEquals(1, workers.runPending());
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertTrue(workers.triggerNow("t"), "accepted while running");
            assertEquals(0, workers.runPending(), "not started while the first run goes on");
            release.countDown();
            assertTrue(workers.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, workers.runPending(), "the pending trigger runs once the first run ended");
            assertTrue(workers.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(2, runs.get());
            assertEquals(1, maxRunning.get());
            assertEquals(2, workers.task("t").orElseThrow().runs());
        }
    }

    /**
     * Deterministic interleaving: pause arrives while the run is going; the completion must leave the task PAUSED,
     * not SCHEDULED, and its next fire must count as missed.
     */
    @Test
    void shouldStayPausedWhenPausedDuringARun() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (Scheduler workers = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build())
        {
            workers.registerTask("t", "* * * * *", () -> {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            clock.advance(Duration.ofMinutes(1));
            workers.runPending();
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertTrue(workers.pause("t"));
            assertEquals(TaskState.RUNNING, workers.task("t").orElseThrow().state());
            release.countDown();
            assertTrue(workers.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(TaskState.PAUSED, workers.task("t").orElseThrow().state());
            clock.advance(Duration.ofMinutes(1));
            assertEquals(0, workers.runPending());
            assertEquals(1, workers.task("t").orElseThrow().missed());
        }
    }

    /**
     * Deterministic interleaving: reschedule arrives while the old callback runs on a worker; that run finishes with
     * the old callback and is counted, and the next fire follows the new schedule with the new callback.
     */
    @Test
    void shouldFinishARunWithTheOldCallbackWhenRescheduledDuringIt() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger oldRuns = new AtomicInteger();
        final AtomicInteger newRuns = new AtomicInteger();
        try (Scheduler workers = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build())
        {
            workers.registerTask("t", "* * * * *", () -> {
                oldRuns.incrementAndGet();
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            clock.advance(Duration.ofMinutes(1));
            workers.runPending();
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertTrue(workers.reschedule("t", TaskSpec.named("t").fixedRate(Duration.ofSeconds(5))
                .run(() -> newRuns.incrementAndGet())));
            assertEquals(Optional.of(START.plusSeconds(65)), workers.nextFireTime("t"));
            release.countDown();
            assertTrue(workers.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(TaskState.SCHEDULED, workers.task("t").orElseThrow().state());
            clock.advance(Duration.ofSeconds(5));
            assertEquals(1, workers.runPending());
            assertTrue(workers.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, oldRuns.get());
            assertEquals(1, newRuns.get());
            assertEquals(2, workers.task("t").orElseThrow().runs(), "counters kept across the reschedule");
        }
    }

    /**
     * Deterministic interleaving: a reschedule to a fixed delay arrives while a run goes on a worker. A fixed delay
     * counts from the end of a run, so no fire is due while that run goes (none is missed as an overlap): the next is
     * filed a delay after the run ends.
     */
    @Test
    void shouldFileAFixedDelayGivenDuringARunADelayAfterTheRunEnds() throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger newRuns = new AtomicInteger();
        try (Scheduler workers = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build())
        {
            workers.registerTask("t", "* * * * *", () -> {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            clock.advance(Duration.ofMinutes(1));
            workers.runPending();
            final Optional<Instant> whileRunning;
            final int collected;
            try // the run is released whatever happens, so that the close does not wait for it
            {
                assertTrue(entered.await(10, TimeUnit.SECONDS));
                assertTrue(workers.reschedule("t", TaskSpec.named("t").fixedDelay(Duration.ofSeconds(1))
                    .run(() -> newRuns.incrementAndGet())));
                whileRunning = workers.nextFireTime("t");
                clock.advance(Duration.ofSeconds(2));
                collected = workers.runPending();
            }
            finally
            {
                release.countDown();
            }
            assertTrue(workers.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(Optional.empty(), whileRunning, "set when the run ends");
            assertEquals(0, collected);
            assertEquals(0, workers.task("t").orElseThrow().missed(), "no fire was due during the run");
            assertEquals(Optional.of(START.plusSeconds(63)), workers.nextFireTime("t"), "a delay after the run's end");
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1, workers.runPending());
            assertTrue(workers.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, newRuns.get());
            assertEquals(0, workers.task("t").orElseThrow().missed());
        }
    }

    @Test
    void shouldRefuseTriggerAfterClose()
    {
        scheduler.registerTask("a", "* * * * *", () -> {});
        scheduler.close();
        assertThrows(IllegalStateException.class, () -> scheduler.triggerNow("a"));
    }

    @Test
    void shouldForgetATriggerOfACancelledTask()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("a", "0 * * * *", runs::incrementAndGet);
        scheduler.triggerNow("a");
        scheduler.cancel("a");
        scheduler.registerTask("b", "0 * * * *", runs::incrementAndGet); // may take a's id
        assertEquals(0, scheduler.runPending());
        assertEquals(0, runs.get());
        assertEquals(Optional.of(Instant.parse("2026-01-01T01:00:00Z")), scheduler.nextFireTime("b"));
    }
}
