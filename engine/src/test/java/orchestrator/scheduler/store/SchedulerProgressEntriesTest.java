package orchestrator.scheduler.store;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.InterruptedFirePolicy;
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
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How many progress entries a fire costs a journal: an inline fire under {@code RUN_AGAIN} writes one, its claim and
 * its completion folded into one entry because they are handed over together; a {@code DROP} fire writes two, its
 * running marker before it runs and its completion after.
 */
class SchedulerProgressEntriesTest
{
    private static final KeyProvider KEY = KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH]);
    private static final int TASKS = 100;
    private static final int CALLS = 3;

    @TempDir
    Path temp;

    @Test
    void shouldWriteOneEntryPerInlineFireUnderRunAgain()
    {
        assertEquals(CALLS * TASKS, entriesPerCalls(InterruptedFirePolicy.RUN_AGAIN));
    }

    @Test
    void shouldWriteTheRunningMarkerAndTheCompletionOfADropFire()
    {
        assertEquals(2 * CALLS * TASKS, entriesPerCalls(InterruptedFirePolicy.DROP));
    }

    /** @return progress entries handed to the journal by {@value #CALLS} runPending calls, each firing every task. */
    private long entriesPerCalls(final InterruptedFirePolicy onRestart)
    {
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        final JournalTaskStore journal = new JournalTaskStore(temp.resolve("journal"), JournalOptions.DEFAULTS);
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler scheduler = Scheduler.builder().clock(clock).dispatcher(new Dispatcher()).keyProvider(KEY)
            .store(journal).build())
        {
            for (int i = 0; i < TASKS; i++)
            {
                scheduler.schedule(TaskSpec.named("task-" + i).cron("* * * * * *").onRestart(onRestart)
                    .run(ran::incrementAndGet));
            }
            clock.advance(Duration.ofSeconds(1));
            assertEquals(TASKS, scheduler.runPending()); // the first fires: registrations may add entries
            final long before = journal.progressEntries();
            for (int call = 0; call < CALLS; call++)
            {
                clock.advance(Duration.ofSeconds(1));
                assertEquals(TASKS, scheduler.runPending());
            }
            assertEquals((CALLS + 1) * TASKS, ran.get());
            return journal.progressEntries() - before;
        }
    }
}
