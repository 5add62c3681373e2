package orchestrator.scheduler.store;

import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.TaskInfo;
import orchestrator.scheduler.TaskState;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A key rotation on a journal stores every re-sealed task, durable when {@code rotateKey} returns, in a few forces
 * (one per chunk of tasks) instead of one force per task: at one fsync per task a rotation of a million tasks took
 * most of an hour, all of it a window in which a kill leaves the journal's records under both keys.
 */
class RotationWritesTest
{
    private static final int TASKS = 600;

    @TempDir
    Path temp;

    @Test
    void shouldForceTheWritesOfARotationOncePerChunkOfTasks()
    {
        final Path dir = temp.resolve("journal");
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        final byte[] next = new byte[KeyProvider.KEY_LENGTH];
        Arrays.fill(next, (byte)7);
        final AtomicInteger forces = new AtomicInteger();
        final TaskStore counted = new JournalTaskStore(dir,
            JournalOptions.DEFAULTS.withChannels(FailingChannel.counting(forces)));
        try (Scheduler first = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH])).store(counted).build())
        {
            first.registerHandler("h", payload -> {});
            for (int i = 0; i < TASKS; i++)
            {
                first.registerTask("t" + i, "* * * * *", "h", new byte[] {(byte)i});
            }
            assertTrue(forces.get() >= TASKS, "positive control: a registration is forced on its own");
            forces.set(0);
            first.rotateKey(KeyProvider.ofBytes(next));
            assertTrue(forces.get() <= 3, forces.get() + " forces for the rotation of " + TASKS + " tasks");
        }
        final AtomicInteger opened = new AtomicInteger();
        try (Scheduler second = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .keyProvider(KeyProvider.ofBytes(next)).store(TaskStore.journal(dir)).build())
        {
            second.registerHandler("h", payload -> opened.incrementAndGet());
            clock.advance(Duration.ofMinutes(1));
            second.runPending();
            assertEquals(TASKS, second.tasks().stream().filter(t -> t.state() == TaskState.SCHEDULED &&
                t.runs() == 1).count(), second.tasks().stream().filter(t -> t.runs() != 1).map(TaskInfo::toString)
                .findFirst().orElse(""));
        }
        assertEquals(TASKS, opened.get());
    }
}
