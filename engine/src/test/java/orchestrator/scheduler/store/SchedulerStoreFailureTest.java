package orchestrator.scheduler.store;

import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.TaskInfo;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scheduler whose journal runs out of disk (an injected channel): the failing registration throws and is undone, the
 * failure shows in {@link Scheduler#storeFailure()}, fires go on from memory, and a restart on a working disk recovers
 * everything acknowledged before the failure.
 */
class SchedulerStoreFailureTest
{
    private static final KeyProvider KEY = KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH]);

    @TempDir
    Path temp;

    @Test
    void shouldKeepFiringFromMemoryAndReportTheFailureWhenTheDiskIsFull()
    {
        final Path dir = temp.resolve("journal");
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        final AtomicLong free = new AtomicLong(Long.MAX_VALUE);
        final AtomicInteger ran = new AtomicInteger();
        final TaskStore failing = new JournalTaskStore(dir,
            JournalOptions.DEFAULTS.withChannels(FailingChannel.factory(free, new AtomicBoolean())));
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).keyProvider(KEY)
            .store(failing).build())
        {
            scheduler.registerTask("kept", "* * * * *", ran::incrementAndGet);
            assertTrue(scheduler.storeFailure().isEmpty(), "positive control: a working store reports nothing");
            free.set(0); // the disk is full from here on
            assertThrows(TaskStoreException.class, () -> scheduler.registerTask("lost", "* * * * *", () -> {}));
            assertTrue(scheduler.task("lost").isEmpty(), "a registration the store refused is undone");
            final String failure = scheduler.storeFailure().orElseThrow();
            assertTrue(failure.contains("No space left on device"), failure);
            for (int minute = 1; minute <= 3; minute++)
            {
                clock.advance(Duration.ofMinutes(1));
                scheduler.runPending();
            }
            assertEquals(3, ran.get(), "fires go on from memory");
        }
        try (Scheduler restarted = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).keyProvider(KEY)
            .store(TaskStore.journal(dir)).build())
        {
            restarted.registerTask("kept", "* * * * *", ran::incrementAndGet);
            final TaskInfo kept = restarted.task("kept").orElseThrow();
            assertEquals(0, kept.runs(), "its progress after the failure was not stored");
            restarted.runPending();
            assertEquals(1, restarted.task("kept").orElseThrow().runs());
            assertEquals(2, restarted.task("kept").orElseThrow().missed(), "the fires since are decided again");
            assertTrue(restarted.storeFailure().isEmpty());
        }
    }

    /** A registration the journal refused because its force failed does not come back at the next open. */
    @Test
    void shouldNotRestoreARegistrationTheJournalRefused()
    {
        final Path dir = temp.resolve("journal");
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        final AtomicBoolean failForce = new AtomicBoolean();
        final TaskStore failing = new JournalTaskStore(dir, JournalOptions.DEFAULTS.withChannels(
            FailingChannel.factory(new AtomicLong(Long.MAX_VALUE), failForce)));
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).keyProvider(KEY)
            .store(failing).build())
        {
            scheduler.registerHandler("mail", payload -> { });
            scheduler.registerTask("kept", "* * * * *", "mail", new byte[] {1});
            failForce.set(true); // the frame is written, its force fails
            assertThrows(TaskStoreException.class,
                () -> scheduler.registerTask("refused", "* * * * *", "mail", new byte[] {2}));
            assertTrue(scheduler.task("refused").isEmpty(), "undone in memory");
        }
        try (Scheduler restarted = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).keyProvider(KEY)
            .store(TaskStore.journal(dir)).build())
        {
            assertEquals(List.of("kept"), restarted.tasks().stream().map(TaskInfo::name).toList(),
                "a refused registration leaves no trace");
        }
    }

    /**
     * On a disk that stalls, {@code close(Duration)} returns within its bound and reports that not everything
     * stopped; the journal stays locked while its writer may still write: an open in this process waits for the writer
     * to stop, and then finds what it wrote.
     */
    @Test
    void shouldCloseWithinItsBoundOnAStalledDiskAndKeepTheJournalLockedUntilTheWriterStops() throws Exception
    {
        final Path dir = temp.resolve("journal");
        final CountDownLatch stalled = new CountDownLatch(1);
        final AtomicBoolean writerFreed = new AtomicBoolean();
        final AtomicReference<Object> opened = new AtomicReference<>();
        final Thread opener = new Thread(() ->
        {
            final TaskStore again = TaskStore.journal(dir);
            try
            {
                final int tasks = again.open().size();
                opened.set(writerFreed.get() ? tasks : "opened while the old writer could still write");
                again.close();
            }
            catch (final RuntimeException ex)
            {
                opened.set(ex);
            }
        }, "second owner");
        final Scheduler scheduler = stalledAtItsFirstProgressBatch(dir, stalled);
        try
        {
            final long start = System.nanoTime();
            assertFalse(scheduler.close(Duration.ofMillis(200)), "the journal's writer did not stop");
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMs < 10_000, "close(200 ms) took " + tookMs + " ms");
            opener.start();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (opener.getState() != Thread.State.TIMED_WAITING) // waits for the closing writer
            {
                assertTrue(opener.isAlive() && System.nanoTime() - deadline < 0, "the open did not wait: " +
                    opened.get());
                Thread.onSpinWait();
            }
        }
        finally
        {
            writerFreed.set(true);
            stalled.countDown();
        }
        opener.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(1, opened.get(), "opened once the writer stopped, with the task");
    }

    /**
     * A close after one that timed out on a stalled disk waits again for the journal's writer: false while the writer
     * is still blocked, true once it has stopped. The second close said true at once, with the writer still blocked.
     */
    @Test
    void shouldWaitAgainForAStalledWriterAtASecondClose() throws Exception
    {
        final CountDownLatch stalled = new CountDownLatch(1);
        final Scheduler scheduler = stalledAtItsFirstProgressBatch(temp.resolve("journal"), stalled);
        try
        {
            assertFalse(scheduler.close(Duration.ofMillis(200)), "the journal's writer did not stop");
            assertFalse(scheduler.close(Duration.ofMillis(200)), "a second close: the writer is still blocked");
        }
        finally
        {
            stalled.countDown();
        }
        assertTrue(scheduler.close(Duration.ofSeconds(30)), "the writer stopped once its write went through");
    }

    /**
     * @return a scheduler on a journal in {@code dir} with one task, whose writer is blocked in the write of its first
     *         progress batch until {@code stalled} is counted down.
     */
    private static Scheduler stalledAtItsFirstProgressBatch(final Path dir, final CountDownLatch stalled)
    {
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        final AtomicReference<CountDownLatch> gate = new AtomicReference<>();
        final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).keyProvider(KEY)
            .store(new JournalTaskStore(dir, JournalOptions.DEFAULTS.withChannels(FailingChannel.gated(gate))))
            .build();
        scheduler.registerTask("job", "* * * * *", () -> { });
        gate.set(stalled); // the writer's next write waits
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending(); // its progress batch is the write that stalls
        return scheduler;
    }
}
