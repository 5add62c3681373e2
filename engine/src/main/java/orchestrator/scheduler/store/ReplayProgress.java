package orchestrator.scheduler.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * NOT thread safe: one per {@link JournalRecovery}. Replays progress records, keyed and compact
 * ({@link ProgressCodec}'s formats), into columns, one column slot per task name, folded into the {@link StoreState}'s
 * rows before each upsert or remove of the log and at its end ({@link #fold}): the result is that of applying every
 * entry at once.
 */
final class ReplayProgress
{
    /*
     * Why: after a kill the log since the snapshot holds up to JournalCompaction.LOG_BYTES_PER_TASK bytes of progress
     * a task (JournalWriter's rule), about ten entries per task. Applying each entry to its row costs a String, a hash
     * lookup by name and a write to the row: three cache misses per entry. The engine writes its collections in the
     * same order round after round (and reversed in alternate batches), so an entry's task is most often the one that
     * followed the previous entry's task last time: its slot is found by comparing the entry's name, packed in two
     * longs, with those of the slots that followed or preceded the previous entry's (columns read in order, no miss),
     * and only a name seen for the first time or out of its usual order is looked up by name. A row is then written
     * once per fold, not once per entry. In a keyed record most entries carry no name, only the writer's slot: the
     * slot its name gave earlier in the segment is found in a column by key, and whether its row was removed since in
     * another, so such an entry reaches no object at all.
     * A slot belongs to one row: a removed row's slot is never matched again ({@link #removed}; the name looked up anew
     * finds the row of a later upsert, which gets a slot of its own), and a fold skips removed rows, so slots never mix
     * two rows.
     */

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
        ByteOrder.LITTLE_ENDIAN);
    private static final int NOT_PACKED = -1;
    private static final long ASCII = 0x8080808080808080L;

    private int count;
    private long[] name0 = new long[0];
    private long[] name1 = new long[0];
    private int[] lengths = new int[0]; // packed length, or NOT_PACKED
    private StoreState.Row[] rows = new StoreState.Row[0];
    private boolean[] removed = new boolean[0]; // whether the slot's row was removed: read without reaching the row
    private int[] successors = new int[0];      // the slot whose entry followed this one's last time
    private int[] otherSuccessors = new int[0]; // the one before that, if another
    private int[] predecessors = new int[0];    // the slot whose entry came before this one's (an order reversed)
    private final ProgressColumns columns = new ProgressColumns();
    private int previous = -1;
    private long lookups;
    private String lookedUp;                   // the name the last lookup by name was for
    private final SegmentKeys keys = new SegmentKeys();

    // the entry being read
    private int p;
    private int end;
    private long lo;
    private long hi;

    /**
     * Reads the compact progress body {@code b[offset, offset + length)} and records its entries; entries of a name
     * the state does not hold are ignored, as {@link StoreState#progress} does.
     *
     * @throws IllegalArgumentException when the body cannot be read.
     */
    void read(final byte[] b, final int offset, final int length, final StoreState state)
    {
        read(b, offset, length, state, false);
    }

    /**
     * As {@link #read(byte[], int, int, StoreState)}, for a keyed progress body ({@link Frames#PROGRESS_KEYED}): a key
     * without a name stands for the name its key carried last in the same segment.
     *
     * @throws IllegalArgumentException also for a key that no entry of the segment named.
     */
    void readKeyed(final byte[] b, final int offset, final int length, final StoreState state)
    {
        read(b, offset, length, state, true);
    }

    /** A new segment starts: no key names anything yet. */
    void segment()
    {
        keys.segment();
    }

    private void read(final byte[] b, final int offset, final int length, final StoreState state, final boolean keyed)
    {
        p = offset;
        end = offset + length;
        final int entries = getInt(b);
        if (entries < 0 || entries > end - p)
        {
            throw new IllegalArgumentException("impossible progress count " + entries);
        }
        final long base = getLong(b);
        for (int i = 0; i < entries; i++)
        {
            final int slot = keyed ? keyedSlotOf(b, state) : slotOf(b, state);
            final int state0 = p < end ? b[p++] : cutShort();
            if (state0 < 0 || state0 >= StoreState.STATE_COUNT)
            {
                throw new IllegalArgumentException("unknown task state " + state0);
            }
            final long next = base + RecordCodec.unZigZag(varLong(b));
            final long runs0 = varLong(b);
            final long missed0 = varLong(b);
            final long failures0 = varLong(b);
            final long running = varLong(b);
            if (slot >= 0)
            {
                columns.record(slot, (byte)state0, next, runs0, missed0, failures0,
                    running == 0 ? TaskProgress.NOT_RUNNING : base + RecordCodec.unZigZag(running - 1));
            }
        }
        if (p != end)
        {
            throw new IllegalArgumentException((end - p) + " bytes left over after the record");
        }
    }

    /**
     * Makes room for the {@code tasks} of a snapshot, whose names {@link #packSeed} then packs and {@link #seed} gives
     * slots.
     */
    void reserveSeeds(final int tasks)
    {
        if (count != 0)
        {
            throw new IllegalStateException("seeds go first");
        }
        grow(Math.max(1024, tasks));
    }

    /**
     * Packs the name of the snapshot's task {@code i} for slot {@code i}. Threads may pack distinct tasks at once, if
     * {@link #seed} happens after all of them.
     */
    void packSeed(final int i, final String name)
    {
        final boolean packable = SlotProgress.packable(name);
        name0[i] = packable ? SlotProgress.packed(name, 0) : 0;
        name1[i] = packable ? SlotProgress.packed(name, Long.BYTES) : 0;
        lengths[i] = packable ? name.length() : NOT_PACKED;
    }

    /**
     * Gives slot {@code i} to {@code rows[i]}, the row of the snapshot's task {@code i} (whose name {@link #packSeed}
     * packed), each predicted to follow the one before it and to precede the one after it. The snapshot lists the
     * tasks in the order the engine restores them, and an engine restored from it touches every task in that order,
     * so the first round it writes after its restart is read without a lookup by name.
     */
    void seed(final StoreState.Row[] rows)
    {
        for (int slot = 0; slot < rows.length; slot++)
        {
            final StoreState.Row row = rows[slot];
            this.rows[slot] = row;
            row.replaySlot = slot;
            removed[slot] = row.removed;
            lengths[slot] = row.removed ? NOT_PACKED : lengths[slot];
            successors[slot] = slot + 1 < rows.length ? slot + 1 : -1;
            otherSuccessors[slot] = -1;
            predecessors[slot] = slot - 1;
        }
        count = rows.length;
    }

    /** Applies every pending entry to its row; nothing is pending afterwards. */
    void fold()
    {
        columns.fold(slot -> rows[slot].removed ? null : rows[slot], slot -> rows[slot].touch());
    }

    /** @return how many entries were found by looking their name up; for tests. */
    long lookups()
    {
        return lookups;
    }

    /** Called when {@code row} is removed: its slot is never matched again (a later upsert makes another row). */
    void removed(final StoreState.Row row)
    {
        if (row != null && row.replaySlot >= 0 && row.replaySlot < count && rows[row.replaySlot] == row)
        {
            lengths[row.replaySlot] = NOT_PACKED;
            removed[row.replaySlot] = true;
        }
    }

    /**
     * @return the slot of a keyed entry's task (read past its key and name), or -1 when the state does not hold it. A
     *         key whose row was removed since it was named looks its name up again, as the journal's writer does.
     */
    private int keyedSlotOf(final byte[] b, final StoreState state)
    {
        final long key = varLong(b);
        final long slotPlusOne = key >>> 1;
        if (slotPlusOne > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("impossible progress key " + key);
        }
        final int k = (int)slotPlusOne - 1;
        if ((key & 1) != 0)
        {
            lookedUp = null;
            final int slot = slotOf(b, state);
            if (k >= 0)
            {
                keys.name(k, slot, lookedUp);
            }
            return slot;
        }
        final int slot = keys.slot(k);
        if (slot >= 0 && !removed[slot])
        {
            return slot;
        }
        final String name = slot >= 0 ? rows[slot].name : keys.name(k);
        final StoreState.Row row = state.row(-1, name);
        lookups++;
        final int found = row == null ? -1 : slotOfRow(row, NOT_PACKED);
        keys.name(k, found, name);
        return found;
    }

    /** @return the slot of the entry's name (read past it), or -1 when the state does not hold it. */
    private int slotOf(final byte[] b, final StoreState state)
    {
        final long length = varLong(b);
        if (length < 0 || length > end - p)
        {
            cutShort();
        }
        final int n = (int)length;
        final int packed = pack(b, n) ? n : NOT_PACKED;
        if (packed != NOT_PACKED && previous >= 0)
        {
            final int predicted = predicted(previous, n);
            if (predicted >= 0)
            {
                p += n;
                previous = predicted;
                return predicted;
            }
        }
        lookups++;
        lookedUp = new String(b, p, n, StandardCharsets.UTF_8);
        final StoreState.Row row = state.row(-1, lookedUp);
        p += n;
        if (row == null)
        {
            return -1;
        }
        final int slot = slotOfRow(row, packed);
        if (previous >= 0 && successors[previous] != slot)
        {
            otherSuccessors[previous] = successors[previous];
            successors[previous] = slot;
            predecessors[slot] = previous;
        }
        previous = slot;
        return slot;
    }

    /** @return the slot of {@code row}, given one when it has none yet (its name packed, or not when NOT_PACKED). */
    private int slotOfRow(final StoreState.Row row, final int packed)
    {
        final int slot = row.replaySlot;
        if (slot < 0 || slot >= count || rows[slot] != row) // none yet, or given by another replay of the state
        {
            return add(row, packed);
        }
        return slot;
    }

    /** @return the slot among those that came next to {@code last} before whose name is the packed one, or -1. */
    private int predicted(final int last, final int length)
    {
        if (matches(last, length))
        {
            return last;
        }
        final int next = successors[last];
        if (next >= 0 && matches(next, length))
        {
            return next;
        }
        final int before = predecessors[last];
        if (before >= 0 && matches(before, length))
        {
            return before;
        }
        final int other = otherSuccessors[last];
        return other >= 0 && matches(other, length) ? other : -1;
    }

    private boolean matches(final int slot, final int length)
    {
        return lengths[slot] == length && name0[slot] == lo && name1[slot] == hi;
    }

    /** Packs the name of {@code length} bytes at {@code p} into {@link #lo} and {@link #hi} if it is short ASCII. */
    private boolean pack(final byte[] b, final int length)
    {
        if (length > SlotProgress.PACKED_NAME)
        {
            return false;
        }
        if (p + 2 * Long.BYTES <= b.length)
        {
            final long first = (long)LONGS.get(b, p);
            final long second = (long)LONGS.get(b, p + Long.BYTES);
            lo = length >= Long.BYTES ? first : first & ((1L << (length << 3)) - 1);
            hi = length <= Long.BYTES ? 0 : length == 2 * Long.BYTES ? second :
                second & ((1L << ((length - Long.BYTES) << 3)) - 1);
        }
        else
        {
            lo = 0;
            hi = 0;
            for (int i = 0; i < length; i++)
            {
                final long c = b[p + i] & 0xFF;
                if (i < Long.BYTES)
                {
                    lo |= c << (i << 3);
                }
                else
                {
                    hi |= c << ((i - Long.BYTES) << 3);
                }
            }
        }
        return ((lo | hi) & ASCII) == 0;
    }

    private int add(final StoreState.Row row, final int packed)
    {
        if (count == rows.length)
        {
            grow(Math.max(1024, count * 2));
        }
        final int slot = count++;
        name0[slot] = lo;
        name1[slot] = hi;
        lengths[slot] = packed;
        rows[slot] = row;
        removed[slot] = false;
        successors[slot] = -1;
        otherSuccessors[slot] = -1;
        predecessors[slot] = -1;
        row.replaySlot = slot;
        return slot;
    }

    private void grow(final int capacity)
    {
        name0 = Arrays.copyOf(name0, capacity);
        name1 = Arrays.copyOf(name1, capacity);
        lengths = Arrays.copyOf(lengths, capacity);
        rows = Arrays.copyOf(rows, capacity);
        removed = Arrays.copyOf(removed, capacity);
        successors = Arrays.copyOf(successors, capacity);
        otherSuccessors = Arrays.copyOf(otherSuccessors, capacity);
        predecessors = Arrays.copyOf(predecessors, capacity);
        columns.grow(capacity);
    }

    private int getInt(final byte[] b)
    {
        if (end - p < Integer.BYTES)
        {
            cutShort();
        }
        final int value = Frames.readInt(b, p);
        p += Integer.BYTES;
        return value;
    }

    private long getLong(final byte[] b)
    {
        final long high = getInt(b) & 0xFFFFFFFFL;
        return high << 32 | getInt(b) & 0xFFFFFFFFL;
    }

    private long varLong(final byte[] b)
    {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (p >= end)
            {
                cutShort();
            }
            final byte c = b[p++];
            value |= (long)(c & 0x7F) << shift;
            if (c >= 0)
            {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    private static int cutShort()
    {
        throw new IllegalArgumentException("record body cut short");
    }
}
