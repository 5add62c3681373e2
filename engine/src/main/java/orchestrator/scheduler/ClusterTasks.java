package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterStore;
import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskProgress;
import orchestrator.scheduler.store.TaskStoreException;

import java.time.ZoneId;

/**
 * Stateless: writes a task registered on a cluster node to the shared table. The same name registered on several
 * nodes is one row: the first registration inserts it, the later ones keep its progress and claim when the schedule
 * is the same and replace its schedule and next fire when it changed. A task the cluster already finished (a one-time
 * task another node ran) stays finished, and ends on this node too.
 */
final class ClusterTasks
{
    private ClusterTasks()
    {
    }

    /**
     * Stores the live task {@code name} (registered, or rescheduled: then its changed schedule replaces the row's);
     * undoes a registration when the store refuses it.
     *
     * @param registration true for a registration, false for a reschedule.
     * @throws TaskStoreException when the database could not store it.
     */
    static void register(final TaskRegistry registry, final ClusterStore store, final ZoneId zone, final String name,
        final boolean registration)
    {
        final long next = registry.reads.nextFireTime(name);
        final StoredTask task;
        registry.lock.lock();
        try
        {
            final int id = registry.table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return; // cancelled or finished meanwhile
            }
            task = StoredForms.of(registry, id, zone, new TaskProgress(name, TaskState.SCHEDULED,
                next == TaskDefinition.NEVER ? TaskProgress.NEVER : next, 0, 0, 0, TaskProgress.NOT_RUNNING));
        }
        finally
        {
            registry.lock.unlock();
        }
        final TaskState stored;
        try
        {
            stored = store.register(task);
        }
        catch (final RuntimeException ex)
        {
            if (registration)
            {
                registry.undoRegistration(name);
            }
            throw ex instanceof TaskStoreException ? ex :
                new TaskStoreException("task '" + name + "' could not be stored: " + ex, ex);
        }
        if (stored == TaskState.COMPLETED || stored == TaskState.FAILED)
        {
            finish(registry, name, stored);
        }
    }

    /**
     * Ends the live task {@code name} as the cluster already finished it (a one-time task another node ran).
     */
    private static void finish(final TaskRegistry registry, final String name, final TaskState state)
    {
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            final int id = registry.table.idOf(name);
            if (id != TaskTable.NO_ID)
            {
                registry.finish(id, state);
            }
        }
        finally
        {
            registry.lock.unlock();
        }
    }
}
