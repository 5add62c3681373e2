package orchestrator.scheduler;

import java.util.Arrays;

/**
 * NOT thread safe: part of a {@link TaskTable}, guarded by the registry's lock, except {@link #touch}, which a
 * gathering pass calls without it. The columns of the task table that many tasks never write: a recurring task has
 * no instant, a {@code Runnable} task no payload, and most tasks never miss a fire or fail. Each is null until the
 * first task that writes it: at 1M tasks a column costs 4 or 8 MB, and a retired task's row touches only the
 * columns that exist.
 * <p>
 * Caveats: once made, a column lives as long as the table. The first write of a column allocates it at the table's
 * capacity, under the registry's lock, as the table's growth does (8 MB at 1M tasks, once).
 */
final class RareColumns
{
    private int capacity;
    private long[] onceAt;       // the instant of a one-time task, epoch ms; 0 for a recurring one
    private Payload[] payloads;  // sealed payload of a handler task, null for a Runnable task
    private String[] lastErrors;
    private long[] missed;
    private long[] failures;

    RareColumns(final int capacity)
    {
        this.capacity = capacity;
    }

    /**
     * Starts the row of a new task at an id that is new or was cleared.
     */
    void start(final int id, final Payload payload, final long at)
    {
        payload(id, payload);
        onceAt(id, at);
        if (missed != null)
        {
            missed[id] = 0;
        }
        if (failures != null)
        {
            failures[id] = 0;
        }
    }

    /**
     * Drops the references of a freed id's row.
     */
    void clear(final int id)
    {
        payload(id, null);
        lastError(id, null);
    }

    /**
     * @return the instant of a one-time task, epoch ms; 0 for a recurring task.
     */
    long onceAt(final int id)
    {
        return valueAt(onceAt, id);
    }

    void onceAt(final int id, final long at)
    {
        if (at != 0 || onceAt != null)
        {
            onceAt = made(onceAt);
            onceAt[id] = at;
        }
    }

    /**
     * @return the sealed payload of a handler task, null for a {@code Runnable} task.
     */
    Payload payload(final int id)
    {
        return valueAt(payloads, id);
    }

    void payload(final int id, final Payload payload)
    {
        if (payload != null || payloads != null)
        {
            payloads = payloads != null ? payloads : new Payload[capacity];
            payloads[id] = payload;
        }
    }

    /**
     * @return the message of the task's last failure, or null.
     */
    String lastError(final int id)
    {
        return valueAt(lastErrors, id);
    }

    void lastError(final int id, final String error)
    {
        if (error != null || lastErrors != null)
        {
            lastErrors = lastErrors != null ? lastErrors : new String[capacity];
            lastErrors[id] = error;
        }
    }

    long missed(final int id)
    {
        return valueAt(missed, id);
    }

    void addMissed(final int id, final long fires)
    {
        if (fires != 0)
        {
            missed = made(missed);
            missed[id] += fires;
        }
    }

    long failures(final int id)
    {
        return valueAt(failures, id);
    }

    void addFailures(final int id, final long runs)
    {
        if (runs != 0)
        {
            failures = made(failures);
            failures[id] += runs;
        }
    }

    // a column is read once, as an argument: a gathering pass reads these without the lock
    private static long valueAt(final long[] column, final int id)
    {
        return column == null ? 0 : column[id];
    }

    private static <T> T valueAt(final T[] column, final int id)
    {
        return column == null ? null : column[id];
    }

    private long[] made(final long[] column)
    {
        return column != null ? column : new long[capacity];
    }

    /**
     * Any thread, the lock held or not: loads the row's lines in the columns that exist, for a gathering pass (see
     * {@link TaskTable#GATHER_ABOVE}).
     *
     * @return a value of no meaning, which the caller keeps so that the reads are not optimised away.
     */
    long touch(final int id)
    {
        return onceAt(id) + missed(id) + failures(id) + (lastError(id) == null ? 0 : 1);
    }

    void grow(final int capacity)
    {
        this.capacity = capacity;
        onceAt = onceAt == null ? null : Arrays.copyOf(onceAt, capacity);
        payloads = payloads == null ? null : Arrays.copyOf(payloads, capacity);
        lastErrors = lastErrors == null ? null : Arrays.copyOf(lastErrors, capacity);
        missed = missed == null ? null : Arrays.copyOf(missed, capacity);
        failures = failures == null ? null : Arrays.copyOf(failures, capacity);
    }
}
