package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Any thread may {@link #submit}, one thread (its own) writes: the group-commit writer of a journal. Callers encode
 * and checksum their frames (the writer encodes progress batches itself), queue them and wait on their future only if
 * they asked for durability.
 */
final class JournalWriter implements Runnable
{
    /* Design.
     * Group commit: the writer takes everything queued at once, writes it as one buffer and forces the segment once
     * (force(false), fdatasync, which also persists the file size) if any entry of the batch asked for durability;
     * then it completes the futures and only then applies the batch to its StoreState (which only feeds snapshots),
     * so callers go on while it applies. The apply of a progress batch fills
     * columns by slot (SlotProgress), folded into the rows before a snapshot reads them; the encoding takes a short
     * name packed in those columns instead of reading the name's String. A future completes only after its
     * frame and every frame before it were written (and forced, for a durable one), so an acknowledged record is never
     * behind an unacknowledged hole; a compaction request completes after its snapshot.
     * Segments and snapshots: JournalSegment keeps the file appended to; JournalCompaction decides when to
     * snapshot. The log since the snapshot is bounded: before a batch that would take it past both compactBytes (a
     * segment, by default) and JournalCompaction.LOG_BYTES_PER_TASK bytes a task held, the writer waits for the
     * snapshot in progress and, if the log is still too long, starts a new segment and snapshots on its own thread. So the log a restart after a kill
     * replays never holds more than about ten progress entries per task (or one batch larger than that), which cost
     * more to replay per byte than the snapshot.
     * That wait is rare: once the log passes half the bound, the writer starts a new segment and a snapshot thread
     * freezes the StoreState (definitions shared, progress copied into columns; the writer holds back what it writes
     * meanwhile and applies it once the freeze is done), writes that to snapshot.tmp, forces it, renames it over
     * snapshot.dat (ATOMIC_MOVE), forces the directory and only then deletes the segments before the new one, while
     * the writer goes on appending: callers never wait for a snapshot's freeze, its encoding or its force. One
     * snapshot runs at a time; its outcome is taken by the writer's next batch (a failure fails the journal, as a
     * write's does). A compaction request and a clean close (when the log since the snapshot holds at least 1 MiB and
     * an eighth of the snapshot) snapshot on the writer's thread, after any snapshot in progress. A crash at any step
     * leaves either the old or the new snapshot with all the segments it needs. The price: a snapshot per half bound
     * of log.
     * Failure: any I/O error (or any other throwable, an OutOfMemoryError included) fails the batch's futures and
     * every later submission; nothing is acknowledged after it (after a failed fsync the kernel may have dropped the
     * pages, so retrying could acknowledge lost data). The segment is cut back, best effort, to the end of the last
     * batch written whole, so that a record whose caller was told it failed does not come back at the next open. If
     * the thread itself ends on a throwable, what is still queued fails too. Whoever closes the journal hands the
     * release of its lock to the writer when the writer does not stop in time (a stalled disk): the directory is never
     * released while this thread may still write to it.
     */

    /**
     * One queued record: a frame encoded by the caller, a progress batch ({@link Frames#PROGRESS_KEYED}, encoded
     * by the writer), or a compaction request (type 0, no frame).
     */
    record Entry(byte type, byte[] frame, Object value, boolean durable, CompletableFuture<Void> done)
    {
    }

    private final Path dir;
    private final JournalOptions options;
    private final StoreState state; // confined to the writer thread once started
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition queued = lock.newCondition();
    private final ArrayDeque<Entry> queue = new ArrayDeque<>(); // guarded by lock
    private boolean closing; // guarded by lock
    private volatile Throwable failure;
    private final Thread thread;
    private boolean stopped;        // guarded by lock: run() has returned
    private Runnable afterStop;     // guarded by lock: run once run() has returned

    private final JournalSegment segment;
    private final BatchFrames frames = new BatchFrames();
    private final ProgressCodec progressCodec;
    private final JournalCompaction compaction;

    JournalWriter(final Path dir, final JournalOptions options, final StoreState state,
        final JournalRecovery.Recovered recovered) throws IOException
    {
        this.dir = dir;
        this.options = options;
        this.state = state;
        this.progressCodec = new ProgressCodec(options.progressFrameBytes());
        progressCodec.segment(recovered.segment());
        this.compaction = new JournalCompaction(dir, options, state, recovered);
        this.segment = new JournalSegment(dir, options, recovered.segment(), recovered.position());
        this.thread = new Thread(this, "orchestrator-journal-writer " + dir.getFileName());
        thread.setDaemon(true);
    }

    void start()
    {
        thread.start();
    }

    /** Queues an entry; it fails at once if the journal failed or is closing. */
    CompletableFuture<Void> submit(final Entry entry)
    {
        lock.lock();
        try
        {
            final Throwable failed = failure;
            if (failed != null)
            {
                entry.done().completeExceptionally(refusal(failed));
            }
            else if (closing)
            {
                entry.done().completeExceptionally(new IllegalStateException("journal " + dir + " is closed"));
            }
            else
            {
                queue.add(entry);
                queued.signal();
            }
        }
        finally
        {
            lock.unlock();
        }
        return entry.done();
    }

    Throwable failure()
    {
        return failure;
    }

    /**
     * Lets the writer finish what is queued, force it and stop.
     *
     * @param waitMs how long to wait for the writer, at least 1 ms.
     * @return whether the writer stopped in time.
     */
    boolean close(final long waitMs) throws InterruptedException
    {
        lock.lock();
        try
        {
            closing = true;
            queued.signal();
        }
        finally
        {
            lock.unlock();
        }
        thread.join(Math.max(1, waitMs));
        return !thread.isAlive();
    }

    /**
     * Runs {@code action} once the writer has stopped: now if it has, else on its thread as its last step.
     */
    void afterStop(final Runnable action)
    {
        lock.lock();
        try
        {
            if (!stopped)
            {
                afterStop = action;
                return;
            }
        }
        finally
        {
            lock.unlock();
        }
        action.run();
    }

    @Override
    public void run()
    {
        try
        {
            final List<Entry> batch = new ArrayList<>();
            while (takeBatch(batch))
            {
                write(batch);
                batch.clear();
            }
            finish();
        }
        catch (final Throwable ex) // a throwable outside a batch's write: the journal fails
        {
            if (failure == null)
            {
                failure = ex;
            }
        }
        finally
        {
            stop();
        }
    }

    /** After the last batch: a snapshot if the log grew long, the last force. */
    private void finish()
    {
        try
        {
            compaction.take(true);
        }
        catch (final IOException ex)
        {
            failure = ex;
        }
        try
        {
            if (failure == null && compaction.compactsOnClose())
            {
                roll();
                // so that the next open reads a snapshot, not a long log
                compaction.snapshot(segment.number(), segment.position());
            }
            segment.close(failure == null);
        }
        catch (final IOException ex)
        {
            failure = ex;
        }
    }

    /** Fails what is still queued when the writer ends on a failure, then runs the action left by a late close. */
    private void stop()
    {
        final Runnable action;
        final List<Entry> left = new ArrayList<>();
        lock.lock();
        try
        {
            left.addAll(queue); // empty after a clean close; submit() refuses from here on (failure or closing)
            queue.clear();
            closing = true;
            stopped = true;
            action = afterStop;
        }
        finally
        {
            lock.unlock();
        }
        if (!left.isEmpty())
        {
            fail(left, failure != null ? failure : new IllegalStateException("journal " + dir + " is closed"));
        }
        if (action != null)
        {
            action.run();
        }
    }

    /** @return false when closing and nothing is left. */
    private boolean takeBatch(final List<Entry> batch)
    {
        lock.lock();
        try
        {
            while (queue.isEmpty() && !closing)
            {
                queued.awaitUninterruptibly(); // the writer stops only through close()
            }
            batch.addAll(queue);
            queue.clear();
            return !batch.isEmpty();
        }
        finally
        {
            lock.unlock();
        }
    }

    private void write(final List<Entry> batch)
    {
        if (failure != null)
        {
            fail(batch, failure);
            return;
        }
        try
        {
            compaction.take(false);
            boolean compact = false;
            boolean durable = false;
            for (final Entry entry : batch)
            {
                durable |= entry.durable();
                compact |= entry.type() != Frames.PROGRESS_KEYED && entry.frame() == null;
            }
            encode(batch);
            if (frames.bytes() > 0)
            {
                for (long encodedFor = segment.number(); ; encodedFor = segment.number())
                {
                    prepare(frames.bytes());
                    if (segment.number() == encodedFor)
                    {
                        break;
                    }
                    encode(batch); // its progress keys name their slots again in the new segment
                }
                writeOut(frames.bytes(), durable);
            }
            clearFrames();
            for (final Entry entry : batch)
            {
                if (entry.type() != 0)
                {
                    entry.done().complete(null); // after the write and, for a durable batch, the force
                }
            }
            for (final Entry entry : batch)
            {
                compaction.apply(entry.type(), entry.value()); // while the callers go on: the state only feeds snapshots
            }
            if (compact)
            {
                roll();
                compaction.snapshot(segment.number(), segment.position());
                for (final Entry entry : batch)
                {
                    entry.done().complete(null); // a compaction request: after its snapshot
                }
            }
        }
        catch (final Throwable ex)
        {
            failure = ex;
            segment.cutBack(ex);
            fail(batch, ex);
        }
    }

    /** Encodes the batch's records into {@link #frames}, after clearing them. */
    private void encode(final List<Entry> batch)
    {
        clearFrames();
        for (final Entry entry : batch)
        {
            if (entry.type() == Frames.PROGRESS_KEYED)
            {
                // on this thread, not the caller's; short names from the state's packed copies
                progressCodec.append((ProgressBatch)entry.value(), state.slots(), frames::addRange);
            }
            else if (entry.frame() != null)
            {
                frames.add(entry.frame());
            }
        }
    }

    /** Snapshots or starts a segment before {@code bytes} are appended, as the compaction's rules say. */
    private void prepare(final long bytes) throws IOException
    {
        final JournalCompaction.Step step = compaction.before(bytes);
        if (step == JournalCompaction.Step.SNAPSHOT_NOW)
        {
            roll();
            compaction.snapshot(segment.number(), segment.position()); // before the write: the log stays in its bound
        }
        else if (step == JournalCompaction.Step.SNAPSHOT_BEHIND)
        {
            roll();
            compaction.snapshotBehind(segment.number()); // early: usually written before the log reaches the bound
        }
        else if (segment.full(bytes))
        {
            roll();
        }
    }

    private void writeOut(final long bytes, final boolean durable) throws IOException
    {
        segment.append(frames, progressCodec.appended(), bytes, durable);
        compaction.appended(bytes);
    }

    private void clearFrames()
    {
        frames.clear();
        progressCodec.clear();
    }

    /** Forces the current segment and starts the next one, unless the current one is still empty. */
    private void roll() throws IOException
    {
        if (segment.roll())
        {
            progressCodec.segment(segment.number()); // its progress keys name their slots afresh
        }
    }

    private void fail(final List<Entry> batch, final Throwable cause)
    {
        final TaskStoreException refusal = refusal(cause);
        for (final Entry entry : batch)
        {
            entry.done().completeExceptionally(refusal);
        }
    }

    private TaskStoreException refusal(final Throwable cause)
    {
        return new TaskStoreException("journal " + dir + " could not write (" + cause +
            "); nothing written since is acknowledged, reopen the journal to recover", cause);
    }
}
