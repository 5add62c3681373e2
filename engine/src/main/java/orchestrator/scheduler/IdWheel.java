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
final class IdWheel
{
    /*
     * Design. Three levels, each an IdSlots (slots of ids, element 0 the count; a cancelled entry becomes a
     * TOMBSTONE in place), and two per-id arrays: deadlines[id] and positions[id] = level << 29 | index in slot.
     * The slot is never stored: it is derived from the deadline, so a locator costs 4 bytes.
     *
     *   DUE   one slot of ids found due when scheduled (deadline <= time).
     *   NEAR  2^17 slots of 1 ms, slot = deadline mod 2^17, with a SlotBitmap of occupied slots. Every near entry
     *         lies in [cursor, cursor + 2^17), so a slot holds a single deadline and needs no round check.
     *   FAR   2^14 buckets of 2^16 ms (half the near ring), bucket = (deadline >> 16) mod 2^14, with a SlotBitmap:
     *         one lap is 2^30 ms, about 12.4 days. Deadlines more than a lap ahead share the bucket of their
     *         residue and are kept in it (a Netty-style round check) when it is visited on an earlier lap: a
     *         monthly task is looked at two or three times; no overflow structure.
     *
     * time is the wheel time; cursor <= time is the lowest near slot that may still hold entries; farCursor is the
     * absolute number of the next far bucket to visit. A deadline d > time with bucket(d) < farCursor is filed near,
     * otherwise far. Caught up, farCursor = bucket(time) + 2: bucket b is visited when time enters bucket b - 1, one
     * bucket ahead, so near filing covers 1 to 2 buckets ahead and everything near stays within 2^17 ms of cursor.
     * Far buckets are visited only once the near level is drained up to time (cursor == time), which keeps that
     * bound while a poll is behind. Visiting bucket b hands out entries due by time, files those of buckets up to
     * bucket(time) + 1 near (a far task moves at most once) and keeps later laps. After a jump of more than a lap,
     * farCursor first skips to the last lap before the horizon: every bucket is then visited once, and entries of
     * skipped laps are due, which the visit handles (it compares deadlines, not bucket numbers).
     *
     * poll() drains DUE, then due NEAR slots (found by bit scans from cursor), then visits FAR buckets up to the
     * horizon, each step charged to the budget; a half-visited bucket is resumed at farRead. hint is a lower bound
     * on the next time a poll has work: lowered by schedule(), recomputed exactly (two bit scans) by every poll that
     * works, so a poll before it costs a comparison. Cancel writes a tombstone at the id's own index; the near and
     * due levels also drop a cancelled last entry, the far level does not (it would race with farRead).
     */
    static final long NEVER = Long.MAX_VALUE;

    static final int NEAR_BITS = 17;
    static final int BUCKET_BITS = NEAR_BITS - 1;
    static final int FAR_BITS = 14;
    private static final int NEAR_MASK = (1 << NEAR_BITS) - 1;
    private static final int FAR_MASK = (1 << FAR_BITS) - 1;
    private static final int NOT_IN_WHEEL = -1;
    private static final int LEVEL_SHIFT = 29;
    private static final int INDEX_MASK = (1 << LEVEL_SHIFT) - 1;
    private static final int DUE = 1;
    private static final int NEAR = 2;
    private static final int FAR = 3;
    private static final int FAR_TAG = FAR << LEVEL_SHIFT;

    private final IdSlots due = new IdSlots(1, 4, DUE << LEVEL_SHIFT);
    private final IdSlots near = new IdSlots(1 << NEAR_BITS, 2, NEAR << LEVEL_SHIFT);
    private final IdSlots far = new IdSlots(1 << FAR_BITS, 2, FAR_TAG);
    private final SlotBitmap nearOccupied = new SlotBitmap(1 << NEAR_BITS);
    private final SlotBitmap farOccupied = new SlotBitmap(1 << FAR_BITS);
    private long[] deadlines = new long[1024];
    private int[] positions = new int[1024];
    private long time;
    private long cursor;
    private long farCursor;
    private int farRead = 1;
    private long hint = NEVER;
    private boolean behind;
    private int size;
    private int handedOut; // poll-scoped
    private int budget;    // poll-scoped

    /**
     * @param startTimeMs the wheel's initial time, epoch ms.
     */
    IdWheel(final long startTimeMs)
    {
        time = startTimeMs;
        cursor = startTimeMs;
        farCursor = (startTimeMs >> BUCKET_BITS) + 2;
        Arrays.fill(positions, NOT_IN_WHEEL);
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
        if (id >= positions.length)
        {
            grow(id);
        }
        final int[] positions = this.positions;
        if (positions[id] != NOT_IN_WHEEL && locate(id) != NOT_IN_WHEEL)
        {
            throw new IllegalStateException("id " + id + " is already in the wheel");
        }
        deadlines[id] = deadlineMs;
        size++;
        final long time = this.time;
        if (deadlineMs <= time)
        {
            due.add(0, id, positions);
            hint = Math.min(hint, time);
        }
        else if ((deadlineMs >> BUCKET_BITS) < farCursor)
        {
            fileNear(id, deadlineMs);
            hint = Math.min(hint, deadlineMs);
        }
        else
        {
            final int bucket = (int)(deadlineMs >> BUCKET_BITS) & FAR_MASK;
            final int before = far.count(bucket);
            final int index = far.add(bucket, id, positions);
            if (index == 1)
            {
                farOccupied.set(bucket);
            }
            final int current = (int)farCursor & FAR_MASK;
            if (index != before + 1 && bucket == current)
            {
                farRead = 1; // the bucket being visited was compacted: revisit its kept entries, harmlessly
            }
            final long firstVisit = farCursor + ((bucket - current) & FAR_MASK);
            hint = Math.min(hint, (firstVisit - 1) << BUCKET_BITS);
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
        if (id < 0 || id >= positions.length)
        {
            return false;
        }
        final int position = positions[id];
        if (position == NOT_IN_WHEEL)
        {
            return false;
        }
        positions[id] = NOT_IN_WHEEL;
        final int level = position >>> LEVEL_SHIFT;
        final int index = position & INDEX_MASK;
        if (level == NEAR)
        {
            final int slot = (int)deadlines[id] & NEAR_MASK;
            if (!near.remove(slot, index, id, true))
            {
                return false; // a stale locator: the id was handed out
            }
            if (near.count(slot) == 0)
            {
                nearOccupied.clear(slot);
            }
        }
        else if (level == FAR)
        {
            // the far level keeps its count, which a half-done visit relies on
            if (!far.remove((int)(deadlines[id] >> BUCKET_BITS) & FAR_MASK, index, id, false))
            {
                return false;
            }
        }
        else if (!due.remove(0, index, id, true))
        {
            return false;
        }
        size--;
        return true;
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
     * @param id an id.
     * @return the id's deadline in epoch ms, or {@link #NEVER} when it is not in the wheel.
     */
    long deadline(final int id)
    {
        return locate(id) == NOT_IN_WHEEL ? NEVER : deadlines[id];
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
        handedOut = 0;
        budget = limit;
        final long time = this.time;
        long next = time; // when the budget runs out, work is pending
        work:
        while (true)
        {
            if (due.count(0) > 0 && drain(due, 0, out) > 0)
            {
                break;
            }
            long slotTime;
            while ((slotTime = nextNearSlot()) <= time && slotTime != NEVER)
            {
                cursor = slotTime;
                final int slot = (int)slotTime & NEAR_MASK;
                if (drain(near, slot, out) > 0)
                {
                    break work;
                }
                nearOccupied.clear(slot);
            }
            cursor = time;
            final long horizon = (time >> BUCKET_BITS) + 1;
            if (farCursor <= horizon)
            {
                if (horizon - farCursor >= 1 << FAR_BITS)
                {
                    farCursor = horizon + 1 - (1 << FAR_BITS); // a jump of over a lap: visit each bucket once
                    farRead = 1;
                }
                final long bucket = nextFarBucket();
                if (bucket <= horizon)
                {
                    if (bucket != farCursor)
                    {
                        farCursor = bucket;
                        farRead = 1;
                    }
                    if (visitFar(out, horizon))
                    {
                        continue;
                    }
                    break;
                }
                farCursor = horizon + 1;
                farRead = 1;
            }
            next = farOccupied.isEmpty() ? slotTime : Math.min(slotTime, (nextFarBucket() - 1) << BUCKET_BITS);
            break;
        }
        final int count = handedOut;
        size -= count;
        hint = next;
        behind = next <= time && size > 0; // at time NEVER, a hint of NEVER may mean "empty" or "due now"
        return count;
    }

    /**
     * Hands out entries from the end of a slot, within the budget; the locators of the ids handed out are left
     * stale (see locate).
     *
     * @return the entries left in the slot.
     */
    private int drain(final IdSlots level, final int slot, final int[] out)
    {
        final int count = level.count(slot);
        final int work = Math.min(count, budget);
        handedOut = level.drain(slot, out, handedOut, work);
        budget -= work;
        return count - work;
    }

    private boolean visitFar(final int[] out, final long horizon)
    {
        final IdSlots far = this.far;
        final int bucket = (int)farCursor & FAR_MASK;
        final long[] deadlines = this.deadlines;
        final int[] positions = this.positions;
        final long time = this.time;
        int count = handedOut;
        int work = budget;
        int n = far.count(bucket);
        int i = farRead;
        while (i <= n && work > 0)
        {
            work--;
            final int id = far.get(bucket, i);
            if (id != IdSlots.TOMBSTONE)
            {
                final long deadline = deadlines[id];
                if (deadline <= time)
                {
                    out[count++] = id;
                }
                else if ((deadline >> BUCKET_BITS) <= horizon)
                {
                    fileNear(id, deadline);
                }
                else
                {
                    i++; // a later lap: keep
                    continue;
                }
            }
            final int last = far.get(bucket, n--); // fill the hole with the last entry
            if (i <= n)
            {
                far.set(bucket, i, last);
                if (last != IdSlots.TOMBSTONE)
                {
                    positions[last] = FAR_TAG | i;
                }
            }
        }
        far.setCount(bucket, n);
        handedOut = count;
        budget = work;
        if (i > n)
        {
            if (n == 0)
            {
                farOccupied.clear(bucket);
            }
            farCursor++;
            farRead = 1;
            return true;
        }
        farRead = i;
        return false;
    }

    private void fileNear(final int id, final long deadline)
    {
        final int slot = (int)deadline & NEAR_MASK;
        if (near.add(slot, id, positions) == 1)
        {
            nearOccupied.set(slot);
        }
    }

    private long nextNearSlot()
    {
        final int from = (int)cursor & NEAR_MASK;
        final int slot = nearOccupied.nextCircular(from);
        return slot < 0 ? NEVER : cursor + ((slot - from) & NEAR_MASK);
    }

    private long nextFarBucket()
    {
        final int from = (int)farCursor & FAR_MASK;
        final int bucket = farOccupied.nextCircular(from);
        return bucket < 0 ? NEVER : farCursor + ((bucket - from) & FAR_MASK);
    }

    /**
     * An id handed out keeps its locator, to save a store per id on the hot path; the locator is known to be stale
     * when the entry it names no longer holds the id (the slot's count fell below it, or another id took it). That is
     * sound because an entry at or below a slot's count was written by the add or move that last located its id.
     *
     * @return the id's locator, or NOT_IN_WHEEL when the id is not in the wheel.
     */
    private int locate(final int id)
    {
        if (id < 0 || id >= positions.length)
        {
            return NOT_IN_WHEEL;
        }
        final int position = positions[id];
        if (position == NOT_IN_WHEEL)
        {
            return NOT_IN_WHEEL;
        }
        final int level = position >>> LEVEL_SHIFT;
        final long deadline = deadlines[id];
        final IdSlots slots = level == NEAR ? near : level == FAR ? far : due;
        final int slot = level == NEAR ? (int)deadline & NEAR_MASK : level == FAR ? (int)(deadline >> BUCKET_BITS) & FAR_MASK : 0;
        final int index = position & INDEX_MASK;
        return index <= slots.count(slot) && slots.get(slot, index) == id ? position : NOT_IN_WHEEL;
    }

    private void grow(final int id)
    {
        final int length = (int)Math.min(Integer.MAX_VALUE - 8, Math.max(id + 1L, 2L * positions.length));
        final int previous = positions.length;
        positions = Arrays.copyOf(positions, length);
        Arrays.fill(positions, previous, length, NOT_IN_WHEEL);
        deadlines = Arrays.copyOf(deadlines, length);
    }
}
