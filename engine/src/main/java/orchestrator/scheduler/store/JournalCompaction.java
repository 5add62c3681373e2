package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * NOT thread safe: owned by a journal's writer thread ({@link JournalWriter}). When the journal snapshots, and the
 * snapshot written behind the writer: the log since the snapshot is bounded by {@value #LOG_BYTES_PER_TASK} bytes a task
 * held (and compactBytes), about ten progress entries of each, which is what a restart after a kill replays; a
 * snapshot starts on a thread of its own once the log passes half the bound, and the writer snapshots itself only
 * before a batch that would pass the bound while none has finished.
 * <p>
 * Caveats: one snapshot runs at a time, from a frozen copy of the state; its outcome is taken by the writer at its next
 * batch or when it must wait, and a failure is thrown there (it fails the journal, as a failed write does). A snapshot
 * written behind the writer freezes the state on its own thread: until that freeze is done the writer changes nothing
 * in the state and {@link #apply} holds the records it wrote back (progress copied into one batch kept for it; an
 * upsert or a remove waits for the freeze), so that neither the writer nor the callers behind it wait for a copy of
 * every task (about 0.1 s at a million tasks). The batch keeps the size it grew to.
 */
final class JournalCompaction
{
    /** The log since the snapshot is bounded by this many bytes a task held (and compactBytes). */
    static final int LOG_BYTES_PER_TASK = 104;
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
    private StoreState.Frozen behind;             // the frozen copy the snapshot in progress reads; set by its
                                                  // thread before it completes running
    private StoreState.Frozen spare;              // a frozen copy no snapshot reads any more, for the next freeze
    private final RecordWriter behindRecords = new RecordWriter(); // the snapshot thread's, one snapshot at a time
    private CompletableFuture<Void> freezing;     // done once the snapshot in progress froze the state; null after
    private final ProgressBatch held = new ProgressBatch(1024); // progress written while the state was being frozen

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
        final long bound = bound();
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

    /** @return the most bytes of log since the snapshot. */
    long bound()
    {
        return Math.max(options.compactBytes(), (long)state.size() * LOG_BYTES_PER_TASK);
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
        final StoreState.Frozen[] frozen = new StoreState.Frozen[1];
        final StoreState.Frozen into = spare;
        spare = null; // until written: a failure fails the journal
        snapshotBytes = JournalSnapshots.write(dir, options, () -> frozen[0] = state.freeze(into), records,
            covered);
        spare = frozen[0];
        logBytes = position;
    }

    /**
     * As {@link #snapshot}, for the current (empty) segment {@code covered}, written by a snapshot thread from a
     * frozen copy of the state while the writer goes on; {@link #take} takes its outcome.
     */
    void snapshotBehind(final long covered)
    {
        final StoreState.Frozen into = spare;
        spare = null;
        logBytesAtFreeze = logBytes;
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final CompletableFuture<Void> frozen = new CompletableFuture<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                done.complete(JournalSnapshots.write(dir, options, () -> freeze(into, frozen),
                    behindRecords, covered));
            }
            catch (final IOException | RuntimeException | Error ex)
            {
                frozen.complete(null); // the state is the writer's again; the failure is taken with the outcome
                done.completeExceptionally(ex);
            }
        }, "orchestrator-journal-snapshot " + dir.getFileName());
        thread.setDaemon(true);
        running = done;
        freezing = frozen;
        thread.start();
    }

    /** On the snapshot thread: freezes the state into {@code into} and hands the state back to the writer. */
    private StoreState.Frozen freeze(final StoreState.Frozen into, final CompletableFuture<Void> frozen)
    {
        final StoreState.Frozen copy = state.freeze(into);
        behind = copy;
        frozen.complete(null);
        return copy;
    }

    /**
     * Applies a record the writer wrote to the state, or, while a snapshot thread freezes the state, holds it back: a
     * progress batch is copied and released at once, an upsert or a remove waits for the freeze.
     */
    void apply(final byte type, final Object value)
    {
        if (freezing != null)
        {
            if (type == Frames.PROGRESS_KEYED && !freezing.isDone())
            {
                final ProgressBatch batch = (ProgressBatch)value;
                held.addAll(batch);
                batch.release(); // copied: the engine may refill it
                return;
            }
            catchUp();
        }
        switch (type)
        {
            case Frames.UPSERT:
                state.upsert((StoredTask)value);
                break;
            case Frames.REMOVE:
                state.remove((String)value);
                break;
            case Frames.PROGRESS_KEYED:
                final ProgressBatch batch = (ProgressBatch)value;
                state.progress(batch);
                batch.release(); // encoded and applied: the engine may refill it
                break;
            default:
                break; // a compaction request carries no record
        }
    }

    /** Waits for the freeze in progress, if any, then applies the progress held back meanwhile. */
    private void catchUp()
    {
        final CompletableFuture<Void> frozen = freezing;
        if (frozen == null)
        {
            return;
        }
        frozen.join(); // never fails: a failed snapshot completes it too
        freezing = null;
        state.progress(held);
        held.clear();
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
        catchUp(); // its freeze is done once it is
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
