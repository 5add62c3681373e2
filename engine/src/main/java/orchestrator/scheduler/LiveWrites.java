package orchestrator.scheduler;

import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.store.TaskStoreException;

import java.time.ZoneId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Thread safe: any thread, the registry's lock not held (it takes it). Writes a live task whole to a durable store
 * (a registration, a pause, a resume, a reschedule, a re-seal), in order with the fire progress the scheduler hands
 * the store: the task is read and its write queued under the registry's lock, where progress batches are handed
 * over too, and the caller waits for the disk once the lock is released. Without that order a fire's batch handed
 * over between the read and the write would land first, and the older progress in the write would win.
 * <p>
 * Caveats: a store that cannot queue a write without waiting for it ({@link TaskStore#upsertInOrder} gives null) is
 * written after the lock is released, and the task's progress then goes with the next batch again, so that the
 * newest progress still lands last.
 */
final class LiveWrites
{
    private final TaskStore store;
    private final TaskRegistry registry;
    private final ZoneId zone;

    LiveWrites(final TaskStore store, final TaskRegistry registry, final ZoneId zone)
    {
        this.store = store;
        this.registry = registry;
        this.zone = zone;
    }

    /**
     * Writes a live task whole; on a failed write of a new registration, the registration is undone and the failure
     * thrown, so that no caller believes in a task the store does not hold.
     */
    void writeLive(final String name, final boolean registration)
    {
        final StoredTask task;
        final int id;
        CompletableFuture<Void> written;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            id = registry.table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return; // cancelled or finished meanwhile
            }
            task = StoredForms.of(registry, id, zone, registry.progress.entry(registry, id));
            try
            {
                // ordered among the progress batches, which are handed over under this lock: a fire's batch handed
                // over once the lock is released lands after this write, whose progress it supersedes
                written = store.upsertInOrder(task);
            }
            catch (final RuntimeException ex)
            {
                written = CompletableFuture.failedFuture(ex);
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        try
        {
            if (written != null)
            {
                awaitDurable(written);
            }
            else
            {
                store.upsert(task);
                rewriteProgress(name, id); // a batch handed over since the read may have landed before the write
            }
        }
        catch (final RuntimeException ex)
        {
            registry.progress.failed(ex);
            if (registration)
            {
                registry.undoRegistration(name);
            }
            throw ex instanceof TaskStoreException || ex instanceof IllegalStateException ? ex :
                new TaskStoreException("task '" + name + "' could not be stored: " + ex, ex);
        }
    }

    /** Waits for a write queued with {@link TaskStore#upsertInOrder}; fails as {@link TaskStore#upsert} would. */
    private void awaitDurable(final CompletableFuture<Void> written)
    {
        try
        {
            written.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TaskStoreException("interrupted while waiting for " + store + " to force a write; it may or " +
                "may not be durable", ex);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof IllegalStateException)
            {
                throw new IllegalStateException(cause.getMessage(), cause);
            }
            throw cause instanceof TaskStoreException ? (TaskStoreException)cause :
                new TaskStoreException(String.valueOf(cause.getMessage()), cause);
        }
    }

    /**
     * After a write that could not be ordered among the progress batches: the task's progress goes with the next
     * batch again, so that one handed over between the read and the write does not leave the older progress last.
     */
    private void rewriteProgress(final String name, final int id)
    {
        registry.lock.lock();
        try
        {
            if (registry.table.idOf(name) == id)
            {
                registry.progress.touch(id);
            }
        }
        finally
        {
            registry.lock.unlock();
        }
    }
}
