package orchestrator.scheduler;


/**
 * NOT thread safe: owned by one {@link TimerWheel}. One level of the wheel: a fixed number of slots of ids, each entry an
 * id or a {@link #TOMBSTONE}, addressed by its index in the slot, {@code 1 .. count}.
 * <p>
 * Layout: slot {@code s} starts with a home block of {@code 1 << shift} ints in one flat array, {@code home[s <<
 * shift]} holding the slot's count and the next ints its first entries; entries beyond the home block go to a per-slot
 * overflow array. A sweep over consecutive slots thus reads memory in order, and a slot found from its number costs
 * no pointer chase. The home block doubles (a re-layout of the level, O(slots x block)) when overflow arrays are both
 * common, more than an eighth of the slots, and large, more than half the home array: a single crowded slot does not
 * make every slot bigger.
 * <p>
 * Every id added is located by {@code locators[id] = tag | address}, where the address is the entry's index in the
 * home array, or {@link #OVERFLOW} with its index in the slot (the wheel finds the slot from the deadline): removing a
 * home entry needs nothing but the locator. This class keeps locators up to date when it moves entries (compaction,
 * re-layout), and the wheel does when it moves one itself ({@link #locator}).
 * <p>
 * A slot's overflow array is detached once the slot no longer needs it (drained or shrunk below its home block) and
 * kept among a few spares, the largest, for the next slot that overflows: a wheel whose bursts move from slot to slot
 * (a million tasks on {@code * * * * * *} fill a different slot every second) reuses the same few arrays rather than
 * keeping room for a burst in every slot it ever filled, and allocates nothing in steady state.
 * <p>
 * Caveats: the home array only grows; the spares hold at most {@link SpareArrays#SPARES} arrays, each no larger than the largest
 * burst a slot held.
 */
final class IdSlots
{
    /** An entry whose id was cancelled. */
    static final int TOMBSTONE = -1;
    /** Locator bit: the entry is in an overflow array and the low bits are its index in the slot. */
    static final int OVERFLOW = 1 << 28;
    private static final int ADDRESS = OVERFLOW - 1;
    private static final int MAX_SHIFT = 6;

    private final int slots;
    private final int tag;
    private final int[][] overflow;
    private int shift;
    private int[] home;
    private int overflowSlots; // slots with an overflow array
    private long overflowInts; // the overflow arrays' total length
    private final SpareArrays spares = new SpareArrays(); // detached overflow arrays, for the next slot that overflows

    /**
     * @param slots how many slots.
     * @param shift log2 of the initial home block, count included.
     * @param tag   or-ed into every locator written, naming this level.
     */
    IdSlots(final int slots, final int shift, final int tag)
    {
        this.slots = slots;
        this.tag = tag;
        this.shift = shift;
        home = new int[slots << shift];
        overflow = new int[slots][];
    }

    /**
     * @return the number of entries in the slot, tombstones included.
     */
    int count(final int slot)
    {
        return home[slot << shift];
    }

    void setCount(final int slot, final int count)
    {
        home[slot << shift] = count;
        if (count < 1 << shift && overflow[slot] != null)
        {
            detach(slot);
        }
    }

    /**
     * @return the entry at {@code index}, 1 .. count.
     */
    int get(final int slot, final int index)
    {
        final int block = 1 << shift;
        return index < block ? home[(slot << shift) + index] : overflow[slot][index - block];
    }

    void set(final int slot, final int index, final int id)
    {
        final int block = 1 << shift;
        if (index < block)
        {
            home[(slot << shift) + index] = id;
        }
        else
        {
            overflow[slot][index - block] = id;
        }
    }

    /**
     * @param slot  the slot, read only for an {@link #OVERFLOW} locator.
     * @param index an index in the slot, 1 .. count.
     * @return the locator of that entry.
     */
    int locator(final int slot, final int index)
    {
        return tag | (index < 1 << shift ? (slot << shift) + index : OVERFLOW | index);
    }

    /**
     * @param slot the slot, read only for an {@link #OVERFLOW} locator.
     * @return true when the entry the locator names holds {@code id}; false for a stale locator.
     */
    boolean holds(final int locator, final int slot, final int id)
    {
        final int address = locator & ADDRESS;
        if ((locator & OVERFLOW) == 0)
        {
            // blocks only double, so even a stale home address is never a count cell: index >= 1
            final int index = address & ((1 << shift) - 1);
            return index <= home[address - index] && home[address] == id;
        }
        final int block = 1 << shift;
        return address >= block && address <= home[slot << shift] && overflow[slot][address - block] == id;
    }

    /**
     * {@link #remove} with {@code shrink} for a locator without {@link #OVERFLOW}: the common case, kept short so that
     * many cancels can be in flight at once, each waiting on its own cache misses.
     *
     * @return false for a stale locator: nothing changes.
     */
    boolean removeHome(final int locator, final int id)
    {
        final int[] home = this.home;
        final int address = locator & ADDRESS;
        final int index = address & ((1 << shift) - 1);
        final int base = address - index;
        final int count = home[base];
        if (index > count | home[address] != id)
        {
            return false;
        }
        home[address] = TOMBSTONE;
        home[base] = count - (1 + ((index - count) >> 31)); // one less when index == count; branch-free
        return true;
    }

    /**
     * Turns the entry of an id into a tombstone, and drops it when it is the last entry and {@code shrink} is set.
     *
     * @param slot the slot, read only for an {@link #OVERFLOW} locator.
     * @return false for a stale locator (see {@link #holds}): nothing changes.
     */
    boolean remove(final int locator, final int slot, final int id, final boolean shrink)
    {
        if (!holds(locator, slot, id))
        {
            return false;
        }
        final int address = locator & ADDRESS;
        final int base;
        final int index;
        if ((locator & OVERFLOW) == 0)
        {
            home[address] = TOMBSTONE;
            index = address & ((1 << shift) - 1);
            base = address - index;
        }
        else
        {
            overflow[slot][address - (1 << shift)] = TOMBSTONE;
            index = address;
            base = slot << shift;
        }
        if (shrink)
        {
            final int count = home[base];
            home[base] = count - (1 + ((index - count) >> 31)); // one less when index == count; branch-free
        }
        return true;
    }

    /**
     * Appends an id to a slot; when the slot is full it is first compacted (when at least a quarter of it is
     * tombstones) or given more room, so entries of other ids may move: their locators are updated.
     *
     * @return the index of the new entry.
     */
    int add(final int slot, final int id, final int[] locators)
    {
        final int block = 1 << shift;
        int count = home[slot << shift] + 1;
        if (count < block)
        {
            home[(slot << shift) + count] = id;
        }
        else
        {
            final int[] extra = overflow[slot];
            if (extra == null || count - block == extra.length)
            {
                count = compact(slot, locators) + 1;
                if (count >= 1 << shift) // not in the home block, even after compaction or a re-layout
                {
                    grow(slot, count - (1 << shift));
                }
            }
            set(slot, count, id);
        }
        home[slot << shift] = count;
        locators[id] = locator(slot, count);
        return count;
    }

    /**
     * Hands out the last {@code work} entries of a slot into {@code out}, skipping tombstones.
     *
     * @param work at most the slot's count.
     * @return the new end of {@code out}.
     */
    int drain(final int slot, final int[] out, final int outCount, final int work)
    {
        final int base = slot << shift;
        final int block = 1 << shift;
        final int[] home = this.home;
        int n = home[base];
        final int rest = n - work;
        int count = outCount;
        if (n >= block)
        {
            final int[] extra = overflow[slot];
            final int low = Math.max(rest + 1, block);
            for (; n >= low; n--)
            {
                final int id = extra[n - block];
                out[count] = id;
                count += 1 + (id >> 31); // a tombstone (-1) is overwritten by the next id; branch-free
            }
        }
        for (; n > rest; n--)
        {
            final int id = home[base + n];
            out[count] = id;
            count += 1 + (id >> 31);
        }
        home[base] = rest;
        if (rest < block && overflow[slot] != null)
        {
            detach(slot);
        }
        return count;
    }

    /**
     * @return the ints this level holds: the home array, the overflow arrays and the spares.
     */
    long retainedInts()
    {
        return home.length + overflowInts + spares.retainedInts();
    }

    /**
     * Takes the overflow array of a slot that no longer uses it, keeping it as a spare when it is among the
     * {@link SpareArrays#SPARES} largest.
     */
    private void detach(final int slot)
    {
        final int[] extra = overflow[slot];
        overflow[slot] = null;
        overflowSlots--;
        overflowInts -= extra.length;
        spares.keepLargest(extra);
    }

    private int compact(final int slot, final int[] locators)
    {
        final int count = count(slot);
        int live = 0;
        for (int i = 1; i <= count; i++)
        {
            final int id = get(slot, i);
            if (id != TOMBSTONE)
            {
                live++;
                if (live != i)
                {
                    set(slot, live, id);
                    locators[id] = locator(slot, live);
                }
            }
        }
        setCount(slot, live);
        if (live > count - (count >> 2) && overflowSlots > slots >> 3 && overflowInts > home.length >> 1
            && shift < MAX_SHIFT)
        {
            relayout(locators);
        }
        return live;
    }

    /**
     * Makes the slot's overflow array hold at least {@code needed + 1} entries.
     */
    private void grow(final int slot, final int needed)
    {
        final int[] extra = overflow[slot];
        if (extra != null && extra.length > needed)
        {
            return; // compaction made room
        }
        int grown = extra == null ? 1 << shift : extra.length;
        while (grown < needed + 1)
        {
            grown <<= 1;
        }
        int[] grownArray = spares.take(grown);
        if (grownArray == null)
        {
            grownArray = new int[grown];
        }
        if (extra == null)
        {
            overflowSlots++;
        }
        else
        {
            System.arraycopy(extra, 0, grownArray, 0, extra.length);
            spares.keepIfRoom(extra);
        }
        overflowInts += grownArray.length - (extra == null ? 0 : extra.length);
        overflow[slot] = grownArray;
    }

    private void relayout(final int[] locators)
    {
        final int oldShift = shift;
        final int oldBlock = 1 << oldShift;
        final int newShift = oldShift + 1;
        final int newBlock = 1 << newShift;
        final int[] oldHome = home;
        final int[] newHome = new int[slots << newShift];
        overflowSlots = 0;
        overflowInts = 0;
        for (int slot = 0; slot < slots; slot++)
        {
            final int count = oldHome[slot << oldShift];
            System.arraycopy(oldHome, slot << oldShift, newHome, slot << newShift, Math.min(count + 1, oldBlock));
            final int[] extra = overflow[slot];
            if (extra == null)
            {
                continue;
            }
            // indices oldBlock .. newBlock - 1 move home; the rest move down the overflow array
            final int moveHome = Math.min(count + 1, newBlock) - oldBlock;
            if (moveHome > 0)
            {
                System.arraycopy(extra, 0, newHome, (slot << newShift) + oldBlock, moveHome);
            }
            if (count < newBlock)
            {
                overflow[slot] = null;
                continue;
            }
            System.arraycopy(extra, oldBlock, extra, 0, count + 1 - newBlock);
            overflowSlots++;
            overflowInts += extra.length;
        }
        home = newHome;
        shift = newShift;
        for (int slot = 0; slot < slots; slot++) // home addresses changed: locate every entry afresh
        {
            final int count = count(slot);
            for (int i = 1; i <= count; i++)
            {
                final int id = get(slot, i);
                if (id != TOMBSTONE)
                {
                    locators[id] = locator(slot, i);
                }
            }
        }
    }
}
