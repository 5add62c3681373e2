package orchestrator.scheduler.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A snapshot written behind the writer: what its thread freezes, and what the writer holds back until then. */
class JournalCompactionTest
{
    @TempDir
    Path temp;

    /**
     * The snapshot thread is held before its freeze (at the opening of {@code snapshot.tmp}); meanwhile the writer
     * applies a progress batch without waiting, and an upsert, which waits for the freeze. The snapshot holds the state
     * as of its start (the log after it holds the rest), the state everything.
     */
    @Test
    @Timeout(30)
    void shouldSnapshotTheStateAsOfItsStartAndApplyWhatWasWrittenWhileItFroze() throws Exception
    {
        final Path dir = Files.createDirectories(temp.resolve("journal"));
        final CountDownLatch opening = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        final JournalOptions.ChannelFactory held = file ->
        {
            if (JournalFiles.SNAPSHOT_TMP.equals(file.getFileName().toString()))
            {
                opening.countDown();
                awaitUninterruptibly(gate);
            }
            return JournalOptions.openForWrite(file);
        };
        final StoreState state = new StoreState();
        final JournalCompaction compaction = new JournalCompaction(dir, JournalOptions.DEFAULTS.withChannels(held),
            state, new JournalRecovery.Recovered(1, 0, 0, 0, 0));
        final String a = new String("a");
        final List<StoredTask> before = List.of(Tasks.handlerTask(a, 1), Tasks.runnableTask("b", 2));
        before.forEach(state::upsert);
        state.progress(batch(3, a, 10)); // by slot: pending in the slot columns until the freeze folds it
        final List<StoredTask> atStart = List.of(before.get(0).withProgress(Tasks.progress(a, 10)), before.get(1));

        compaction.snapshotBehind(2);
        opening.await(); // its thread waits before the freeze
        final ProgressBatch meanwhile = batch(3, a, 20);
        add(meanwhile, ProgressBatch.NO_SLOT, "b", 30); // by name: applied to its row at once
        compaction.apply(Frames.PROGRESS_KEYED, meanwhile); // returns at once: held back
        assertTrue(meanwhile.isReleased(), "the batch is copied and released while the freeze waits");

        gate.countDown();
        final StoredTask c = Tasks.onceTask("c", 4);
        compaction.apply(Frames.UPSERT, c); // waits for the freeze, applies the progress held back, then itself
        compaction.take(true);

        final Path snapshotOnly = Files.createDirectories(temp.resolve("snapshot-only"));
        Files.copy(dir.resolve(JournalFiles.SNAPSHOT), snapshotOnly.resolve(JournalFiles.SNAPSHOT));
        final StoreState read = new StoreState();
        new JournalRecovery(snapshotOnly, read).recover();
        assertEquals(sorted(atStart), sorted(read.tasks()), "the snapshot holds the state as of its start");
        assertEquals(sorted(List.of(before.get(0).withProgress(Tasks.progress(a, 20)),
            before.get(1).withProgress(Tasks.progress("b", 30)), c)), sorted(state.tasks()),
            "the state holds what was held back, in order");
    }

    private static ProgressBatch batch(final int slot, final String name, final long n)
    {
        final ProgressBatch batch = new ProgressBatch(2);
        add(batch, slot, name, n);
        return batch;
    }

    private static void add(final ProgressBatch batch, final int slot, final String name, final long n)
    {
        final TaskProgress progress = Tasks.progress(name, n);
        batch.add(slot, name, progress.state(), progress.nextFire(), progress.runs(), progress.missed(),
            progress.failures(), progress.runningFire());
    }

    private static List<StoredTask> sorted(final List<StoredTask> tasks)
    {
        final List<StoredTask> copy = new ArrayList<>(tasks);
        copy.sort(Comparator.comparing(StoredTask::name));
        return copy;
    }

    private static void awaitUninterruptibly(final CountDownLatch latch) throws IOException
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
    }
}
