package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ListenerTest
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();
    private final List<String> events = new ArrayList<>();
    private final List<FireContext> contexts = new ArrayList<>();

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    private final class Recording implements TaskListener
    {
        @Override
        public void onStart(final FireContext context)
        {
            events.add("start " + context.taskName());
            contexts.add(context);
        }

        @Override
        public void onSuccess(final FireContext context)
        {
            events.add("success " + context.taskName());
        }

        @Override
        public void onFailure(final FireContext context, final Throwable failure)
        {
            events.add("failure " + context.taskName() + " " + failure.getMessage());
        }

        @Override
        public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
        {
            events.add("missed " + taskName + " " + scheduledAt + " x" + fires);
        }

        @Override
        public void onTimeout(final FireContext context)
        {
            events.add("timeout " + context.taskName());
        }
    }

    private static final class Throwing implements TaskListener
    {
        @Override
        public void onStart(final FireContext context)
        {
            throw new IllegalStateException("listener start");
        }

        @Override
        public void onSuccess(final FireContext context)
        {
            throw new IllegalStateException("listener success");
        }

        @Override
        public void onFailure(final FireContext context, final Throwable failure)
        {
            throw new Error("listener failure");
        }

        @Override
        public void onMissed(final String taskName, final Instant scheduledAt)
        {
            throw new IllegalStateException("listener missed");
        }
    }

    @Test
    void shouldCallStartAndSuccessAroundARun()
    {
        scheduler.addListener(new Recording());
        scheduler.registerTask("t", "* * * * *", () -> events.add("run"));
        clock.advance(Duration.ofMinutes(1).plusMillis(20));
        scheduler.runPending();
        assertEquals(List.of("start t", "run", "success t"), events);
        final FireContext context = contexts.get(0);
        assertEquals(START.plusSeconds(60), context.scheduledAt());
        assertEquals(START.plusSeconds(60).plusMillis(20), context.startedAt());
        assertEquals(1, context.fires());
    }

    @Test
    void shouldCallFailureWithWhatTheCallbackThrew()
    {
        final IllegalStateException boom = new IllegalStateException("boom");
        final List<Throwable> failures = new ArrayList<>();
        scheduler.addListener(new TaskListener()
        {
            @Override
            public void onFailure(final FireContext context, final Throwable failure)
            {
                failures.add(failure);
            }
        });
        scheduler.registerTask("t", "* * * * *", () -> {
            throw boom;
        });
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        assertEquals(1, failures.size());
        assertSame(boom, failures.get(0));
        assertEquals(1, scheduler.task("t").orElseThrow().failures());
    }

    @Test
    void shouldHearHandlerRuns()
    {
        scheduler.addListener(new Recording());
        scheduler.registerHandler("h", bytes -> events.add("handler " + bytes.length));
        scheduler.registerTask("t", "* * * * *", "h", new byte[] {1, 2, 3});
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        assertEquals(List.of("start t", "handler 3", "success t"), events);
    }

    @Test
    void shouldTellMissedFiresOncePerTaskAndCollection()
    {
        scheduler.addListener(new Recording());
        scheduler.registerTask("late", "* * * * *", () -> {});
        scheduler.registerTask("paused", "* * * * *", () -> {});
        scheduler.pause("paused");
        clock.advance(Duration.ofMinutes(3));
        scheduler.runPending();
        assertTrue(events.contains("missed late 2026-01-01T00:02:00Z x2"), events.toString()); // it ran for 00:01
        assertTrue(events.contains("missed paused 2026-01-01T00:01:00Z x3"), events.toString());
        assertEquals(2, scheduler.task("late").orElseThrow().missed());
        assertEquals(3, scheduler.task("paused").orElseThrow().missed());
    }

    /**
     * A fire the dispatcher refused is counted as missed ({@link TaskInfo#missed()}, {@link SchedulerMetrics#missed()})
     * and so told to the listeners, as every other missed fire is.
     */
    @Test
    void shouldTellMissedFiresTheDispatcherRefused()
    {
        final Dispatcher refusing = Dispatcher.of(job ->
        {
            throw new RejectedExecutionException("queue full");
        });
        try (Scheduler s = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(refusing).build())
        {
            s.addListener(new Recording());
            s.registerTask("refused", "* * * * *", () -> events.add("run"));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(0, s.runPending());
            assertEquals(1, s.task("refused").orElseThrow().missed());
            assertEquals(1, s.metrics().missed());
            assertEquals(List.of("missed refused 2026-01-01T00:01:00Z x1"), events,
                "a refused fire is counted as missed, so the listeners hear of it");
        }
    }

    /**
     * A trigger still pending when the scheduler closes is counted as missed (reason {@code closed}), so the listeners
     * hear of it too: every fire counted as missed is told to them.
     */
    @Test
    void shouldTellMissedTheRunsStillPendingAtClose()
    {
        scheduler.addListener(new Recording());
        scheduler.registerTask("t", "0 0 1 1 *", () -> events.add("run"));
        clock.advance(Duration.ofSeconds(5));
        assertTrue(scheduler.triggerNow("t"));
        scheduler.close(); // before any runPending(): the trigger will not run now
        assertEquals(1, scheduler.metrics().missed());
        assertEquals(1, scheduler.task("t").orElseThrow().missed());
        assertEquals(List.of("missed t 2026-01-01T00:00:05Z x1"), events,
            "a run counted as missed at close is told to the listeners");
    }

    /**
     * A coalesced run stands for the fires that came due during the run before it; when it is refused, or still
     * pending at close, those fires are missed, and the listeners hear the first of them (as the orchestrator.MissedFire
     * event's earliest fire time), not the latest, which is the run's own fire time.
     */
    @Test
    void shouldTellTheFirstFireOfACoalescedRunThatWasRefusedOrPendingAtClose()
    {
        for (final boolean refusedElseClosed : new boolean[] {true, false})
        {
            events.clear();
            final List<Runnable> held = new ArrayList<>();
            final boolean[] refuse = {false};
            final Scheduler s = Scheduler.builder().clock(new ManualClock(START)).zone(ZoneOffset.UTC)
                .dispatcher(Dispatcher.of(job ->
                {
                    if (refuse[0])
                    {
                        throw new RejectedExecutionException("queue full");
                    }
                    held.add(job); // runs when the test says so: the task stays running until then
                })).build();
            final ManualClock clock = (ManualClock)s.clock();
            try
            {
                s.addListener(new Recording());
                s.schedule(TaskSpec.named("c").cron("* * * * * *").overlap(OverlapPolicy.COALESCE).run(() -> { }));
                clock.advance(Duration.ofSeconds(1));
                assertEquals(1, s.runPending());
                for (int i = 0; i < 3; i++) // 00:00:02, 00:00:03 and 00:00:04 coalesce behind the running fire
                {
                    clock.advance(Duration.ofSeconds(1));
                    assertEquals(0, s.runPending());
                }
                held.remove(0).run(); // the run ends: the coalesced run is ready
                if (refusedElseClosed)
                {
                    refuse[0] = true;
                    assertEquals(0, s.runPending());
                }
            }
            finally
            {
                s.close();
            }
            assertEquals(3, s.task("c").orElseThrow().missed());
            assertEquals(List.of("missed c 2026-01-01T00:00:02Z x3"), events.stream()
                .filter(e -> e.startsWith("missed")).toList(), (refusedElseClosed ? "refused: " : "closed: ") + events);
        }
    }

    @Test
    void shouldNotLetAThrowingListenerBreakARunOrTheOtherListeners()
    {
        try (LogCapture log = new LogCapture())
        {
            scheduler.addListener(new Throwing());
            scheduler.addListener(new Recording());
            scheduler.registerTask("ok", "* * * * *", () -> events.add("run ok"));
            scheduler.registerTask("bad", "* * * * *", () -> {
                throw new IllegalStateException("callback");
            });
            clock.advance(Duration.ofMinutes(2));
            assertEquals(2, scheduler.runPending());
            assertTrue(events.contains("run ok"));
            assertTrue(events.contains("success ok"), events.toString());
            assertTrue(events.contains("failure bad callback"), events.toString());
            assertTrue(events.contains("missed ok 2026-01-01T00:02:00Z x1"), events.toString()); // it ran for 00:01
            final TaskInfo ok = scheduler.task("ok").orElseThrow();
            assertEquals(1, ok.runs());
            assertEquals(0, ok.failures(), "a listener that throws is not the run's failure");
            assertEquals(1, scheduler.task("bad").orElseThrow().failures());
            assertTrue(log.count(Level.WARNING, "TaskListener threw from onStart") >= 2);
            assertTrue(log.count(Level.WARNING, "TaskListener threw from onFailure") >= 1);
            assertTrue(log.count(Level.WARNING, "TaskListener threw from onMissed") >= 1);
            clock.advance(Duration.ofMinutes(1));
            assertEquals(2, scheduler.runPending(), "the engine goes on");
        }
    }

    @Test
    void shouldLetAListenerCallTheScheduler()
    {
        scheduler.addListener(new TaskListener()
        {
            @Override
            public void onSuccess(final FireContext context)
            {
                scheduler.pause(context.taskName());
                scheduler.registerOnce("follow-up", clock.instant(), () -> {});
            }
        });
        scheduler.registerTask("t", "* * * * *", () -> {});
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        assertEquals(TaskState.PAUSED, scheduler.task("t").orElseThrow().state());
        assertTrue(scheduler.task("follow-up").isPresent());
    }

    @Test
    void shouldStopHearingAfterRemoveListener()
    {
        final Recording listener = new Recording();
        scheduler.addListener(listener);
        scheduler.registerTask("t", "* * * * *", () -> {});
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        assertEquals(2, events.size());
        assertTrue(scheduler.removeListener(listener));
        assertFalse(scheduler.removeListener(listener));
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        assertEquals(2, events.size());
    }

    @Test
    void shouldGiveEachRunItsOwnContextThatKeepsItsValues()
    {
        scheduler.addListener(new Recording());
        scheduler.registerTask("t", "* * * * *", () -> {});
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        assertEquals(2, contexts.size());
        assertNotSame(contexts.get(0), contexts.get(1));
        assertEquals(START.plusSeconds(60), contexts.get(0).scheduledAt(), "not overwritten by the later run");
        assertEquals(START.plusSeconds(120), contexts.get(1).scheduledAt());
    }

    /**
     * The no-listener, Runnable path allocates nothing per fire; a listener makes a context per run (positive
     * control, so the measurement can see an allocation when there is one).
     */
    @Test
    void shouldAllocateNothingPerFireWithoutListenersAndAContextWithOne()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        final int tasks = 1_000;
        final AtomicInteger runs = new AtomicInteger();
        final Runnable callback = runs::incrementAndGet;
        for (int i = 0; i < tasks; i++)
        {
            scheduler.registerTask("t" + i, "* * * * * *", callback);
        }
        final long without = bytesPerFire(threads, tasks);
        // the engine before listeners measured 8 B per fire here (8,320 B per runPending of 1,000 fires): unchanged
        assertTrue(without < 16, without + " B per fire without listeners");
        final FireContext[] last = new FireContext[1];
        scheduler.addListener(new TaskListener()
        {
            @Override
            public void onStart(final FireContext context)
            {
                last[0] = context; // escapes, so the JIT cannot scalar-replace it
            }
        });
        final long with = bytesPerFire(threads, tasks);
        assertTrue(with - without >= 32, with + " B per fire with a listener: a context per run");
    }

    private long bytesPerFire(final com.sun.management.ThreadMXBean threads, final int tasks)
    {
        final long thread = Thread.currentThread().getId();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 100; round++)
        {
            clock.advance(Duration.ofSeconds(1));
            final long before = threads.getThreadAllocatedBytes(thread);
            final int started = scheduler.runPending();
            final long after = threads.getThreadAllocatedBytes(thread);
            assertEquals(tasks, started);
            best = Math.min(best, (after - before) / tasks);
        }
        return best;
    }
}
