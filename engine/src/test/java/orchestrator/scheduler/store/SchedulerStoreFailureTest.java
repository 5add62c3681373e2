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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
