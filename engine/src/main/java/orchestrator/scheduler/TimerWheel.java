package orchestrator.scheduler;

import java.util.Arrays;

/**
 * NOT thread safe: only ever touched under its owner's lock. A timer wheel of int ids (not objects) with 1 ms
 * resolution: {@link #schedule} and {@link #cancel} are O(1), {@link #poll} costs O(due) plus a few bit scans however
 * much idle time it advances over, and the wheel allocates nothing once its arrays have grown to the load.
 * <p>
 * Caveats:
 * <ul>
 *     <li>Deadlines are epoch ms, any value below {@link #NEVER}; the wheel's time only moves forward: a clock that
 *     steps back holds it still (nothing fires twice), one that steps forward makes everything it stepped over due
 *     (nothing is skipped, and the jump costs O(tasks), not O(ms)).</li>
 *     <li>A poll does about {@code limit} units of work (an id handed out, a tombstone skipped, a task moved down a
 *     level); when it stops before handing out everything due, {@link #behind()} says so and the caller polls
 *     again, after releasing its lock if it likes.</li>
 *     <li>Ids index per-id arrays, which grow to the largest id scheduled: keep ids dense (recycle them).</li>
 *     <li>Ids due in the same poll come out in no particular order.</li>
 * </ul>
 */
final class TimerWheel
{
    /*
     * Design. Per id: deadlines[id] and a 4-byte locator, locators[id] = level << 29 | address in the level (see
     * IdSlots: a home entry is found from the locator alone, an overflow one from its slot, which follows from the
     * deadline). Three levels, each an IdSlots of flat home blocks plus overflow arrays, where a cancelled entry
     * becomes a TOMBSTONE in place, as in Agrona's DeadlineTimerWheel:
     *
     *   DUE   one slot: ids found due when scheduled (deadline <= time).
     *   NEAR  2^17 slots of 1 ms, slot = deadline mod 2^17, and a SlotBitmap of occupied slots. Drained in time order,
     *         its entries lie within 2^17 ms from where the drain stands, so a slot holds one deadline: no round check.
     *   FAR   2^14 buckets of 2^16 ms with a round check (FarLevel). A deadline d > time goes near when its bucket has
     *         been visited (FarLevel.isNear), else far; a far task moves down to the near level at most once.
     *
     * poll() drains DUE, then the due NEAR slots from nearNext on, then lets FarLevel visit the buckets up to one past
     * time's, in that order, each entry charged to the budget. Far buckets are visited only once the near level is
     * drained up to time: that keeps the near level within its ring while a poll is behind (near filing reaches two
     * buckets past the drain). A visit files only deadlines after time near, so none is due in the same poll.
     *
     * nearNext is the first occupied near slot the drain will reach: lowered by fileNear, advanced by the drain with
     * SlotBitmap.clearAndNext (the word in hand, no rescan). hint is a lower bound on the next time a poll has work:
     * lowered by schedule(), set by every poll that works, so a poll before it is one comparison. Cancel touches only
     * the id's own entry; the near and due levels also drop it when it is last (branch-free), and an emptied near slot
     * keeps its bit until a poll passes it, so the hint may be early, never late.
     *
     * Locators of ids handed out are not cleared (a store per id on the hot path): locate() knows a locator is stale
     * when the entry it names no longer holds the id (the slot's count fell below it, or another id took it). That is
     * sound because every entry at or below a slot's count was written by the add or move that last located its id.
     */
    static final long NEVER = Long.MAX_VALUE;

    static final int NEAR_BITS = 17;
    static final int BUCKET_BITS = FarLevel.BUCKET_BITS;
    static final int FAR_BITS = FarLevel.BITS;
    private static final int NEAR_MASK = (1 << NEAR_BITS) - 1;
    private static final int NOT_IN_WHEEL = -1;
    private static final int LEVEL_SHIFT = 29;
    private static final int DUE = 1;
    private static final int NEAR = 2;
    private static final int FAR = 3;

    private final IdSlots due = new IdSlots(1, 4, DUE << LEVEL_SHIFT);
    private final IdSlots near = new IdSlots(1 << NEAR_BITS, 2, NEAR << LEVEL_SHIFT);
    private final SlotBitmap nearOccupied = new SlotBitmap(1 << NEAR_BITS);
    private final FarLevel far;
    private long[] deadlines = new long[1024];
    private int[] locators = new int[1024];
    private long time;
    private long nearNext = NEVER;
    private long hint = NEVER;
    private boolean dueFiled; // the due level may hold entries
    private boolean behind;
    private int size;

    /**
     * @param startTimeMs the wheel's initial time, epoch ms.
     */
    TimerWheel(final long startTimeMs)
    {
        time = startTimeMs;
        far = new FarLevel(startTimeMs, FAR << LEVEL_SHIFT);
        Arrays.fill(locators, NOT_IN_WHEEL);
    }

    /**
     * Files an id under a deadline; a deadline at or before the wheel time makes it due at the next poll.
     *
     * @param id         an id {@code >= 0} not in the wheel.
     * @param deadlineMs epoch ms, below {@link #NEVER}.
     * @throws IllegalStateException    when the id is already in the wheel.
     * @throws IllegalArgumentException when the id is negative or the deadline is {@link #NEVER}.
     */
    void schedule(final int id, final long deadlineMs)
    {
        if (id < 0 || deadlineMs == NEVER)
        {
            throw new IllegalArgumentException("id " + id + ", deadline " + deadlineMs);
        }
        if (id >= locators.length)
        {
            grow(id);
        }
        final int[] locators = this.locators;
        if (locators[id] != NOT_IN_WHEEL && locate(id) != NOT_IN_WHEEL)
        {
            throw new IllegalStateException("id " + id + " is already in the wheel");
        }
        deadlines[id] = deadlineMs;
        size++;
        final long time = this.time;
        if (deadlineMs <= time)
        {
            due.add(0, id, locators);
            dueFiled = true;
            hint = Math.min(hint, time);
        }
        else if (far.isNear(deadlineMs))
        {
            fileNear(id, deadlineMs);
            hint = Math.min(hint, deadlineMs);
        }
        else
        {
            hint = Math.min(hint, far.file(id, deadlineMs, locators));
        }
    }

    /**
     * Removes an id from the wheel, due or not: O(1), it writes a tombstone over the id's own entry.
     *
     * @param id an id.
     * @return true when the id was in the wheel.
     */
    boolean cancel(final int id)
    {
        final int[] locators = this.locators;
        final int locator = id < 0 || id >= locators.length ? NOT_IN_WHEEL : locators[id];
        if (locator == NOT_IN_WHEEL)
        {
            return false;
        }
        locators[id] = NOT_IN_WHEEL;
        final int level = locator >>> LEVEL_SHIFT;
        final boolean removed = (locator & IdSlots.OVERFLOW) == 0 && level == NEAR
            ? near.removeHome(locator, id) // the far level keeps its count, which a half-done visit relies on
            : level(level).remove(locator, slotOf(level, locator, id), id, level != FAR);
        if (removed)
        {
            size--;
        }
        return removed; // false for a stale locator: the id was handed out
    }

    /**
     * @param id an id.
     * @return true when the id is in the wheel, due or not.
     */
    boolean contains(final int id)
    {
        return locate(id) != NOT_IN_WHEEL;
    }

    /**
     * Any thread, the lock held or not: reads an id's locator and deadline, as {@link #contains} and {@link #cancel}
     * do first, for a gathering pass (see {@link TaskTable#GATHER_ABOVE}). Without the lock it may read a stale
     * column, which only warms the wrong line.
     *
     * @return a value of no meaning, which the caller keeps so that the reads are not optimised away.
     */
    long touch(final int id)
    {
        final int[] locators = this.locators;
        final long[] deadlines = this.deadlines;
        return (id < locators.length ? locators[id] : 0) + (id < deadlines.length ? deadlines[id] : 0);
    }

    /**
     * @param id an id.
     * @return the id's deadline in epoch ms, or {@link #NEVER} when it is not in the wheel.
     */
    long deadline(final int id)
    {
        return locate(id) == NOT_IN_WHEEL ? NEVER : deadlines[id];
    }

    /**
     * @param id an id handed out by a poll.
     * @return the deadline it was handed out for (or its current one while in the wheel), epoch ms.
     */
    long lastDeadline(final int id)
    {
        return deadlines[id];
    }

    /**
     * Advances the wheel time to {@code nowMs} and hands out up to {@code limit} due ids, doing about
     * {@code limit} units of work.
     *
     * @param nowMs epoch ms; a time before the wheel time advances nothing.
     * @param out   receives the due ids in {@code out[0 .. count)}; they leave the wheel.
     * @param limit the most ids to hand out, at least 1.
     * @return count, how many ids were handed out.
     */
    int poll(final long nowMs, final int[] out, final int limit)
    {
        if (nowMs > time)
        {
            time = nowMs;
        }
        if (time < hint)
        {
            return 0; // nothing due and no work pending; behind is already false, as hint > time
        }
        return collect(out, Math.min(limit, out.length));
    }

    /**
     * @return true when the last poll stopped on its limit or work budget before handing out every id due at its
     *         time: poll again.
     */
    boolean behind()
    {
        return behind;
    }

    /**
     * @return epoch ms at or before the earliest deadline in the wheel, the wheel time when something is due or
     *         work is pending, {@link #NEVER} when the wheel is empty; O(1).
     */
    long nextDeadlineHint()
    {
        return size == 0 ? NEVER : Math.max(hint, time);
    }

    /**
     * @return the wheel time, epoch ms.
     */
    long currentTime()
    {
        return time;
    }

    /**
     * @return how many ids are in the wheel, due ones included.
     */
    int size()
    {
        return size;
    }

    private int collect(final int[] out, final int limit)
    {
        final long time = this.time;
        final IdSlots near = this.near;
        final SlotBitmap nearOccupied = this.nearOccupied;
        int count = 0;
        int budget = limit;
        long next = time; // when the budget runs out, work is pending
        work:
        {
            if (dueFiled)
            {
                final int dueCount = due.count(0);
                final int work = Math.min(dueCount, budget);
                count = due.drain(0, out, count, work);
                budget -= work;
                if (work < dueCount)
                {
                    break work;
                }
                dueFiled = false;
            }
            long slotTime = nearNext;
            while (slotTime <= time && slotTime != NEVER)
            {
                final int slot = (int)slotTime & NEAR_MASK;
                final int entries = near.count(slot);
                final int work = Math.min(entries, budget);
                count = near.drain(slot, out, count, work);
                budget -= work;
                if (work < entries)
                {
                    break work;
                }
                slotTime = nearOccupied.clearAndNext(slotTime);
                nearNext = slotTime;
            }
            final boolean visited = far.visit(this, time, out, count, budget, deadlines, locators);
            count = far.handedOut();
            if (visited)
            {
                next = Math.min(nearNext, far.nextVisit());
            }
        }
        size -= count;
        hint = next;
        behind = next <= time && size > 0; // at time NEVER, a hint of NEVER may mean "empty" or "due now"
        return count;
    }

    /**
     * Files an id under a deadline after the wheel time and within the near ring.
     */
    void fileNear(final int id, final long deadline)
    {
        final int slot = (int)deadline & NEAR_MASK;
        if (near.add(slot, id, locators) == 1)
        {
            nearOccupied.set(slot);
        }
        nearNext = Math.min(nearNext, deadline);
    }

    /**
     * @return the id's locator, or NOT_IN_WHEEL when the id is not in the wheel (see the design notes on staleness).
     */
    private int locate(final int id)
    {
        final int locator = id < 0 || id >= locators.length ? NOT_IN_WHEEL : locators[id];
        final int level = locator >>> LEVEL_SHIFT;
        return locator != NOT_IN_WHEEL && level(level).holds(locator, slotOf(level, locator, id), id)
            ? locator : NOT_IN_WHEEL;
    }

    private IdSlots level(final int level)
    {
        return level == NEAR ? near : level == FAR ? far.slots() : due;
    }

    /**
     * @return the slot of an id's entry when its locator needs it (an overflow entry), else 0: no deadline read.
     */
    private int slotOf(final int level, final int locator, final int id)
    {
        if ((locator & IdSlots.OVERFLOW) == 0 || level == DUE)
        {
            return 0;
        }
        final long deadline = deadlines[id];
        return level == NEAR ? (int)deadline & NEAR_MASK : FarLevel.bucketOf(deadline);
    }

    private void grow(final int id)
    {
        final int length = (int)Math.min(Integer.MAX_VALUE - 8, Math.max(id + 1L, 2L * locators.length));
        final int previous = locators.length;
        locators = Arrays.copyOf(locators, length);
        Arrays.fill(locators, previous, length, NOT_IN_WHEEL);
        deadlines = Arrays.copyOf(deadlines, length);
    }
}
