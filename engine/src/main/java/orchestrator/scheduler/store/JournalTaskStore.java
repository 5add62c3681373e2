package orchestrator.scheduler.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread safe: the durable store of {@link TaskStore#journal}, an append-only redo log of checksummed frames with
 * snapshots, written by one group-commit thread ({@link JournalWriter}) and rebuilt on open by
 * {@link JournalRecovery}.
 */
final class JournalTaskStore implements TaskStore
{
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    /** Journals of this process whose close ran out of time before their writer stopped: released when it stops. */
    private static final ConcurrentHashMap<Path, CountDownLatch> CLOSING = new ConcurrentHashMap<>();
    private final Path dir;
    private final JournalOptions options;
    private final Object lifecycle = new Object();
    private FileLock lock; // guarded by lifecycle
    private boolean opened; // guarded by lifecycle
    private CountDownLatch closing; // guarded by lifecycle: counted down once a writer a close gave up on has stopped
    private volatile JournalWriter writer;
    private volatile JournalRecovery.Recovered recovered;
    private final AtomicLong progressEntries = new AtomicLong(); // handed over by recordProgress; for tests

    JournalTaskStore(final Path dir, final JournalOptions options)
    {
        this.dir = dir;
        this.options = options;
    }

    @Override
    public List<StoredTask> open()
    {
        synchronized (lifecycle)
        {
            if (opened)
            {
                throw new IllegalStateException("journal " + dir + " was already opened by this store");
            }
            opened = true;
            try
            {
                Files.createDirectories(dir);
                awaitClosing(dir);
                lock = JournalFiles.lock(dir);
                final StoreState state = new StoreState();
                recovered = new JournalRecovery(dir, state).recover();
                final List<StoredTask> tasks = state.tasks();
                final JournalWriter started = new JournalWriter(dir, options, state, recovered);
                started.start(); // the state is the writer's from here on
                writer = started;
                return tasks;
            }
            catch (final IOException ex)
            {
                releaseLock();
                opened = false; // the same store may try again, and meet the same cause, not a state error
                throw new TaskStoreException("journal " + dir + " could not be opened: " + ex, ex);
            }
            catch (final RuntimeException ex)
            {
                releaseLock();
                opened = false;
                throw ex;
            }
        }
    }

    @Override
    public void upsert(final StoredTask task)
    {
        Objects.requireNonNull(task, "task");
        await(submit(Frames.UPSERT, new RecordWriter().begin().upsert(task).frame(Frames.UPSERT), task, true));
    }

    @Override
    public CompletableFuture<Void> upsertInOrder(final StoredTask task)
    {
        return upsertInOrder(task, true);
    }

    @Override
    public CompletableFuture<Void> upsertInOrder(final StoredTask task, final boolean durable)
    {
        Objects.requireNonNull(task, "task");
        return submit(Frames.UPSERT, new RecordWriter().begin().upsert(task).frame(Frames.UPSERT), task, durable);
    }

    @Override
    public void remove(final String name)
    {
        Objects.requireNonNull(name, "name");
        await(submit(Frames.REMOVE, new RecordWriter().begin().string(name).frame(Frames.REMOVE), name, true));
    }

    @Override
    public CompletableFuture<Void> removeLater(final String name)
    {
        Objects.requireNonNull(name, "name");
        return submit(Frames.REMOVE, new RecordWriter().begin().string(name).frame(Frames.REMOVE), name, false);
    }

    @Override
    public CompletableFuture<Void> recordProgress(final ProgressBatch batch)
    {
        Objects.requireNonNull(batch, "batch");
        progressEntries.addAndGet(batch.size());
        // encoded by the writer thread, which cuts a large batch (a million tasks' progress) into several whole
        // frames: each entry is a task's whole progress, so a kill between them loses no consistency
        return requireWriter().submit(new JournalWriter.Entry(Frames.PROGRESS_KEYED, null, batch, false,
            new CompletableFuture<>()));
    }

    @Override
    public boolean isDurable()
    {
        return true;
    }

    /**
     * Snapshots every task and deletes the segments the snapshot covers (the writer also does this by itself when
     * the log outgrows the snapshot). Durable when the call returns.
     */
    void compact()
    {
        await(requireWriter().submit(new JournalWriter.Entry((byte)0, null, null, true, new CompletableFuture<>())));
    }

    /** @return the progress entries handed to {@link #recordProgress(ProgressBatch)} so far; for tests. */
    long progressEntries()
    {
        return progressEntries.get();
    }

    /** @return what the open found; for tests. */
    JournalRecovery.Recovered recovered()
    {
        return recovered;
    }

    @Override
    public void close()
    {
        if (!close(CLOSE_WAIT))
        {
            throw new TaskStoreException("journal " + dir + ": the writer did not stop within " + CLOSE_WAIT +
                "; the directory stays locked until it does");
        }
    }

    /**
     * {@inheritDoc} The directory's lock is released when the writer has stopped: at once, or by the writer itself
     * when it stops after the timeout (a stalled disk), so that no other owner opens the journal while it may write.
     * A close after one that timed out waits again, within its own timeout, for that writer to stop.
     */
    @Override
    public boolean close(final Duration timeout)
    {
        final CountDownLatch given;
        synchronized (lifecycle)
        {
            final JournalWriter current = writer;
            writer = null;
            if (current == null)
            {
                releaseLock();
                given = closing;
                if (given == null)
                {
                    return true;
                }
            }
            else
            {
                return close(current, timeout);
            }
        }
        try // a close before this one gave up on the writer: it waits for it again, without the lifecycle's lock
        {
            return given.await(Math.max(1, Math.min(timeout.toMillis(), Long.MAX_VALUE / 2)), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean close(final JournalWriter current, final Duration timeout) // lifecycle held
    {
        final FileLock held = lock;
        lock = null;
        final boolean stopped;
        try
        {
            stopped = current.close(Math.max(1, Math.min(timeout.toMillis(), Long.MAX_VALUE / 2)));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            current.afterStop(() -> release(held));
            throw new TaskStoreException("interrupted while closing journal " + dir, ex);
        }
        if (!stopped)
        {
            final Path key = dir.toAbsolutePath().normalize();
            final CountDownLatch released = new CountDownLatch(1);
            CLOSING.put(key, released);
            closing = released;
            current.afterStop(() ->
            {
                release(held);
                CLOSING.remove(key, released);
                released.countDown();
            });
        }
        else
        {
            current.afterStop(() -> release(held)); // it has stopped: now
        }
        if (stopped && current.failure() != null)
        {
            throw new TaskStoreException("journal " + dir + " failed; its last writes are not acknowledged",
                current.failure());
        }
        return stopped;
    }

    private CompletableFuture<Void> submit(final byte type, final byte[] frame, final Object value,
        final boolean durable)
    {
        return requireWriter().submit(new JournalWriter.Entry(type, frame, value, durable, new CompletableFuture<>()));
    }

    private JournalWriter requireWriter()
    {
        final JournalWriter current = writer;
        if (current == null)
        {
            throw new IllegalStateException("journal " + dir + " is not open");
        }
        return current;
    }

    /** Waits for a durable write; an interrupt stops the wait, not the write, which may still become durable. */
    private void await(final CompletableFuture<Void> done)
    {
        try
        {
            done.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TaskStoreException("interrupted while waiting for journal " + dir + " to force a write; it " +
                "may or may not be durable", ex);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof IllegalStateException)
            {
                throw new IllegalStateException(cause.getMessage(), cause);
            }
            throw new TaskStoreException(cause.getMessage(), cause);
        }
    }

    /**
     * Waits, at most 30 s, for a close of the same directory in this process whose writer is still finishing its last
     * writes (its close ran out of time): then an open right after such a close is not refused.
     */
    private static void awaitClosing(final Path dir) throws IOException
    {
        final CountDownLatch closing = CLOSING.get(dir.toAbsolutePath().normalize());
        try
        {
            if (closing != null && !closing.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS))
            {
                throw new IOException("its last owner in this process is still writing its last records");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while its last owner in this process finished writing", ex);
        }
    }

    private void releaseLock()
    {
        final FileLock held = lock;
        lock = null;
        release(held);
    }

    private static void release(final FileLock held)
    {
        if (held != null)
        {
            try
            {
                held.channel().close();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }

    @Override
    public String toString()
    {
        return "TaskStore.journal(" + dir + ")";
    }
}
