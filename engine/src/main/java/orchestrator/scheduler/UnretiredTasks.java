package orchestrator.scheduler;

import org.agrona.collections.Object2IntHashMap;

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

    /**
     * The task ended with a fire in flight.
     */
    void add(final String name, final int id)
    {
        ids.put(name, id);
    }

    /**
     * @return true when the task was one of these (its fire in flight has completed); false for any other task.
     */
    boolean retire(final String name, final int id)
    {
        return !ids.isEmpty() && ids.remove(name, id);
    }

    /**
     * @return the id of the task of that name with a fire in flight, or {@link TaskTable#NO_ID}.
     */
    int idOf(final String name)
    {
        return ids.isEmpty() ? TaskTable.NO_ID : ids.getValue(name);
    }

    /**
     * @return true when a task of the name of task {@code id}, ended during its run, still has that run in flight.
     */
    boolean runsUnderNameOf(final TaskTable table, final int id)
    {
        return !ids.isEmpty() && ids.containsKey(table.names[id]); // the names column is read only when needed
    }
}
