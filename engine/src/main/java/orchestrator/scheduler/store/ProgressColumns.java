package orchestrator.scheduler.store;

import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * NOT thread safe: owned by a {@link SlotProgress} or a {@link ReplayProgress}. The latest progress entry of each slot
 * in columns, and the slots whose entry is not applied to its row yet, in the order they were first recorded.
 */
final class ProgressColumns
{
    private byte[] states = new byte[0];
    private long[] nextFires = new long[0];
    private long[] runs = new long[0];
    private long[] missed = new long[0];
    private long[] failures = new long[0];
    private long[] runningFires = new long[0];
    private boolean[] pending = new boolean[0];
    private int[] pendingSlots = new int[16];
    private int pendingCount;
    private static final int AHEAD = 32; // slots whose rows are read ahead of their fold
    private int touched;                 // kept so that the reads ahead are not optimised away

    /** Grows every column to {@code capacity} slots. */
    void grow(final int capacity)
    {
        states = Arrays.copyOf(states, capacity);
        nextFires = Arrays.copyOf(nextFires, capacity);
        runs = Arrays.copyOf(runs, capacity);
        missed = Arrays.copyOf(missed, capacity);
        failures = Arrays.copyOf(failures, capacity);
        runningFires = Arrays.copyOf(runningFires, capacity);
        pending = Arrays.copyOf(pending, capacity);
    }

    /** Records the latest entry of {@code slot}, pending until applied; the fields mean what they mean in a row. */
    void record(final int slot, final byte state, final long nextFire, final long runs, final long missed,
        final long failures, final long runningFire)
    {
        states[slot] = state;
        nextFires[slot] = nextFire;
        this.runs[slot] = runs;
        this.missed[slot] = missed;
        this.failures[slot] = failures;
        runningFires[slot] = runningFire;
        if (!pending[slot])
        {
            pending[slot] = true;
            if (pendingCount == pendingSlots.length)
            {
                pendingSlots = Arrays.copyOf(pendingSlots, pendingCount * 2);
            }
            pendingSlots[pendingCount++] = slot;
        }
    }

    /** @return whether {@code slot} holds an entry not applied yet. */
    boolean isPending(final int slot)
    {
        return pending[slot];
    }

    /** Applies the pending entry of {@code slot} to {@code row} (none: the entry is dropped). */
    void apply(final int slot, final StoreState.Row row)
    {
        pending[slot] = false;
        if (row != null)
        {
            row.set(states[slot], nextFires[slot], runs[slot], missed[slot], failures[slot], runningFires[slot]);
        }
    }

    /**
     * Applies every pending entry to the row {@code rowOf} gives its slot (or none); nothing is pending afterwards.
     * {@code ahead} reads what {@code rowOf} will read of a slot, without effect, a stretch of slots ahead: the rows
     * lie scattered over the heap, and their misses then overlap instead of coming one after the other.
     */
    void fold(final IntFunction<StoreState.Row> rowOf, final IntUnaryOperator ahead)
    {
        int touched = 0;
        for (int k = 0; k < pendingCount; k++)
        {
            if ((k & (AHEAD - 1)) == 0)
            {
                for (int j = k + AHEAD, end = Math.min(pendingCount, k + 2 * AHEAD); j < end; j++)
                {
                    touched += ahead.applyAsInt(pendingSlots[j]);
                }
            }
            final int slot = pendingSlots[k];
            if (pending[slot])
            {
                apply(slot, rowOf.apply(slot));
            }
        }
        pendingCount = 0;
        this.touched = touched;
    }
}
