package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * NOT thread safe: owned by a journal's writer thread ({@link JournalWriter}). When the journal snapshots, and the
 * snapshot written behind the writer: the log since the snapshot is bounded by half the snapshot (and compactBytes); a
 * snapshot starts on a thread of its own once the log passes half the bound, and the writer snapshots itself only
 * before a batch that would pass the bound while none has finished.
 * <p>
 * Caveats: one snapshot runs at a time, from a frozen copy of the state; its outcome is taken by the writer at its next
 * batch or when it must wait, and a failure is thrown there (it fails the journal, as a failed write does).
 */
final class JournalCompaction
{
    /** The writer snapshots once the log since the snapshot holds this fraction of it (and compactBytes). */
    static final int SNAPSHOT_PER_LOG = 2;
    private static final long CLOSE_COMPACT_BYTES = 1 << 20;

    /** What the writer does before an append. */
    enum Step
    {
        NONE, SNAPSHOT_NOW, SNAPSHOT_BEHIND
    }

    private final Path dir;
    private final JournalOptions options;
    private final StoreState state;
    private final RecordWriter records = new RecordWriter();
    private long snapshotBytes;
    private long logBytes;                        // bytes of the segments the last finished snapshot does not cover
    private CompletableFuture<Long> running;      // the snapshot in progress on its own thread, or null
    private long logBytesAtFreeze;                // logBytes when it was frozen: the log it makes obsolete
    private StoreState.Frozen behind;             // the frozen copy the snapshot in progress reads
    private StoreState.Frozen spare;              // a frozen copy no snapshot reads any more, for the next freeze
    private final RecordWriter behindRecords = new RecordWriter(); // the snapshot thread's, one snapshot at a time

    JournalCompaction(final Path dir, final JournalOptions options, final StoreState state,
        final JournalRecovery.Recovered recovered)
    {
        this.dir = dir;
        this.options = options;
        this.state = state;
        this.snapshotBytes = recovered.snapshotBytes();
        this.logBytes = recovered.logBytes();
    }

    /**
     * Decides what must happen before {@code bytes} are appended; waits for the snapshot in progress when the append
     * would pass the bound.
     */
    Step before(final long bytes) throws IOException
    {
        final long bound = Math.max(options.compactBytes(), snapshotBytes / SNAPSHOT_PER_LOG);
        if (logBytes > 0 && logBytes + bytes > bound)
        {
            take(true); // the one in progress leaves only the log written since its freeze
        }
        if (logBytes > 0 && logBytes + bytes > bound)
        {
            return Step.SNAPSHOT_NOW; // the log since the snapshot never outgrows the bound, even mid-snapshot
        }
        return running == null && logBytes > 0 && logBytes + bytes > bound / 2 ? Step.SNAPSHOT_BEHIND : Step.NONE;
    }

    void appended(final long bytes)
    {
        logBytes += bytes;
    }

    /**
     * A clean close snapshots when the log since the snapshot holds at least 1 MiB and an eighth of the snapshot: a
     * restart then reads one snapshot instead of replaying the log (replaying a task's progress costs more than
     * reading the task).
     */
    boolean compactsOnClose()
    {
        return options.compactBytes() != Long.MAX_VALUE && logBytes >= Math.max(CLOSE_COMPACT_BYTES, snapshotBytes / 8);
    }

    /**
     * Snapshots every task on this thread as of the start of segment {@code covered} (the current one, holding
     * {@code position} bytes), then deletes the older segments; after any snapshot in progress.
     */
    void snapshot(final long covered, final long position) throws IOException
    {
        take(true);
        final StoreState.Frozen frozen = state.freeze(spare);
        spare = null; // until written: a failure fails the journal
        snapshotBytes = JournalSnapshots.write(dir, options.channels(), frozen, records, covered);
        spare = frozen;
        logBytes = position;
    }

    /**
     * As {@link #snapshot}, for the current (empty) segment {@code covered}, written by a snapshot thread from a
     * frozen copy of the state while the writer goes on; {@link #take} takes its outcome.
     */
    void snapshotBehind(final long covered)
    {
        final StoreState.Frozen frozen = state.freeze(spare);
        spare = null;
        behind = frozen;
        logBytesAtFreeze = logBytes;
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                done.complete(JournalSnapshots.write(dir, options.channels(), frozen, behindRecords, covered));
            }
            catch (final IOException | RuntimeException | Error ex)
            {
                done.completeExceptionally(ex);
            }
        }, "orchestrator-journal-snapshot " + dir.getFileName());
        thread.setDaemon(true);
        running = done;
        thread.start();
    }

    /**
     * Takes the outcome of the snapshot in progress once it is done, or, with {@code wait}, once it completes.
     *
     * @throws IOException the snapshot's failure, which fails the journal.
     */
    void take(final boolean wait) throws IOException
    {
        final CompletableFuture<Long> done = running;
        if (done == null || (!wait && !done.isDone()))
        {
            return;
        }
        running = null;
        try
        {
            snapshotBytes = done.join();
            spare = behind; // read no more: the next freeze copies into it
            logBytes -= logBytesAtFreeze; // the log since the snapshot: the segments written after the freeze
        }
        catch (final CompletionException ex)
        {
            final Throwable cause = ex.getCause();
            throw cause instanceof IOException ? (IOException)cause : new IOException("snapshot failed: " + cause, cause);
        }
    }
}
