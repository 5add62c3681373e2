package orchestrator.scheduler;

import java.time.Instant;
import java.util.Optional;

/**
 * NOT thread safe: owned by one reader. Rows of tasks copied as plain fields while the registry's lock is held, so
 * that the {@link TaskInfo}s a read returns are built after the lock is released: a hold copies references and
 * numbers into arrays allocated before it and allocates nothing, so a collection its allocation would trigger never
 * stops the world inside a hold.
 */
final class TaskRows
{
    final String[] names;
    private final TaskDefinition[] definitions; // null where schedules holds the text
    private final String[] schedules;
    private final long[] onceAt;
    private final long[] nextFire;
    private final byte[] states;
    private final long[] runs;
    private final long[] missed;
    private final long[] failures;
    private final String[] lastErrors;
    private final long[] timeouts;
    private final boolean[] runningLong;
    int size;

    TaskRows(final int capacity)
    {
        names = new String[capacity];
        definitions = new TaskDefinition[capacity];
        schedules = new String[capacity];
        onceAt = new long[capacity];
        nextFire = new long[capacity];
        states = new byte[capacity];
        runs = new long[capacity];
        missed = new long[capacity];
        failures = new long[capacity];
        lastErrors = new String[capacity];
        timeouts = new long[capacity];
        runningLong = new boolean[capacity];
    }

    /**
     * Appends a copy of a row of the table (lock held).
     *
     * @param nextFire the task's next fire, or {@link TaskDefinition#NEVER}.
     * @param timeouts the task's runs that passed their timeout.
     */
    void add(final TaskTable table, final int id, final long nextFire, final long timeouts)
    {
        set(size++, table, id, table.definitions[id], null, nextFire, timeouts,
            table.hasFlag(id, TaskTable.RUNNING_LONG));
    }

    /**
     * Writes a copy of a row of the table at {@code row} (lock held).
     *
     * @param definition the task's definition, or null when {@code schedule} is given.
     * @param schedule   the schedule's text ({@link TaskDefinition#describe()}), or null when {@code definition} is
     *                   given or the task is one-time.
     */
    void set(
        final int row, final TaskTable table, final int id, final TaskDefinition definition, final String schedule,
        final long nextFire, final long timeouts, final boolean runningLong)
    {
        names[row] = table.names[id];
        definitions[row] = definition;
        schedules[row] = schedule;
        onceAt[row] = table.rare.onceAt(id);
        this.nextFire[row] = nextFire;
        states[row] = table.states[id];
        runs[row] = table.runs[id];
        missed[row] = table.rare.missed(id);
        failures[row] = table.rare.failures(id);
        lastErrors[row] = table.rare.lastError(id);
        this.timeouts[row] = timeouts;
        this.runningLong[row] = runningLong;
    }

    /**
     * Appends a copy of another buffer's row.
     */
    void addCopy(final TaskRows from, final int row)
    {
        final int to = size++;
        names[to] = from.names[row];
        definitions[to] = from.definitions[row];
        schedules[to] = from.schedules[row];
        onceAt[to] = from.onceAt[row];
        nextFire[to] = from.nextFire[row];
        states[to] = from.states[row];
        runs[to] = from.runs[row];
        missed[to] = from.missed[row];
        failures[to] = from.failures[row];
        lastErrors[to] = from.lastErrors[row];
        timeouts[to] = from.timeouts[row];
        runningLong[to] = from.runningLong[row];
    }

    /**
     * @return the row as the public record; any thread, after the copy.
     */
    TaskInfo info(final int row)
    {
        final String described = definitions[row] != null ? definitions[row].describe() : schedules[row];
        final String schedule = described != null ? described : Instant.ofEpochMilli(onceAt[row]).toString();
        final TaskState state = TaskState.values()[states[row]];
        final boolean finished = state == TaskState.CANCELLED || state == TaskState.COMPLETED ||
            state == TaskState.FAILED;
        final long next = nextFire[row];
        return new TaskInfo(names[row], schedule,
            next == TaskDefinition.NEVER || finished ? Optional.empty() : Optional.of(Instant.ofEpochMilli(next)),
            state, runs[row], missed[row], failures[row], Optional.ofNullable(lastErrors[row]), timeouts[row],
            runningLong[row]);
    }

    /**
     * Drops the references, so a reused buffer keeps no task alive.
     */
    void clear()
    {
        java.util.Arrays.fill(names, 0, size, null);
        java.util.Arrays.fill(definitions, 0, size, null);
        java.util.Arrays.fill(schedules, 0, size, null);
        java.util.Arrays.fill(lastErrors, 0, size, null);
        size = 0;
    }
}
