package orchestrator.scheduler.store;

import java.util.Arrays;

/**
 * NOT thread safe: owned by a {@link StoreState}. Progress entries that carry the engine's slot, kept in columns by
 * slot until the state needs its rows ({@link StoreState#fold}), with each slot's name packed for the journal's
 * encoder.
 * <p>
 * Caveats: a slot holds the latest entry for one name object; an entry for another name in a pending slot folds the
 * pending one first. Columns grow to the highest slot seen and are never shrunk (about 70 bytes a slot).
 */
final class SlotProgress
{
    /*
     * Why columns: the engine's batches carry one entry per fired task and a fire's claim and completion are two
     * entries, while the rows only feed snapshots. Writing an entry into its row costs a cache miss per entry once the
     * rows outgrow the cache (each row is an object of its own); writing it into columns indexed by the engine's
     * slot, which come in runs of neighbours, costs none, and a row is written once per fold (at the next snapshot,
     * upsert or remove), not once per entry. Folding before every upsert and remove keeps the result exactly that of
     * applying each entry at once: a fold sees the same names held as the entries did.
     * The packed name lets the encoder write a short ASCII name without reading its String (another object, another
     * miss): it is valid while the slot's name object is the entry's own.
     */

    /** The most characters of a name packed in {@link #name0} and {@link #name1}. */
    static final int PACKED_NAME = 16;

    private String[] names = new String[0]; // the name object each slot's columns belong to
    private long[] name0 = new long[0];     // its first 8 ASCII characters, one byte each, little-endian
    private long[] name1 = new long[0];     // characters 8 to 15
    private int[] packedLength = new int[0]; // its length, or -1 when it is longer than 16 or not ASCII
    private final ProgressColumns columns = new ProgressColumns();

    /**
     * @return the packed length of {@code name} in {@code slot}, or -1 when the slot does not hold that very name object
     *         packed (the caller then writes the name itself).
     */
    int packedLength(final int slot, final String name)
    {
        return slot >= 0 && slot < names.length && names[slot] == name ? packedLength[slot] : -1;
    }

    long name0(final int slot)
    {
        return name0[slot];
    }

    long name1(final int slot)
    {
        return name1[slot];
    }

    /**
     * Records entry {@code i} of {@code batch}, whose slot is not negative; folds the slot first when it holds
     * another name's pending entry.
     */
    void record(final ProgressBatch batch, final int i, final StoreState state)
    {
        final int slot = batch.slot(i);
        final String name = batch.name(i);
        if (slot >= names.length)
        {
            grow(slot + 1);
        }
        if (names[slot] != name)
        {
            if (columns.isPending(slot))
            {
                foldSlot(slot, state);
            }
            names[slot] = name;
            pack(slot, name);
        }
        columns.record(slot, batch.stateOrdinal(i), batch.nextFire(i), batch.runs(i), batch.missed(i),
            batch.failures(i), batch.runningFire(i));
    }

    /** Applies every pending entry to its row, in slot order of first record; nothing is pending afterwards. */
    void fold(final StoreState state)
    {
        columns.fold(slot -> state.row(slot, names[slot]), state::touch);
    }

    private void foldSlot(final int slot, final StoreState state)
    {
        columns.apply(slot, state.row(slot, names[slot]));
    }

    private void pack(final int slot, final String name)
    {
        final boolean packable = packable(name);
        name0[slot] = packable ? packed(name, 0) : 0;
        name1[slot] = packable ? packed(name, Long.BYTES) : 0;
        packedLength[slot] = packable ? name.length() : -1;
    }

    /** @return whether {@code name} is at most {@link #PACKED_NAME} ASCII characters, so packs into two longs. */
    static boolean packable(final String name)
    {
        final int length = name.length();
        if (length > PACKED_NAME)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (name.charAt(i) >= 0x80)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the {@link #packable} name's characters {@code from} to {@code from + 7}, the first in the lowest byte
     *         (as its UTF-8 bytes read little-endian), zero past its end.
     */
    static long packed(final String name, final int from)
    {
        long value = 0;
        for (int i = from, end = Math.min(name.length(), from + Long.BYTES); i < end; i++)
        {
            value |= (long)name.charAt(i) << ((i - from) << 3);
        }
        return value;
    }

    private void grow(final int minimum)
    {
        final int capacity = Math.max(minimum, names.length * 2);
        names = Arrays.copyOf(names, capacity);
        name0 = Arrays.copyOf(name0, capacity);
        name1 = Arrays.copyOf(name1, capacity);
        packedLength = Arrays.copyOf(packedLength, capacity);
        columns.grow(capacity);
    }
}
