package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterStore;
import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskProgress;
import orchestrator.scheduler.store.TaskStoreException;

import java.time.ZoneId;
import java.util.function.BooleanSupplier;
import java.util.function.LongBinaryOperator;

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
     * Gives the live task {@code name} its new schedule ({@code replace}) and writes it to the shared row (its
     * schedule and next fire, as a registration with a changed schedule). The node's claims of the old schedule's
     * instants move the row to the new one instead of running, and count missed those that had come due, as the row
     * counts those no claim held: with the old definition, up to the reschedule.
     *
     * @return what {@code replace} returned: true when the task was rescheduled.
     * @throws TaskStoreException when the database could not store it.
     */
    static boolean reschedule(final TaskRegistry registry, final ClusterClaims claims, final ClusterStore store,
        final ZoneId zone, final String name, final BooleanSupplier replace)
    {
        final TaskDefinition before = definitionOf(registry, name);
        if (!replace.getAsBoolean())
        {
            return false;
        }
        registry.lock.lock(); // no run completes meanwhile: a run going moves the row to the new schedule
        try
        {
            final long next = registry.reads.nextFireTime(name);
            if (next == TaskDefinition.NEVER)
            {
                return true; // cancelled or finished meanwhile
            }
            claims.rescheduled(name, next, before, registry.clock.millis());
        }
        finally
        {
            registry.lock.unlock();
        }
        register(registry, store, zone, name, (due, now) -> ClusterClaims.dueFires(before, due, now));
        return true;
    }

    private static TaskDefinition definitionOf(final TaskRegistry registry, final String name)
    {
        registry.lock.lock();
        try
        {
            final int id = registry.table.idOf(name);
            return id == TaskTable.NO_ID ? null : registry.table.definitions[id];
        }
        finally
        {
            registry.lock.unlock();
        }
    }

    /**
     * Stores the live task {@code name} (registered, or rescheduled: then its changed schedule replaces the row's);
     * undoes a registration when the store refuses it.
     *
     * @param dueFires null for a registration; for a reschedule, the instants of the old schedule from a due one up
     *                 to now, counted missed in the row when no claim holds them.
     * @throws TaskStoreException when the database could not store it.
     */
    static void register(final TaskRegistry registry, final ClusterStore store, final ZoneId zone, final String name,
        final LongBinaryOperator dueFires)
    {
        final boolean registration = dueFires == null;
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
            stored = registration ? store.register(task) : store.reschedule(task, dueFires);
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
