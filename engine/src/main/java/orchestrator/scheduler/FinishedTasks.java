package orchestrator.scheduler;

import org.agrona.collections.Object2IntHashMap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * NOT thread safe: guarded by the registry's lock. The most recently finished tasks (completed, cancelled, failed),
 * oldest dropped first, kept as columns in a ring so that retiring a task allocates nothing; {@link TaskInfo}s are
 * built only when read.
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
    private final Object2IntHashMap<String> slotByName = new Object2IntHashMap<>(-1);
    private long added;

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
    }

    /**
     * Records a task that has just finished; its columns are copied from the table.
     */
    void add(final TaskTable table, final int id)
    {
        if (capacity == 0)
        {
            return;
        }
        final int slot = (int)(added++ % capacity);
        final TaskDefinition definition = table.definitions[id];
        final String evicted = names[slot];
        if (evicted != null && slotByName.getValue(evicted) == slot)
        {
            slotByName.removeKey(evicted);
        }
        names[slot] = table.names[id];
        slotByName.put(names[slot], slot);
        schedules[slot] = definition.describe();
        onceAt[slot] = table.onceAt[id];
        states[slot] = table.states[id];
        runs[slot] = table.runs[id];
        missed[slot] = table.missed[id];
        failures[slot] = table.failures[id];
        lastErrors[slot] = table.lastErrors[id];
    }

    /**
     * Appends the finished tasks, newest first, skipping names in {@code skip} and older entries of a name already
     * listed, so each name appears once.
     */
    void appendTo(final List<TaskInfo> out, final Set<String> skip)
    {
        final Set<String> seen = new HashSet<>(); // finished names only: skip is not copied, it may hold millions
        final long first = Math.max(0, added - capacity);
        final List<TaskInfo> newestFirst = new ArrayList<>();
        for (long i = added - 1; i >= first; i--)
        {
            final int slot = (int)(i % capacity);
            if (!skip.contains(names[slot]) && seen.add(names[slot]))
            {
                newestFirst.add(info(slot));
            }
        }
        out.addAll(newestFirst);
    }

    /**
     * @return the newest finished task of that name.
     */
    Optional<TaskInfo> find(final String name)
    {
        final int slot = slotByName.getValue(name);
        return slot < 0 ? Optional.empty() : Optional.of(info(slot));
    }

    private TaskInfo info(final int slot)
    {
        final String schedule = schedules[slot] != null ? schedules[slot] : Instant.ofEpochMilli(onceAt[slot]).toString();
        return new TaskInfo(names[slot], schedule, Optional.empty(), TaskState.values()[states[slot]], runs[slot],
            missed[slot], failures[slot], Optional.ofNullable(lastErrors[slot]));
    }
}
