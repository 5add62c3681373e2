package orchestrator.scheduler;

import org.agrona.collections.Object2IntHashMap;


/**
 * NOT thread safe: guarded by the registry's lock. The most recently finished tasks (completed, cancelled, failed),
 * oldest dropped first, kept as columns in a ring so that retiring a task allocates nothing; {@link TaskInfo}s are
 * built only when read, after the lock is released ({@link TaskRows}).
 * <p>
 * The index by name is brought up to date when a name is looked up, not when a task is retired: retiring writes the
 * ring's next slot and nothing else, and a lookup first files the entries retired since the last one (at most the
 * ring's capacity), so the work is the same per retired task, but off the path that fires and cancels tasks.
 */
final class FinishedTasks
{
    private final int capacity;
    private final String[] names;
    private final String[] schedules;      // null for a one-time task: its instant is in onceAt
    private final long[] onceAt;
    private final byte[] states;
    private final long[] runs;
    private final long[] missed;
    private final long[] failures;
    private final String[] lastErrors;
    private final long[] timeouts;
    private final Object2IntHashMap<String> slotByName = new Object2IntHashMap<>(-1);
    private final String[] indexedNames;   // per slot: the name slotByName filed there, or null
    private long added;
    private long indexed;                  // entries before it are in slotByName

    FinishedTasks(final int capacity)
    {
        this.capacity = capacity;
        final int length = Math.max(capacity, 1);
        names = new String[length];
        schedules = new String[length];
        onceAt = new long[length];
        states = new byte[length];
        runs = new long[length];
        missed = new long[length];
        failures = new long[length];
        lastErrors = new String[length];
        timeouts = new long[length];
        indexedNames = new String[length];
    }

    /**
     * Records a task that has just finished; its columns are copied from the table.
     */
    void add(final TaskTable table, final int id, final long timeoutCount)
    {
        if (capacity == 0)
        {
            return;
        }
        final int slot = (int)(added++ % capacity);
        final TaskDefinition definition = table.definitions[id];
        names[slot] = table.names[id];
        schedules[slot] = definition.describe();
        timeouts[slot] = timeoutCount;
        onceAt[slot] = table.onceAt[id];
        states[slot] = table.states[id];
        runs[slot] = table.runs[id];
        missed[slot] = table.missed[id];
        failures[slot] = table.failures[id];
        lastErrors[slot] = table.lastErrors[id];
    }

    /**
     * @return the number of entries {@link #copyTo} copies at most.
     */
    int capacity()
    {
        return capacity;
    }

    /**
     * Copies the finished tasks, newest first, into {@code out} (lock held; {@code out} holds {@link #capacity()}
     * rows). Names repeat when a name finished more than once; the reader keeps the first, the newest.
     */
    void copyTo(final TaskRows out)
    {
        final long first = Math.max(0, added - capacity);
        for (long i = added - 1; i >= first; i--)
        {
            final int slot = (int)(i % capacity);
            out.add(names[slot], null, schedules[slot], onceAt[slot], TaskDefinition.NEVER,
                states[slot], runs[slot], missed[slot], failures[slot], lastErrors[slot], timeouts[slot], false);
        }
    }

    /**
     * Copies the newest finished task of that name into {@code out} (lock held).
     *
     * @return false when none is retained.
     */
    boolean copyTo(final String name, final TaskRows out)
    {
        if (capacity == 0)
        {
            return false;
        }
        catchUp();
        final int slot = slotByName.getValue(name);
        if (slot < 0)
        {
            return false;
        }
        out.add(names[slot], null, schedules[slot], onceAt[slot], TaskDefinition.NEVER, states[slot], runs[slot],
            missed[slot], failures[slot], lastErrors[slot], timeouts[slot], false);
        return true;
    }

    private void catchUp()
    {
        for (long i = Math.max(indexed, added - capacity); i < added; i++)
        {
            final int slot = (int)(i % capacity);
            final String evicted = indexedNames[slot];
            if (evicted != null && slotByName.getValue(evicted) == slot)
            {
                slotByName.removeKey(evicted);
            }
            indexedNames[slot] = names[slot];
            slotByName.put(names[slot], slot);
        }
        indexed = added;
    }
}
