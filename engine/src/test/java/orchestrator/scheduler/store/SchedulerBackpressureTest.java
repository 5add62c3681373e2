package orchestrator.scheduler.store;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.TaskSpec;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A caller of {@code runPending()} on a journal whose disk stalls (an injected channel whose writes wait at a gate):
 * with the default {@code onRestart(RUN_AGAIN)} nothing waits for a batch to be written, yet the caller is held once
 * a bounded number of progress batches is unwritten, instead of queuing batches without limit, and goes on when the
 * disk does.
 */
class SchedulerBackpressureTest
{
    private static final KeyProvider KEY = KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH]);
    private static final int CALLS = 50;
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    Path temp;

    @Test
    void shouldHoldTheCallerWhileTheJournalCannotWriteItsProgress() throws InterruptedException
    {
        final AtomicReference<CountDownLatch> gate = new AtomicReference<>();
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        final AtomicInteger ran = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
        final TaskStore stalling = new JournalTaskStore(temp.resolve("journal"),
            JournalOptions.DEFAULTS.withChannels(FailingChannel.gated(gate)));
        try (Scheduler scheduler = Scheduler.builder().clock(clock).dispatcher(new Dispatcher()).keyProvider(KEY)
            .store(stalling).build())
        {
            scheduler.schedule(TaskSpec.named("every-minute").cron("* * * * *").run(ran::incrementAndGet));
            final CountDownLatch stalled = new CountDownLatch(1);
            gate.set(stalled); // from here on the journal's writer cannot finish a write
            final Thread caller = new Thread(() ->
            {
                for (int i = 0; i < CALLS; i++)
                {
                    clock.advance(Duration.ofMinutes(1));
                    scheduler.runPending();
                    calls.incrementAndGet();
                }
            }, "runPending caller");
            caller.start();

            final long deadline = System.nanoTime() + DEADLINE_NS;
            while (!waitsForAWrite(caller))
            {
                if (caller.getState() == Thread.State.TERMINATED)
                {
                    fail("the caller made all " + calls.get() + " calls while no progress batch could be written");
                }
                if (System.nanoTime() - deadline > 0)
                {
                    fail("the caller neither finished nor waited for a write within 30 s: " + caller.getState());
                }
                Thread.onSpinWait();
            }
            assertTrue(calls.get() < CALLS, "held after " + calls.get() + " calls");
            assertTrue(caller.isAlive(), "still held: no write can complete while the disk stalls");

            stalled.countDown(); // the disk goes on
            caller.join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NS));
            assertFalse(caller.isAlive(), "the caller goes on once the journal writes again");
            assertEquals(CALLS, calls.get());
            assertEquals(CALLS, ran.get(), "every fire ran; none was lost to the wait");
            assertTrue(scheduler.storeFailure().isEmpty(), "a stall is not a failure");
        }
        try (Scheduler restarted = Scheduler.builder().clock(clock).dispatcher(new Dispatcher()).keyProvider(KEY)
            .store(TaskStore.journal(temp.resolve("journal"))).build())
        {
            restarted.schedule(TaskSpec.named("every-minute").cron("* * * * *").run(ran::incrementAndGet));
            assertEquals(CALLS, restarted.task("every-minute").orElseThrow().runs(),
                "every batch held back was written, in order, after the stall");
        }
    }

    /** Whether {@code thread} is parked waiting for a progress batch to be written. */
    private static boolean waitsForAWrite(final Thread thread)
    {
        if (thread.getState() != Thread.State.WAITING)
        {
            return false;
        }
        for (final StackTraceElement frame : thread.getStackTrace())
        {
            if ("awaitWritten".equals(frame.getMethodName()))
            {
                return thread.getState() == Thread.State.WAITING;
            }
        }
        return false;
    }
}
