package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Not thread safe: filled by one thread, then handed to {@link TaskStore#recordProgress(ProgressBatch)}, after which
 * the store owns it and nobody else may touch it until the store calls {@link #release()} (a volatile write that the
 * filler's {@link #isReleased()} reads before it {@link #clear() clears} and refills the batch). The progress of the
 * tasks one fire collection touched, kept in primitive columns so that a million entries cost no object each.
 * <p>
 * Engine only, like {@link TaskProgress}: applications never build one. Each entry may carry a slot, a small number
 * the engine gives the task (its table row) that lets a store find the task again without looking its name up; a
 * slot is only a hint, checked against the name, and {@link #NO_SLOT} means none.
 */
public final class ProgressBatch
{
    /** The slot of an entry that has none. */
    public static final int NO_SLOT = -1;

    private static final TaskState[] STATES = TaskState.values();

    private String[] names;
    private byte[] states;
    private int[] slots;
    private long[] nextFires;
    private long[] runs;
    private long[] missed;
    private long[] failures;
    private long[] runningFires;
    private int size;
    private volatile boolean released; // the store no longer reads the batch: its filler may reuse it

    /**
     * @param capacity the number of entries expected; the batch grows past it.
     */
    public ProgressBatch(final int capacity)
    {
        final int initial = Math.max(capacity, 1);
        names = new String[initial];
        states = new byte[initial];
        slots = new int[initial];
        nextFires = new long[initial];
        runs = new long[initial];
        missed = new long[initial];
        failures = new long[initial];
        runningFires = new long[initial];
    }

    /**
     * @param entries progress entries, in order.
     * @return a batch of the same entries, without slots.
     */
    public static ProgressBatch of(final List<TaskProgress> entries)
    {
        final ProgressBatch batch = new ProgressBatch(entries.size());
        for (final TaskProgress progress : entries)
        {
            batch.add(NO_SLOT, progress.name(), progress.state(), progress.nextFire(), progress.runs(),
                progress.missed(), progress.failures(), progress.runningFire());
        }
        return batch;
    }

    /**
     * Appends an entry; the fields mean what they mean in {@link TaskProgress}.
     *
     * @param slot the engine's number for the task, or {@link #NO_SLOT}.
     */
    public void add(final int slot, final String name, final TaskState state, final long nextFire, final long runs,
        final long missed, final long failures, final long runningFire)
    {
        Objects.requireNonNull(name, "name");
        if (size == names.length)
        {
            grow();
        }
        final int i = size++;
        names[i] = name;
        states[i] = (byte)state.ordinal();
        slots[i] = slot;
        nextFires[i] = nextFire;
        this.runs[i] = runs;
        this.missed[i] = missed;
        this.failures[i] = failures;
        runningFires[i] = runningFire;
    }

    /** Appends every entry of {@code other}, in order, with a copy of each column's range. */
    void addAll(final ProgressBatch other)
    {
        final int count = other.size;
        while (size + count > names.length)
        {
            grow();
        }
        System.arraycopy(other.names, 0, names, size, count);
        System.arraycopy(other.states, 0, states, size, count);
        System.arraycopy(other.slots, 0, slots, size, count);
        System.arraycopy(other.nextFires, 0, nextFires, size, count);
        System.arraycopy(other.runs, 0, runs, size, count);
        System.arraycopy(other.missed, 0, missed, size, count);
        System.arraycopy(other.failures, 0, failures, size, count);
        System.arraycopy(other.runningFires, 0, runningFires, size, count);
        size += count;
    }

    private void grow()
    {
        final int capacity = names.length * 2;
        names = Arrays.copyOf(names, capacity);
        states = Arrays.copyOf(states, capacity);
        slots = Arrays.copyOf(slots, capacity);
        nextFires = Arrays.copyOf(nextFires, capacity);
        runs = Arrays.copyOf(runs, capacity);
        missed = Arrays.copyOf(missed, capacity);
        failures = Arrays.copyOf(failures, capacity);
        runningFires = Arrays.copyOf(runningFires, capacity);
    }

    /**
     * The store is done with the batch: every read of it happens before the filler's {@link #isReleased()} returns
     * true (the volatile write orders them).
     */
    public void release()
    {
        released = true;
    }

    /** @return whether the store released the batch, so its filler may {@link #clear()} and refill it. */
    public boolean isReleased()
    {
        return released;
    }

    /** Empties a released batch (or one never handed over) for reuse; it keeps its capacity. */
    public void clear()
    {
        Arrays.fill(names, 0, size, null); // no name outlives its task because a batch is kept for reuse
        size = 0;
        released = false;
    }

    /** @return how many entries the batch holds before it grows. */
    public int capacity()
    {
        return names.length;
    }

    /** @return the number of entries. */
    public int size()
    {
        return size;
    }

    /** @return whether the batch has no entry. */
    public boolean isEmpty()
    {
        return size == 0;
    }

    /** @return entry {@code i}'s task name. */
    public String name(final int i)
    {
        return names[i];
    }

    /** @return entry {@code i}'s slot, or {@link #NO_SLOT}. */
    public int slot(final int i)
    {
        return slots[i];
    }

    /** @return entry {@code i}'s state. */
    public TaskState state(final int i)
    {
        return STATES[states[i]];
    }

    byte stateOrdinal(final int i)
    {
        return states[i];
    }

    /** @return entry {@code i}'s next fire in epoch ms, or {@link TaskProgress#NEVER}. */
    public long nextFire(final int i)
    {
        return nextFires[i];
    }

    /** @return entry {@code i}'s runs. */
    public long runs(final int i)
    {
        return runs[i];
    }

    /** @return entry {@code i}'s missed fires. */
    public long missed(final int i)
    {
        return missed[i];
    }

    /** @return entry {@code i}'s failed runs. */
    public long failures(final int i)
    {
        return failures[i];
    }

    /** @return entry {@code i}'s running fire in epoch ms, or {@link TaskProgress#NOT_RUNNING}. */
    public long runningFire(final int i)
    {
        return runningFires[i];
    }

    /** @return entry {@code i} as an object. */
    public TaskProgress get(final int i)
    {
        return new TaskProgress(names[i], state(i), nextFires[i], runs[i], missed[i], failures[i], runningFires[i]);
    }

    /** @return every entry as an object, in order. */
    public List<TaskProgress> toList()
    {
        final List<TaskProgress> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++)
        {
            list.add(get(i));
        }
        return list;
    }

    @Override
    public String toString()
    {
        return "ProgressBatch[" + size + " entries]";
    }
}
