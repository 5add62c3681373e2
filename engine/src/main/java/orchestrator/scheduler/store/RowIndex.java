package orchestrator.scheduler.store;

/**
 * NOT thread safe (confined with its {@link StoreState}): finds a held row by name, as the place it holds in the
 * state's dense array of rows.
 * <p>
 * Open addressing with linear probing in one {@code long[]}: a slot packs a name's mixed hash (high half) with its
 * row's place plus one (low half; 0 is an empty slot), and the table is at most half full. A lookup reads one slot
 * for most names and only reads the row whose hash matches, which the caller reads next anyway; a
 * {@code HashMap<String, Row>} reads its table, then a node, and allocates a node per task: a million more objects
 * for each young collection of a restart to copy. Agrona's {@code Object2ObjectHashMap} compares every key it probes
 * with {@code equals}, a cache miss on another name each time, and was slower than the HashMap to load a snapshot.
 * Removal shifts the following slots back (no tombstones), so lookups never slow down as tasks come and go.
 * <p>
 * The same layout as the engine's {@code NameIndex} (which files ids against a column of names), kept apart because
 * a package-private class cannot serve two packages and neither belongs in the public API.
 */
final class RowIndex
{
    private static final int MIN_BITS = 4;
    private static final long PLACE_MASK = 0xFFFF_FFFFL;

    private long[] slots = new long[1 << MIN_BITS];
    private int shift = Integer.SIZE - MIN_BITS;
    private int size;

    /** Empties the index, with room for {@code count} names without growing. */
    void clear(final int count)
    {
        int bits = MIN_BITS;
        while ((1L << bits) < 2L * count)
        {
            bits++;
        }
        slots = new long[1 << bits];
        shift = Integer.SIZE - bits;
        size = 0;
    }

    int size()
    {
        return size;
    }

    /** @return the place of the row in {@code held} whose name equals {@code name}, or -1. */
    int find(final String name, final StoreState.Row[] held)
    {
        final int hash = mix(name);
        final long[] slots = this.slots;
        final int mask = slots.length - 1;
        for (int i = hash >>> shift; ; i = (i + 1) & mask)
        {
            final long slot = slots[i];
            if (slot == 0)
            {
                return -1;
            }
            if ((int)(slot >>> 32) == hash)
            {
                final int place = (int)(slot & PLACE_MASK) - 1;
                final String found = held[place].name;
                if (found == name || found.equals(name))
                {
                    return place;
                }
            }
        }
    }

    /** Adds {@code name}, not held yet, at {@code place}. */
    void add(final String name, final int place)
    {
        if (2 * (size + 1) > slots.length)
        {
            grow();
        }
        final int hash = mix(name);
        final int mask = slots.length - 1;
        int i = hash >>> shift;
        while (slots[i] != 0)
        {
            i = (i + 1) & mask;
        }
        slots[i] = pack(hash, place);
        size++;
    }

    /** Records that the row of {@code name} moved from place {@code from} to {@code to}. */
    void move(final String name, final int from, final int to)
    {
        final int i = slotOf(name, from);
        slots[i] = pack((int)(slots[i] >>> 32), to);
    }

    /** Removes {@code name}, held at {@code place}, and shifts the slots after it back into the gap. */
    void remove(final String name, final int place)
    {
        final long[] slots = this.slots;
        final int mask = slots.length - 1;
        int gap = slotOf(name, place);
        for (int i = (gap + 1) & mask; slots[i] != 0; i = (i + 1) & mask)
        {
            final int home = (int)(slots[i] >>> 32) >>> shift;
            // move slot i into the gap unless its home lies cyclically in (gap, i]
            if (((i - home) & mask) >= ((i - gap) & mask))
            {
                slots[gap] = slots[i];
                gap = i;
            }
        }
        slots[gap] = 0;
        size--;
    }

    private int slotOf(final String name, final int place)
    {
        final long wanted = pack(mix(name), place);
        final int mask = slots.length - 1;
        for (int i = (int)(wanted >>> 32) >>> shift; ; i = (i + 1) & mask)
        {
            if (slots[i] == wanted)
            {
                return i;
            }
            if (slots[i] == 0)
            {
                throw new IllegalStateException("'" + name + "' is not indexed at " + place);
            }
        }
    }

    private void grow()
    {
        final long[] old = slots;
        slots = new long[old.length * 2];
        shift--;
        final int mask = slots.length - 1;
        for (final long slot : old)
        {
            if (slot != 0)
            {
                int i = (int)(slot >>> 32) >>> shift;
                while (slots[i] != 0)
                {
                    i = (i + 1) & mask;
                }
                slots[i] = slot;
            }
        }
    }

    private static long pack(final int hash, final int place)
    {
        return ((long)hash << 32) | (place + 1L);
    }

    /** Fibonacci hashing: the top bits of the product, which {@code >>> shift} keeps, depend on every bit. */
    private static int mix(final String name)
    {
        return name.hashCode() * 0x9E37_79B9;
    }
}
