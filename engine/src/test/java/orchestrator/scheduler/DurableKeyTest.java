package orchestrator.scheduler;

import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.Aead;
import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.SealedRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sealed records across restarts on a journal: a key (or cipher) that is not the one the stored records were sealed
 * under is refused at build, so no task is failed (and then dropped) for it, while a key with nothing to open is not;
 * a record from before a restart does not replay into a task registered after it.
 */
class DurableKeyTest
{
    private static final byte[] RIGHT = key(1);
    private static final byte[] WRONG = key(2);

    @TempDir
    Path temp;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<String> received = new CopyOnWriteArrayList<>();

    private static byte[] key(final int fill)
    {
        final byte[] key = new byte[KeyProvider.KEY_LENGTH];
        Arrays.fill(key, (byte)fill);
        return key;
    }

    private Scheduler build(final byte[] key)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).keyProvider(KeyProvider.ofBytes(key))
            .store(TaskStore.journal(temp.resolve("journal"))).build();
    }

    private void fire(final Scheduler scheduler)
    {
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
    }

    @Test
    void shouldRefuseARestartWithAKeyThatOpensNoStoredRecord()
    {
        try (Scheduler first = build(RIGHT))
        {
            first.registerHandler("echo", plain -> {});
            first.registerTask("job", "* * * * *", "echo", "kept".getBytes(StandardCharsets.UTF_8));
        }
        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> build(WRONG).close());
        assertTrue(refused.getMessage().contains("key id 1") && refused.getMessage().contains("'job'"),
            refused.getMessage());
        assertTrue(refused.getMessage().contains(temp.resolve("journal").toString()), refused.getMessage());
        assertFalse(refused.getMessage().contains(HexFormat.of().formatHex(WRONG)), refused.getMessage());
        try (Scheduler again = build(RIGHT)) // the journal was released, and still holds the task
        {
            again.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
            fire(again);
            assertEquals(TaskState.SCHEDULED, again.task("job").orElseThrow().state());
        }
        assertEquals(List.of("kept"), received);
    }

    /**
     * A journal written in test mode holds plain records, which production mode (the mode a scheduler is built in)
     * never opens: a handler that would start such tasks is refused until test mode is switched on, instead of each
     * task failing at its first fire (and being dropped at the next restart).
     */
    @Test
    void shouldRefuseAHandlerWhoseRestoredTasksHoldTestModeRecordsInProductionMode()
    {
        try (Scheduler first = build(RIGHT))
        {
            first.setTestMode(true);
            first.registerHandler("echo", plain -> {});
            first.registerTask("job", "* * * * *", "echo", "kept".getBytes(StandardCharsets.UTF_8));
        }
        try (Scheduler second = build(RIGHT))
        {
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> second.registerHandler("echo", plain -> received.add("production")));
            assertTrue(refused.getMessage().contains("'job'") &&
                refused.getMessage().contains(temp.resolve("journal").toString()), refused.getMessage());
            second.setTestMode(true);
            second.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
            fire(second);
            assertEquals(TaskState.SCHEDULED, second.task("job").orElseThrow().state());
        }
        assertEquals(List.of("kept"), received);
    }

    @Test
    void shouldRefuseARestartWithAnotherCipher()
    {
        try (Scheduler first = build(RIGHT))
        {
            first.registerHandler("echo", plain -> {});
            first.registerTask("job", "* * * * *", "echo", "kept".getBytes(StandardCharsets.UTF_8));
        }
        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Scheduler.builder()
            .clock(clock).keyProvider(KeyProvider.ofBytes(RIGHT)).aead(Aead.AES_256_GCM)
            .store(TaskStore.journal(temp.resolve("journal"))).build().close());
        assertTrue(refused.getMessage().contains("aead"), refused.getMessage());
    }

    /**
     * A cancel removes the task's row, and with it, when it held the highest record id, the only trace of that id: a
     * task registered after the restart must not take it again, or the cancelled task's record, kept by whoever could
     * write to the store, would replay into the new one.
     */
    @Test
    void shouldRefuseTheRecordOfACancelledTaskReplayedIntoItsSuccessorAfterARestart()
    {
        final SealedRecord old;
        try (Scheduler first = build(RIGHT))
        {
            first.registerHandler("echo", plain -> {});
            first.registerTask("pay", "* * * * *", "echo", "old".getBytes(StandardCharsets.UTF_8));
            old = StoredRecords.record(first, "pay");
            assertTrue(first.cancel("pay"));
        }
        try (Scheduler second = build(RIGHT))
        {
            second.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
            second.registerTask("pay", "* * * * *", "echo", "new".getBytes(StandardCharsets.UTF_8));
            StoredRecords.replace(second, "pay", old);
            fire(second);
            assertEquals(TaskState.FAILED, second.task("pay").orElseThrow().state(), received.toString());
        }
        assertEquals(List.of(), received);
    }

    @Test
    void shouldBuildWithANewKeyWhenOnlyFinishedTasksHoldRecords()
    {
        try (Scheduler first = build(RIGHT))
        {
            first.registerHandler("echo", plain -> {});
            first.registerOnce("once", clock.instant(), "echo", "done".getBytes(StandardCharsets.UTF_8));
            first.runPending();
            assertEquals(TaskState.COMPLETED, first.task("once").orElseThrow().state());
        }
        try (Scheduler second = build(WRONG))
        {
            second.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
            second.registerTask("next", "* * * * *", "echo", "new".getBytes(StandardCharsets.UTF_8));
            fire(second);
        }
        assertEquals(List.of("new"), received);
    }
}
