package orchestrator.scheduler;

import org.agrona.collections.Object2IntHashMap;
import org.agrona.collections.ObjectHashSet;

/**
 * NOT thread safe: guarded by the registry's lock. The tasks that ended while a fire of theirs was in flight, by
 * name: their ids are retired when that fire completes. Until then {@link TaskReads#task(String)} finds them by name,
 * and a task registered again under the name waits for that fire as for its own run.
 */
final class UnretiredTasks
{
    /*
     * A name is one task to its users: listeners, metrics and task(name) all key by it. So a fire of a task registered
     * again under the name of one cancelled during its run is held back as if that run were its own (its overlap
     * policy decides), and the old run's completion makes its pending runs ready: one name never runs on two threads.
     */
    private final Object2IntHashMap<String> ids = new Object2IntHashMap<>(TaskTable.NO_ID);
    // names whose task registered again ended before the fire in flight: that newer task is the one reads show
    private final ObjectHashSet<String> superseded = new ObjectHashSet<>();

    /**
     * The task ended with a fire in flight.
     */
    void add(final String name, final int id)
    {
        ids.put(name, id);
    }

    /**
     * A task is retired. Any other task of its name still here ended before it: from now on reads show the one
     * retired, the newest of the name to end.
     *
     * @return true when the task was one of these (its fire in flight has completed); false for any other task.
     */
    boolean retire(final String name, final int id)
    {
        if (ids.isEmpty())
        {
            return false;
        }
        if (ids.remove(name, id))
        {
            superseded.remove(name);
            return true;
        }
        if (ids.containsKey(name))
        {
            superseded.add(name);
        }
        return false;
    }

    /**
     * @return true when task {@code id} is one of these and a task registered again under its name ended before it:
     *         that one is the newest of the name to end, kept in the history in its place.
     */
    boolean isSuperseded(final String name, final int id)
    {
        return !superseded.isEmpty() && superseded.contains(name) && ids.getValue(name) == id;
    }

    /**
     * @return the id of the task of that name with a fire in flight, or {@link TaskTable#NO_ID}; also when a task
     *         registered again under the name has ended since, which reads show instead.
     */
    int idOf(final String name)
    {
        return ids.isEmpty() || !superseded.isEmpty() && superseded.contains(name) ?
            TaskTable.NO_ID : ids.getValue(name);
    }

    /**
     * @return true when a task of the name of task {@code id}, ended during its run, still has that run in flight.
     */
    boolean runsUnderNameOf(final TaskTable table, final int id)
    {
        return !ids.isEmpty() && ids.containsKey(table.names[id]); // the names column is read only when needed
    }
}
