package orchestrator.scheduler.store;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Thread safe (one lock): the default store, which keeps tasks in this process only and survives {@link #close()}
 * as long as the object lives, so a scheduler closed and rebuilt on it in the same process finds its tasks again.
 */
final class InMemoryTaskStore implements TaskStore
{
    private final ReentrantLock lock = new ReentrantLock();
    private final StoreState state = new StoreState(); // guarded by lock
    private boolean open; // guarded by lock

    @Override
    public List<StoredTask> open()
    {
        lock.lock();
        try
        {
            if (open)
            {
                throw new IllegalStateException("the in-memory task store is already open");
            }
            open = true;
            return state.tasks();
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public CompletableFuture<Void> upsertInOrder(final StoredTask task)
    {
        upsert(task); // applied at once, in the caller's order: nothing to wait for
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void upsert(final StoredTask task)
    {
        Objects.requireNonNull(task, "task");
        lock.lock();
        try
        {
            requireOpen();
            state.upsert(task);
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public void remove(final String name)
    {
        Objects.requireNonNull(name, "name");
        lock.lock();
        try
        {
            requireOpen();
            state.remove(name);
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public CompletableFuture<Void> recordProgress(final ProgressBatch batch)
    {
        Objects.requireNonNull(batch, "batch");
        lock.lock();
        try
        {
            requireOpen();
            state.progress(batch);
            batch.release();
            return CompletableFuture.completedFuture(null);
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public boolean isDurable()
    {
        return false;
    }

    @Override
    public void close()
    {
        lock.lock();
        try
        {
            open = false;
        }
        finally
        {
            lock.unlock();
        }
    }

    private void requireOpen()
    {
        if (!open)
        {
            throw new IllegalStateException("the in-memory task store is not open");
        }
    }

    @Override
    public String toString()
    {
        return "TaskStore.inMemory()";
    }
}
