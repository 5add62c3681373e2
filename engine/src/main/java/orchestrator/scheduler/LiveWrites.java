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
        CompletableFuture<Void> written;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            final int id = registry.table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return; // cancelled or finished meanwhile
            }
            final StoredTask task = StoredForms.of(registry, id, zone, registry.progress.entry(registry, id));
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
            awaitDurable(written);
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
}
