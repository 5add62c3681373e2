package orchestrator.scheduler.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Thread safe: every method may be called from any thread. Where a scheduler keeps its tasks: {@link #inMemory()}
 * (the default, nothing outlives the process) or {@link #journal(Path)} (an append-only, checksummed redo log with
 * snapshots in one directory, which survives a process kill and, for what was forced, a power loss).
 * <p>
 * Applications only choose a store with the two factories. The other methods are the engine's side of the seam,
 * called by the scheduler, not by applications: a scheduler opens the store once, writes every registration and
 * cancellation through {@link #upsert} and {@link #remove} (durable when they return) and every fire collection's
 * progress through {@link #recordProgress} (written in the background, not waited for), and closes it.
 * <p>
 * Caveats: the interface is sealed; it gains a PostgreSQL implementation later. A journal object is opened at most
 * once (to reopen a directory, make a new one with {@link #journal(Path)}); a journal directory is owned by one open
 * store at a time, across processes, and a second open is refused with the directory in the message. After a write
 * fails (disk full, I/O error) a journal refuses every later write with the original cause; reopening it recovers
 * everything acknowledged before the failure. Progress batches queue without bound while the disk is slower than
 * the engine.
 */
public sealed interface TaskStore extends AutoCloseable permits InMemoryTaskStore, JournalTaskStore, PostgresTaskStore
{
    /**
     * @return a store that keeps tasks in this process only: today's behaviour and the default. It holds what was
     * written to it until the object is dropped, so closing and opening the same instance again returns it.
     */
    static TaskStore inMemory()
    {
        return new InMemoryTaskStore();
    }

    /**
     * A journal in {@code directory} (created if missing). Nothing is read or locked until the scheduler opens it.
     *
     * @param directory the journal's own directory; it holds a lock file, numbered segments and one snapshot.
     * @return a durable store.
     */
    static TaskStore journal(final Path directory)
    {
        return new JournalTaskStore(Objects.requireNonNull(directory, "directory"), JournalOptions.DEFAULTS);
    }

    /**
     * Tasks in PostgreSQL, shared by every scheduler built on the same database: a cluster. Plain JDBC on the
     * application's {@code DataSource} (the engine has no compile dependency on a driver); the schema is created or
     * migrated when the scheduler opens the store. A scheduler on this store is a cluster node (see
     * {@code Scheduler.Builder#nodeId}): a task registered by the same name on several nodes is one task, and each of
     * its instants fires on one node.
     *
     * @param dataSource connections to the database; a node uses about three at a time.
     * @return a durable, shared store.
     */
    static TaskStore postgres(final javax.sql.DataSource dataSource)
    {
        return new PostgresTaskStore(Objects.requireNonNull(dataSource, "dataSource"));
    }

    /**
     * Engine only. The cluster's side of a shared store.
     *
     * @return the claims, leases and fences of a shared store; null for a store one process owns.
     */
    default ClusterStore cluster()
    {
        return null;
    }

    /**
     * Engine only. Opens the store: takes ownership (a journal locks its directory), recovers what was stored and
     * starts accepting writes.
     *
     * @return every stored task, in no particular order.
     * @throws TaskStoreException    when the directory is owned by another open store, or recovery found damage
     *                               before the tail of the log (the message names the file and the offset).
     * @throws IllegalStateException when this store is open, or is a journal that was opened before.
     */
    List<StoredTask> open();

    /**
     * Engine only. Stores a task whole, replacing any task of the same name. Durable when the call returns.
     *
     * @param task the task and its progress.
     * @throws TaskStoreException when the write failed or an earlier one did (the task was then not acknowledged),
     *                            or the caller was interrupted while waiting (the interrupt flag is kept; the write
     *                            may still become durable).
     */
    void upsert(StoredTask task);

    /**
     * Engine only. As {@link #upsert}, in two steps, for a store that writes in the order of its calls: the write
     * takes its place now, after every {@link #recordProgress} batch handed over before this call and before every
     * one handed over after it, and the returned future completes once it is durable. The engine calls it where it
     * hands its progress batches over (under its lock) and waits outside, so that a task's whole write never lands
     * after progress newer than its own.
     *
     * @param task the task and its progress.
     * @return completes when the write is durable, or exceptionally with the failure {@link #upsert} would throw.
     * @throws UnsupportedOperationException for a store whose tasks the cluster writes instead (PostgreSQL).
     */
    default CompletableFuture<Void> upsertInOrder(final StoredTask task)
    {
        throw new UnsupportedOperationException(this + " does not queue task writes: its tasks are written by the " +
            "cluster");
    }

    /**
     * Engine only. As {@link #upsertInOrder(StoredTask)}, forced only when {@code durable}: the future of a write that
     * is not completes once it is written, and the next forced write makes it durable, so a run of writes that ends
     * in a durable one is forced once. The default forces every write.
     *
     * @param task    the task and its progress.
     * @param durable false to leave the force to a later durable write.
     * @return completes when the write is written (and forced, when durable), or exceptionally.
     */
    default CompletableFuture<Void> upsertInOrder(final StoredTask task, final boolean durable)
    {
        return upsertInOrder(task);
    }

    /**
     * Engine only. Removes a task by name (nothing happens to other tasks; an unknown name is not an error).
     * Durable when the call returns.
     *
     * @param name the task's name.
     * @throws TaskStoreException when the write failed or an earlier one did, or the caller was interrupted while
     *                            waiting (as for {@link #upsert}).
     */
    void remove(String name);

    /**
     * Engine only. As {@link #remove}, without waiting: the removal takes its place after every write handed over
     * before it, and becomes durable with the next forced write (a kill may lose it). The engine drops this way the
     * finished handler tasks a restart found, which are never restored; the default removes at once.
     *
     * @param name the task's name.
     * @return completes when the removal is written, or exceptionally with a {@link TaskStoreException}.
     */
    default CompletableFuture<Void> removeLater(final String name)
    {
        remove(name);
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Engine only. Records the progress of the tasks one fire collection touched, without waiting for the disk.
     * Progress of a name the store does not hold is ignored. A later {@link #upsert} or a forced write makes it
     * durable; a process kill may lose it (the engine recovers by its misfire policy).
     *
     * @param batch progress entries, applied in order.
     * @return completes when the batch is written (not forced), or exceptionally with a {@link TaskStoreException}.
     */
    default CompletableFuture<Void> recordProgress(final List<TaskProgress> batch)
    {
        return recordProgress(ProgressBatch.of(batch));
    }

    /**
     * Engine only. As {@link #recordProgress(List)}, for a batch kept in columns; the store owns {@code batch} from
     * here on (the caller must not touch it again), and may hand it back for reuse with {@link ProgressBatch#release()}
     * once it no longer reads it.
     *
     * @param batch progress entries, applied in order.
     * @return completes when the batch is written (not forced), or exceptionally with a {@link TaskStoreException}.
     */
    CompletableFuture<Void> recordProgress(ProgressBatch batch);

    /**
     * @return whether what is written survives the process (false for {@link #inMemory()}).
     */
    boolean isDurable();

    /**
     * Writes and forces what is queued, stops the writer and releases the directory. Idempotent. Waits at most
     * 30 s for the writer.
     *
     * @throws TaskStoreException when the last writes could not be forced, or the writer did not stop in time.
     */
    @Override
    void close();

    /**
     * Closes as {@link #close()} does, but waits at most {@code timeout} for the last writes: a scheduler's
     * {@code close(Duration)} passes what is left of its own bound. The default waits as {@link #close()} does.
     *
     * @param timeout how long to wait for the writer.
     * @return false when the writer did not stop in time: it goes on with what was queued, and the store keeps its
     * directory (or connection) until it has stopped.
     * @throws TaskStoreException when the last writes could not be forced.
     */
    default boolean close(final Duration timeout)
    {
        close();
        return true;
    }
}
