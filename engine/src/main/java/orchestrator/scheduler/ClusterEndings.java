package orchestrator.scheduler;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Thread safe: the fire cycle adds names (lock held), the cluster thread reads them and ends tasks, a cancel forgets
 * a name. The one-time tasks of a cluster node whose last instant passed here without this node's claim: another
 * node ran it (or will, or this one takes it over later). The node asks at its heartbeats whether their rows are
 * finished and ends the task here too, with the row's state, so that its {@code task(name)} and {@code tasks()} do
 * not show it scheduled for good with no fire left.
 */
final class ClusterEndings
{
    private static final String[] NONE = new String[0];

    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private final Map<String, TaskState> finished = new HashMap<>(); // cluster thread: found, not ended yet

    /**
     * Phase 1 (lock held): the wheel fired the last instant of {@code name} and this node held no claim to start it.
     */
    void lastInstantPassed(final String name)
    {
        names.add(name);
    }

    /**
     * The task was cancelled here: its row is no longer this node's to follow.
     */
    void forget(final String name)
    {
        if (!names.isEmpty())
        {
            names.remove(name);
        }
    }

    /**
     * Cluster thread: the names to ask about at the next heartbeat.
     */
    String[] names()
    {
        return names.isEmpty() ? NONE : names.toArray(NONE);
    }

    /**
     * Cluster thread: a heartbeat found these rows among {@link #names()} finished: name to state.
     */
    void found(final Map<String, TaskState> rows)
    {
        if (!rows.isEmpty())
        {
            finished.putAll(rows);
        }
    }

    /**
     * Cluster thread: ends here the tasks whose rows a heartbeat found finished, unless they have a fire left on this
     * node (rescheduled meanwhile, running, parked while paused, or with runs pending).
     */
    void endFinished(final TaskRegistry registry)
    {
        if (finished.isEmpty())
        {
            return;
        }
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            for (final Map.Entry<String, TaskState> row : finished.entrySet())
            {
                names.remove(row.getKey());
                final int id = registry.table.idOf(row.getKey());
                if (id != TaskTable.NO_ID && registry.nextFire(id) == TaskDefinition.NEVER &&
                    !registry.table.hasFlag(id, TaskTable.RUNNING) && registry.control.pending.fires(id) == 0)
                {
                    registry.finish(id, row.getValue());
                }
            }
            finished.clear();
        }
        finally
        {
            registry.lock.unlock();
        }
    }
}
