package orchestrator.scheduler;

/**
 * NOT thread safe: guarded by the registry's lock. Task names to task ids, for a table that keeps each id's name in
 * its own column: an open-addressing table of {@code long} entries, each the name's hash in the high half and its id
 * in the low half, probed linearly.
 * <p>
 * Why not a general map: a {@code String}-keyed map reads the key objects as it probes, re-hashes them when it
 * removes or grows, and so pays a cache miss on a {@code String} elsewhere in the heap per key it passes. Here the
 * stored hashes settle every probe but the matching one, and removal (backward shift) and growth move entries by
 * their stored hash alone: the only key read is the one name that matches, in the caller's column.
 * <p>
 * Caveats: at most half full; grows by doubling, never shrinks.
 */
final class NameIndex
{
    private static final long EMPTY = 0;
    private static final int MIN_CAPACITY = 16;

    private long[] entries;
    private int mask;
    private int size;

    NameIndex(final int expected)
    {
        final int capacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, expected) * 2 - 1) << 1);
        entries = new long[capacity];
        mask = capacity - 1;
    }

    /**
     * @return the name's hash as stored: {@code String.hashCode()} with its high bits spread into the low ones.
     */
    static int hash(final String name)
    {
        final int h = name.hashCode() * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    int size()
    {
        return size;
    }

    /**
     * @param names the table's column of names, where the id of each entry names its key.
     * @return the id filed under that name, or {@link TaskTable#NO_ID}.
     */
    int get(final String name, final String[] names)
    {
        final int hash = hash(name);
        final long[] entries = this.entries;
        final int mask = this.mask;
        int i = hash & mask;
        long entry;
        while ((entry = entries[i]) != EMPTY)
        {
            if ((int)(entry >>> 32) == hash)
            {
                final int id = (int)entry - 1;
                final String candidate = names[id];
                if (candidate == name || candidate.equals(name))
                {
                    return id;
                }
            }
            i = (i + 1) & mask;
        }
        return TaskTable.NO_ID;
    }

    /**
     * Reads the slot where a probe for {@code name} starts. Called for a run of names before they are looked up one
     * by one, it lets their cache misses overlap instead of coming one at a time: restoring a million tasks waited
     * about 150 ns per name for its slot.
     *
     * @return the slot's content, of no meaning to the caller, who keeps it so that the read is not optimised away.
     */
    long touch(final String name)
    {
        final long[] entries = this.entries; // one read: a gathering pass may run without the lock
        return entries[hash(name) & (entries.length - 1)];
    }

    /**
     * Makes room for {@code more} names beyond those filed, so that filing them re-files nothing.
     */
    void reserve(final int more)
    {
        final long needed = ((long)size + more) << 1;
        if (needed > entries.length && needed <= 1 << 30)
        {
            rehash(Integer.highestOneBit((int)needed - 1) << 1);
        }
    }

    /**
     * Files an id under a name that is not in the index.
     */
    void put(final String name, final int id)
    {
        if (++size > (mask + 1) >> 1)
        {
            rehash(entries.length << 1);
        }
        insert(entries, mask, ((long)hash(name) << 32) | (id + 1L));
    }

    /**
     * Takes an id out, found by its name's hash and its id, without reading any name.
     *
     * @return false when the id was not filed under that name.
     */
    boolean remove(final String name, final int id)
    {
        final long[] entries = this.entries;
        final int mask = this.mask;
        final long wanted = ((long)hash(name) << 32) | (id + 1L);
        int hole = (int)(wanted >>> 32) & mask;
        long entry;
        while ((entry = entries[hole]) != wanted)
        {
            if (entry == EMPTY)
            {
                return false;
            }
            hole = (hole + 1) & mask;
        }
        // backward shift: move up every later entry of the run whose home does not lie between the hole and it
        int next = (hole + 1) & mask;
        while ((entry = entries[next]) != EMPTY)
        {
            final int home = (int)(entry >>> 32) & mask;
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                entries[hole] = entry;
                hole = next;
            }
            next = (next + 1) & mask;
        }
        entries[hole] = EMPTY;
        size--;
        return true;
    }

    private static void insert(final long[] entries, final int mask, final long entry)
    {
        int i = (int)(entry >>> 32) & mask;
        while (entries[i] != EMPTY)
        {
            i = (i + 1) & mask;
        }
        entries[i] = entry;
    }

    private void rehash(final int capacity)
    {
        final long[] old = entries;
        final long[] grown = new long[capacity];
        final int grownMask = capacity - 1;
        for (final long entry : old)
        {
            if (entry != EMPTY)
            {
                insert(grown, grownMask, entry);
            }
        }
        entries = grown;
        mask = grownMask;
    }
}
