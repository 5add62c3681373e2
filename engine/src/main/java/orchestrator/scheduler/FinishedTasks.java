package orchestrator.scheduler;

import org.agrona.collections.Object2IntHashMap;

/**
 * NOT thread safe: guarded by the registry's lock. The most recently finished tasks (completed, cancelled, failed),
 * oldest dropped first, kept as columns in a ring so that retiring a task allocates nothing; {@link TaskInfo}s are
 * built only when read, after the lock is released ({@link TaskRows}). A ring of up to {@link #PREALLOCATED} entries
 * is made whole at build; a longer one (up to {@code Integer.MAX_VALUE}, "keep them all") starts at that length and
 * doubles as tasks finish, so its memory follows the tasks that finished, not the limit.
 * <p>
 * The index by name is brought up to date when a name is looked up, not when a task is retired: retiring writes the
 * ring's next slot and nothing else, and a lookup first files the entries retired since the last one (at most the
 * ring's capacity), so the work is the same per retired task, but off the path that fires and cancels tasks.
 */
final class FinishedTasks
{
    /** The longest ring made whole at build: the default {@code retainFinished}. */
    static final int PREALLOCATED = 10_000;

    private final int capacity;
    private TaskRows rows;                 // the ring; a one-time task's schedule text is null, its instant in onceAt
    private final Object2IntHashMap<String> slotByName = new Object2IntHashMap<>(-1);
    private String[] indexedNames;         // per slot: the name slotByName filed there, or null
    private long added;
    private long indexed;                  // entries before it are in slotByName

    FinishedTasks(final int capacity)
    {
        this.capacity = capacity;
        final int length = Math.max(Math.min(capacity, PREALLOCATED), 1);
        rows = new TaskRows(length);
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
        if (added == rows.names.length && added < capacity)
        {
            grow(); // not wrapped yet: the ring's entries are slots 0 to added - 1
        }
        final int slot = (int)(added++ % capacity);
        rows.set(slot, table, id, null, table.definitions[id].describe(), TaskDefinition.NEVER, timeoutCount, false);
    }

    private void grow()
    {
        final int length = (int)Math.min(capacity, 2L * rows.names.length);
        final TaskRows grown = new TaskRows(length);
        for (int slot = 0; slot < added; slot++)
        {
            grown.addCopy(rows, slot);
        }
        rows = grown;
        indexedNames = java.util.Arrays.copyOf(indexedNames, length);
    }

    /**
     * @return the number of entries {@link #copyTo(TaskRows)} copies: the finished tasks retained.
     */
    int retained()
    {
        return (int)Math.min(added, capacity);
    }

    /**
     * Copies the finished tasks, newest first, into {@code out} (lock held; {@code out} holds {@link #retained()}
     * rows). Names repeat when a name finished more than once; the reader keeps the first, the newest.
     */
    void copyTo(final TaskRows out)
    {
        final long first = Math.max(0, added - capacity);
        for (long i = added - 1; i >= first; i--)
        {
            final int slot = (int)(i % capacity);
            out.addCopy(rows, slot);
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
        out.addCopy(rows, slot);
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
            indexedNames[slot] = rows.names[slot];
            slotByName.put(rows.names[slot], slot);
        }
        indexed = added;
    }
}
