package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order in which a durable scheduler's writes reach its journal: a task's whole write (registration, pause,
 * resume) against the progress batches of fires, and the end of a one-time task against a new task registered
 * under its name. Each test ends with a restart from the journal, clean or not, and checks what it restored.
 */
class DurableWriteOrderTest
{
    private static final Instant START = SchedulerTest.START;
    private static final byte[] KEY = DurableRestartTest.KEY;

    @TempDir
    Path temp;

    private final ManualClock clock = new ManualClock(START);

    private Scheduler build()
    {
        return build(new Dispatcher(), ZoneOffset.UTC);
    }

    private Scheduler build(final Dispatcher dispatcher, final ZoneId zone)
    {
        return Scheduler.builder().clock(clock).zone(zone).dispatcher(dispatcher)
            .keyProvider(KeyProvider.ofBytes(KEY)).store(TaskStore.journal(temp.resolve("journal"))).build();
    }

    private void minutes(final Scheduler scheduler, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
        }
    }

    private static TaskInfo info(final Scheduler scheduler, final String name)
    {
        return scheduler.task(name).orElseThrow(() -> new AssertionError("no task " + name));
    }

    /** A one-time task completes; another callback of the same runPending registers a new task under its name. */
    @Test
    void shouldRestoreAOneTimeTaskRegisteredUnderTheNameOfOneThatJustCompleted()
    {
        final AtomicInteger ran = new AtomicInteger();
        final Instant later = START.plus(Duration.ofHours(1));
        try (Scheduler first = build())
        {
            first.registerOnce("A", START.plusSeconds(30), () -> first.triggerNow("B"));
            first.registerTask("B", "0 0 1 1 *", () ->
            {
                first.registerTask("X", "0 0 1 1 *", () -> {}); // takes the id A freed
                first.registerOnce("A", later, ran::incrementAndGet);
            });
            minutes(first, 1);
            assertEquals(TaskState.SCHEDULED, info(first, "A").state());
            assertEquals(later, info(first, "A").nextFire().orElseThrow());
        }
        try (Scheduler second = build())
        {
            second.registerTask("B", "0 0 1 1 *", () -> {});
            second.registerOnce("A", later, ran::incrementAndGet);
            assertEquals(TaskState.SCHEDULED, info(second, "A").state(), info(second, "A").toString());
            clock.set(later.plusSeconds(1));
            second.runPending();
            assertEquals(1, ran.get(), "the new one-time task ran once");
        }
    }
    /** Same, handler task: the new task is re-registered from a callback. */
    @Test
    void shouldRestoreAHandlerTaskRegisteredUnderTheNameOfOneThatJustCompleted()
    {
        final AtomicInteger ran = new AtomicInteger();
        final Instant later = START.plus(Duration.ofHours(1));
        try (Scheduler first = build())
        {
            first.registerHandler("h", bytes -> ran.incrementAndGet());
            first.registerOnce("A", START.plusSeconds(30), () -> first.triggerNow("B"));
            first.registerTask("B", "0 0 1 1 *", () ->
            {
                first.registerTask("X", "0 0 1 1 *", () -> {}); // takes the id A freed
                first.registerOnce("A", later, "h", new byte[] {1});
            });
            minutes(first, 1);
            assertEquals(TaskState.SCHEDULED, info(first, "A").state());
        }
        try (Scheduler second = build())
        {
            assertTrue(second.task("A").isPresent(), "the handler task A waits for its handler: " + second.tasks());
            second.registerHandler("h", bytes -> ran.incrementAndGet());
            clock.set(later.plusSeconds(1));
            second.runPending();
            assertEquals(1, ran.get());
        }
    }
    /** Worker dispatch: a one-time task completes on a worker; the app registers its name again before runPending. */
    @Test
    void shouldRestoreATaskRegisteredUnderTheNameOfOneThatCompletedOnAWorker() throws InterruptedException
    {
        final AtomicInteger ran = new AtomicInteger();
        final Instant later = START.plus(Duration.ofHours(1));
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (Scheduler first = build(Dispatcher.withWorkers(1), ZoneOffset.UTC))
        {
            first.registerHandler("h", bytes ->
            {
                Latches.awaitUninterruptibly(release); // completes after runPending() returned
                ran.incrementAndGet();
            });
            first.registerOnce("A", START.plusSeconds(30), "h", new byte[] {1});
            minutes(first, 1);
            release.countDown();
            assertTrue(first.awaitIdle(Duration.ofSeconds(10))); // drains A's completion: A ends COMPLETED
            assertEquals(1, ran.get());
            first.registerTask("X", "0 0 1 1 *", () -> {}); // takes the id A freed
            first.registerOnce("A", later, "h", new byte[] {2});
            assertEquals(TaskState.SCHEDULED, info(first, "A").state());
        }
        try (Scheduler second = build())
        {
            assertTrue(second.task("A").isPresent(), "A waits for its handler: " + second.tasks());
        }
    }
    /** Runs a hook once, right after the unlock made by LiveWrites.writeLive (before it waits for its write). */
    static final class HookLock extends java.util.concurrent.locks.ReentrantLock
    {
        volatile Runnable hook;

        @Override
        public void unlock()
        {
            super.unlock();
            final Runnable h = hook;
            if (h != null && getHoldCount() == 0 && java.util.Arrays.stream(new Throwable().getStackTrace())
                .anyMatch(e -> e.getMethodName().equals("writeLive")))
            {
                hook = null;
                h.run();
            }
        }
    }

    @Test
    void shouldNotLetAResumesWriteRollBackAFireThatCameBetweenItsReadAndItsWrite()
    {
        final HookLock lock = new HookLock();
        final List<Instant> at = new ArrayList<>();
        final Scheduler.Builder builder = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(new Dispatcher()).keyProvider(KeyProvider.ofBytes(KEY))
            .store(TaskStore.journal(temp.resolve("journal")));
        builder.registryLock = lock;
        try (Scheduler first = builder.build())
        {
            first.schedule(TaskSpec.named("job").cron("* * * * *").onRestart(InterruptedFirePolicy.DROP)
                .run(ctx -> at.add(ctx.scheduledAt())));
            minutes(first, 1);                // 00:01 runs
            assertTrue(first.pause("job"));
            minutes(first, 1);                // 00:02 missed while paused
            lock.hook = () ->                 // another thread's runPending between resume's read and its write
            {
                clock.advance(Duration.ofMinutes(1));
                first.runPending();           // 00:03 runs
            };
            assertTrue(first.resume("job"));
            assertNull(lock.hook, "the fire came between the resume's read and its write (LiveWrites.writeLive)");
            assertEquals(List.of(Instant.parse("2026-01-01T00:01:00Z"), Instant.parse("2026-01-01T00:03:00Z")), at);
            final TaskInfo live = info(first, "job");
            assertEquals(2, live.runs());
            assertEquals(1, live.missed());
        }                                     // a clean close
        clock.advance(Duration.ofSeconds(30));
        try (Scheduler second = build())
        {
            second.schedule(TaskSpec.named("job").cron("* * * * *").onRestart(InterruptedFirePolicy.DROP)
                .run(ctx -> at.add(ctx.scheduledAt())));
            final TaskInfo restored = info(second, "job");
            assertEquals(2, restored.runs(), restored.toString());
            assertEquals(1, restored.missed(), restored.toString());
            assertEquals(Instant.parse("2026-01-01T00:04:00Z"), restored.nextFire().orElseThrow(), restored.toString());
            second.runPending();
            assertEquals(2, at.size(), "00:03 ran once, before the clean restart: " + at);
        }
    }
}
