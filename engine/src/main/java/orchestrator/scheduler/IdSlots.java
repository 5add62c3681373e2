package orchestrator.scheduler;

import java.util.Arrays;

/**
 * NOT thread safe: owned by one {@link IdWheel}. One level of the wheel: a fixed number of slots, each a reusable
 * {@code int[]} whose element 0 is the slot's entry count and elements {@code 1 .. count} are ids or
 * {@link #TOMBSTONE}s, in the order they were added.
 * <p>
 * Every id added is located by {@code positions[id] = tag | index}; this class keeps that locator up to date when it
 * moves an entry, and the wheel does when it moves one itself.
 * <p>
 * Caveats: a slot array is allocated on the slot's first use and then kept, at its largest size, for reuse: the
 * memory of a burst into one slot is held until the wheel is dropped.
 */
final class IdSlots
{
    /** An entry whose id was cancelled. */
    static final int TOMBSTONE = -1;
    private static final int INITIAL_LENGTH = 8;

    private final int[][] slots;
    private final int tag;

    /**
     * @param slots how many slots.
     * @param tag   or-ed into the index of every locator written, naming this level.
     */
    IdSlots(final int slots, final int tag)
    {
        this.slots = new int[slots][];
        this.tag = tag;
    }

    /**
     * @param slot a slot.
     * @return the slot's array, or null when the slot was never used.
     */
    int[] slot(final int slot)
    {
        return slots[slot];
    }

    /**
     * @param slot a slot.
     * @return the number of entries in the slot, tombstones included.
     */
    int count(final int slot)
    {
        final int[] entries = slots[slot];
        return entries == null ? 0 : entries[0];
    }

    /**
     * Appends an id to a slot; when the slot is full it is first compacted (when at least a quarter of it is
     * tombstones) or grown, so entries of other ids may move: their locators are updated.
     *
     * @param slot      the slot.
     * @param id        the id.
     * @param positions the locators, indexed by id.
     * @return the index of the new entry.
     */
    int add(final int slot, final int id, final int[] positions)
    {
        int[] entries = slots[slot];
        if (entries == null)
        {
            entries = new int[INITIAL_LENGTH];
            slots[slot] = entries;
        }
        int count = entries[0];
        if (count == entries.length - 1)
        {
            count = compact(entries, positions);
            if (count > ((entries.length - 1) >> 1) + ((entries.length - 1) >> 2))
            {
                entries = Arrays.copyOf(entries, entries.length << 1);
                slots[slot] = entries;
            }
        }
        count++;
        entries[count] = id;
        entries[0] = count;
        positions[id] = tag | count;
        return count;
    }

    private int compact(final int[] entries, final int[] positions)
    {
        final int tag = this.tag;
        final int count = entries[0];
        int live = 0;
        for (int i = 1; i <= count; i++)
        {
            final int id = entries[i];
            if (id != TOMBSTONE)
            {
                live++;
                if (live != i)
                {
                    entries[live] = id;
                    positions[id] = tag | live;
                }
            }
        }
        entries[0] = live;
        return live;
    }
}
