package orchestrator.scheduler;

import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.store.TaskStoreException;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
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
    /** The payload bytes one hold of {@link #writeAll} copies at most (past one task). */
    private static final long WRITE_ALL_BYTES = 1 << 20;

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
            throw failure(name, ex);
        }
    }

    /**
     * Writes the live tasks of {@code names} whole (after a re-seal), durable when this returns: read and queued
     * under one hold of the registry's lock per {@link #WRITE_ALL_BYTES} of payloads, and forced once per hold, by the
     * last write queued in it.
     */
    void writeAll(final List<String> names)
    {
        int from = 0;
        while (from < names.size())
        {
            from = writeSome(names, from);
        }
    }

    /** @return the index of the first name left for the next hold. */
    private int writeSome(final List<String> names, final int from)
    {
        CompletableFuture<Void> written = null;
        final List<StoredTask> tasks = new ArrayList<>();
        int next = from;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            long bytes = 0;
            while (next < names.size() && bytes < WRITE_ALL_BYTES)
            {
                final int id = registry.table.idOf(names.get(next++));
                if (id != TaskTable.NO_ID) // else cancelled or finished meanwhile
                {
                    final StoredTask task = StoredForms.of(registry, id, zone, registry.progress.entry(registry, id));
                    bytes += task.payload() == null ? 0 : task.payload().length;
                    tasks.add(task);
                }
            }
            for (int i = 0; i < tasks.size(); i++)
            {
                written = store.upsertInOrder(tasks.get(i), i == tasks.size() - 1); // its force covers the others
            }
        }
        catch (final RuntimeException ex)
        {
            written = CompletableFuture.failedFuture(ex);
        }
        finally
        {
            registry.lock.unlock();
        }
        try
        {
            if (written != null)
            {
                awaitDurable(written); // completes after every write before it, and fails if one of them did
            }
            return next;
        }
        catch (final RuntimeException ex)
        {
            registry.progress.failed(ex);
            throw failure(names.get(Math.max(from, next - 1)), ex);
        }
    }

    private static RuntimeException failure(final String name, final RuntimeException ex)
    {
        return ex instanceof TaskStoreException || ex instanceof IllegalStateException ? ex :
            new TaskStoreException("task '" + name + "' could not be stored: " + ex, ex);
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
