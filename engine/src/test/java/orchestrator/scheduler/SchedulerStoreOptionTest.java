package orchestrator.scheduler;

import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Scheduler.Builder#store}: the in-memory store is today's scheduler; a durable store refuses a key that dies
 * with the process and opens with one that outlives it.
 */
class SchedulerStoreOptionTest
{
    @TempDir
    Path temp;

    @Test
    void shouldRunAsBeforeOnTheInMemoryStore()
    {
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler scheduler = Scheduler.builder().store(TaskStore.inMemory()).clock(clock).zone(ZoneOffset.UTC)
            .build())
        {
            scheduler.registerTask("minute", "* * * * *", runs::incrementAndGet);
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
        }
        assertEquals(1, runs.get());
    }

    @Test
    void shouldWriteNothingToTheInMemoryStore()
    {
        final TaskStore store = TaskStore.inMemory();
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (Scheduler scheduler = Scheduler.builder().store(store).clock(clock).zone(ZoneOffset.UTC).build())
        {
            scheduler.registerTask("minute", "* * * * *", () -> {});
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
        }
        assertTrue(store.open().isEmpty(), "the scheduler keeps its tasks in its own table, as before the store");
    }

    @Test
    void shouldRefuseADurableStoreWithTheDefaultOrARandomKey()
    {
        final Path dir = temp.resolve("journal");
        final IllegalStateException byDefault = assertThrows(IllegalStateException.class,
            () -> Scheduler.builder().store(TaskStore.journal(dir)).build());
        assertTrue(byDefault.getMessage().contains("KeyProvider.random()"), byDefault.getMessage());
        assertTrue(byDefault.getMessage().contains("default"), byDefault.getMessage());
        final IllegalStateException random = assertThrows(IllegalStateException.class,
            () -> Scheduler.builder().keyProvider(KeyProvider.random()).store(TaskStore.journal(dir)).build());
        assertTrue(random.getMessage().contains("could not be opened after a restart"), random.getMessage());
        assertFalse(Files.exists(dir), "nothing opened");
    }

    @Test
    void shouldOpenADurableStoreWithAKeyThatOutlivesTheProcess()
    {
        final Path dir = temp.resolve("journal");
        try (Scheduler scheduler = Scheduler.builder().keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH]))
            .store(TaskStore.journal(dir)).build())
        {
            assertTrue(scheduler.tasks().isEmpty());
        }
        assertTrue(Files.isDirectory(dir), "the journal was opened");
    }

    @Test
    void shouldTellARandomKeyFromOneThatOutlivesTheProcess()
    {
        assertTrue(KeyProvider.random().isEphemeral());
        assertFalse(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH]).isEphemeral());
    }
}
