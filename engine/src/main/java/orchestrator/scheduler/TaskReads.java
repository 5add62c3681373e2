package orchestrator.scheduler;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Thread safe: every method may be called from any thread, callbacks included. The reads of {@link TaskRegistry}: one
 * task by name, every task, a task's next fire, and the tasks running (for the log of a close that timed out). Each
 * takes the registry's lock and drains the completions first, so a read sees every run that has finished.
 * <p>
 * Caveats: {@link #snapshot()} holds the lock for {@link #SNAPSHOT_CHUNK} ids at a time, never for all of them.
 */
final class TaskReads
{
    static final int SNAPSHOT_CHUNK = 1024;

    private final TaskRegistry registry;
    private final ReentrantLock lock;
    private final TaskTable table;
    private final TaskControl control;
    private final FireCycle cycle;
    private final FinishedTasks finished;               // guarded by lock
    private final UnretiredTasks unretired;             // guarded by lock

    TaskReads(final TaskRegistry registry, final FinishedTasks finished, final UnretiredTasks unretired)
    {
        this.registry = registry;
        this.lock = registry.lock;
        this.table = registry.table;
        this.control = registry.control;
        this.cycle = registry.cycle;
        this.finished = finished;
        this.unretired = unretired;
    }

    /**
     * @return the next fire of the live task of that name, or {@link TaskDefinition#NEVER}.
     */
    long nextFireTime(final String name)
    {
        lock.lock();
        try
        {
            cycle.drainCompletions();
            final int id = table.idOf(name);
            return id == TaskTable.NO_ID ? TaskDefinition.NEVER : shownNextFire(id);
        }
        finally
        {
            lock.unlock();
        }
    }

    Optional<TaskInfo> task(final String name)
    {
        final TaskRows row = new TaskRows(1);
        lock.lock();
        try
        {
            cycle.drainCompletions();
            int id = table.idOf(name);
            id = id != TaskTable.NO_ID ? id : unretired.idOf(name);
            if (id != TaskTable.NO_ID)
            {
                row.add(table, id, shownNextFire(id), control.timeouts(id));
            }
            else if (!finished.copyTo(name, row))
            {
                return Optional.empty();
            }
        }
        finally
        {
            lock.unlock();
        }
        return Optional.of(row.info(0));
    }

    /**
     * Every live task, then the finished ones, each name once (as {@link #task(String)} finds it); the live tasks are
     * copied {@link #SNAPSHOT_CHUNK} ids per lock hold, so each entry is one consistent state of its task but the list
     * is not one instant of the whole registry. A hold copies rows into buffers allocated before it ({@link TaskRows});
     * the entries, the list and the set of listed names are built after it is released, so no hold allocates or grows
     * with the number of tasks.
     */
    List<TaskInfo> snapshot()
    {
        final List<TaskInfo> infos = new ArrayList<>();
        final Set<String> listed = new HashSet<>();
        final TaskRows chunk = new TaskRows(SNAPSHOT_CHUNK);
        int from = 0;
        boolean last;
        do
        {
            lock.lock();
            try
            {
                cycle.drainCompletions();
                final int to = Math.min(table.highWater(), from + SNAPSHOT_CHUNK);
                for (int id = from; id < to; id++)
                {
                    if (table.names[id] != null && (table.isNamedAndLive(id) || isListedUnretired(id)))
                    {
                        chunk.add(table, id, shownNextFire(id), control.timeouts(id));
                    }
                }
                from = to;
                last = from >= table.highWater();
            }
            finally
            {
                lock.unlock();
            }
            for (int i = 0; i < chunk.size; i++)
            {
                infos.add(chunk.info(i));
                listed.add(chunk.names[i]);
            }
            chunk.clear();
        }
        while (!last);
        TaskRows history = null;
        while (true) // rows are allocated outside the lock, for as many entries as the history held at the last look
        {
            final int retained;
            lock.lock();
            try
            {
                retained = finished.retained();
                if (history != null && history.names.length >= retained)
                {
                    finished.copyTo(history);
                    break;
                }
            }
            finally
            {
                lock.unlock();
            }
            history = new TaskRows(retained);
        }
        for (int i = 0; i < history.size; i++) // newest first: a name is listed once, from a row or its newest entry
        {
            if (listed.add(history.names[i]))
            {
                infos.add(history.info(i));
            }
        }
        return List.copyOf(infos);
    }

    /**
     * The next fire a read shows (lock held): {@link TaskRegistry#nextFire}, except for a task whose fire in the wheel
     * passed, was not collected yet and will not run: the task is paused (its next collection or its resume counts
     * the passed fires as missed), or its {@link MisfirePolicy#SKIP} finds none within the misfire threshold. It
     * shows the first fire after now, the one its next collection or a resume now files: a fixed-delay task's is a
     * delay after now. A last fire (a one-time task's) is shown as it is: resume's misfire policy decides it, or the
     * collection ends the task. Only reads pay for this, never the collection.
     */
    private long shownNextFire(final int id)
    {
        final long next = registry.nextFire(id);
        if (next == TaskDefinition.NEVER || registry.wheel.deadline(id) != next)
        {
            return next;
        }
        final long now = cycle.millis(); // a clock that throws reads as long ago: the stored next fire is shown
        final TaskDefinition definition = table.definitions[id];
        if (next > now || !(table.hasFlag(id, TaskTable.PAUSED) ||
            registry.cluster == null && cycle.collector.skipsAll(definition, next, now)))
        {
            return next;
        }
        final long after = definition.fixedDelay() ?
            definition.delayAfter(now) : definition.nextFireAfterPassed(next, now);
        return after == TaskDefinition.NEVER ? next : after;
    }

    /**
     * @return whether a task that ended while its fire was in flight (lock held) is what {@link #task(String)} finds
     *         by its name: no live task has the name, and it is the newest of that name to end so. A name is listed
     *         once.
     */
    private boolean isListedUnretired(final int id)
    {
        final String name = table.names[id];
        return table.idOf(name) == TaskTable.NO_ID && unretired.idOf(name) == id;
    }

    /**
     * @return up to {@code limit} names of tasks whose fire is in flight, for a log line; scans the table.
     */
    List<String> runningTaskNames(final int limit)
    {
        final List<String> names = new ArrayList<>();
        lock.lock();
        try
        {
            for (int id = 0; id < table.highWater() && names.size() < limit; id++)
            {
                if (table.names[id] != null && table.hasFlag(id, TaskTable.RUNNING))
                {
                    names.add(table.names[id]);
                }
            }
        }
        finally
        {
            lock.unlock();
        }
        return names;
    }
}
