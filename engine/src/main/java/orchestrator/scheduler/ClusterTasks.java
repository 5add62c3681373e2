package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterStore;
import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskProgress;
import orchestrator.scheduler.store.TaskStoreException;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;

/**
 * Stateless: writes a task registered on a cluster node to the shared table. The same name registered on several
 * nodes is one row: the first registration inserts it, the later ones keep its progress and claim when the schedule
 * is the same and replace its schedule and next fire when it changed. A task the cluster already finished (a one-time
 * task another node ran) stays finished, and ends on this node too.
 */
final class ClusterTasks
{
    /**
     * The longest task name a cluster stores, in UTF-8 bytes: the name is the primary key of the shared table, and a
     * PostgreSQL btree key holds at most 2,704 bytes (about 2,688 of text), so 1,024 characters of 3 bytes do not fit.
     */
    static final int MAX_NAME_BYTES = 2048;

    private ClusterTasks()
    {
    }

    /**
     * Checks that a task name fits the shared table, as {@link #checkKey} says.
     */
    static void checkName(final String name)
    {
        checkKey("task name", name);
    }

    /**
     * Checks that a task name or node id can key a row of the shared tables: no NUL character (PostgreSQL's text has
     * none), no unpaired surrogate (UTF-8 has none: the key would be stored as another), at most
     * {@link #MAX_NAME_BYTES} bytes in UTF-8.
     *
     * @param what "task name" or "node id", for the message.
     * @throws IllegalArgumentException when it cannot (the message says why and where, never the key itself).
     */
    static void checkKey(final String what, final String key)
    {
        final int nul = key.indexOf('\0');
        if (nul >= 0)
        {
            throw new IllegalArgumentException(what + " has a NUL character at index " + nul +
                ", which PostgreSQL's text cannot hold");
        }
        StoreBinding.requireWellFormed(what, key);
        final int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES)
        {
            throw new IllegalArgumentException(what + " is " + bytes + " bytes long in UTF-8, over the cluster's " +
                "limit of " + MAX_NAME_BYTES + " bytes (the key of its row in PostgreSQL)");
        }
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
