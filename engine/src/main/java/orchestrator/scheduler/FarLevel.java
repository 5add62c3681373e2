package orchestrator.scheduler;

/**
 * NOT thread safe: owned by one {@link TimerWheel}. The wheel's far level, for deadlines beyond the near ring: 2^14
 * buckets of 2^16 ms (half the near ring), bucket = (deadline >> 16) mod 2^14, with a {@link SlotBitmap} of occupied
 * buckets.
 * <p>
 * A lap is 2^30 ms, about 12.4 days. A deadline more than a lap ahead waits in the bucket of its residue and is kept
 * there (a Netty-style round check) by the visits of earlier laps: no overflow structure, and a monthly task is
 * looked at two or three times before it moves down.
 * <p>
 * {@code cursor} is the absolute number of the next bucket to visit; a deadline of an earlier bucket belongs to the
 * near level. Caught up, cursor = bucket(time) + 2: bucket b is visited as time enters bucket b - 1, one bucket ahead,
 * so the near level holds deadlines 1 to 2 buckets ahead, within its ring. A visit hands out the entries due by the
 * wheel time, moves those of buckets up to bucket(time) + 1 to the near level (a far task moves down once) and keeps
 * later laps; it is charged to the poll's budget and a half-visited bucket resumes at {@code read}. After a jump of
 * more than a lap, cursor first skips to one lap before the horizon: each bucket is then visited once, and the
 * entries of skipped laps are due, which a visit handles (it compares deadlines, not bucket numbers).
 */
final class FarLevel
{
    static final int BUCKET_BITS = TimerWheel.NEAR_BITS - 1;
    static final int BITS = 14;
    private static final int MASK = (1 << BITS) - 1;
    private static final long NEVER = Long.MAX_VALUE;

    private final IdSlots slots;
    private final SlotBitmap occupied = new SlotBitmap(1 << BITS);
    private long cursor;
    private int read = 1;
    private long nextVisit = NEVER; // a lower bound on the time a visit is next needed
    private int handedOut;          // results of the last visit
    private int budget;

    /**
     * @param startTimeMs the wheel's initial time.
     * @param tag         the level tag of the locators of this level.
     */
    FarLevel(final long startTimeMs, final int tag)
    {
        slots = new IdSlots(1 << BITS, 2, tag);
        cursor = (startTimeMs >> BUCKET_BITS) + 2;
    }

    IdSlots slots()
    {
        return slots;
    }

    static int bucketOf(final long deadline)
    {
        return (int)(deadline >> BUCKET_BITS) & MASK;
    }

    /**
     * @param deadline a deadline after the wheel time.
     * @return true when it belongs to the near level: its bucket has been visited.
     */
    boolean isNear(final long deadline)
    {
        return (deadline >> BUCKET_BITS) < cursor;
    }

    /**
     * @return a time at or before which the wheel must next {@link #visit}: nothing before it needs one.
     */
    long nextVisit()
    {
        return nextVisit;
    }

    int handedOut()
    {
        return handedOut;
    }

    /**
     * Files an id whose deadline is beyond the near level.
     *
     * @return the time the wheel must next visit, now.
     */
    long file(final int id, final long deadline, final int[] locators)
    {
        final int bucket = bucketOf(deadline);
        final int before = slots.count(bucket);
        final int index = slots.add(bucket, id, locators);
        if (index == 1)
        {
            occupied.set(bucket);
        }
        final int current = (int)cursor & MASK;
        if (index != before + 1 && bucket == current)
        {
            read = 1; // the bucket being visited was compacted: revisit its kept entries, harmlessly
        }
        final long firstVisit = cursor + ((bucket - current) & MASK);
        nextVisit = Math.min(nextVisit, (firstVisit - 1) << BUCKET_BITS);
        return nextVisit;
    }

    /**
     * Visits the buckets up to one past the bucket of {@code time}, within the budget; {@link #handedOut()} is then
     * the new end of {@code out}.
     *
     * @return false when the budget ran out first.
     */
    boolean visit(
        final TimerWheel wheel, final long time, final int[] out, final int count, final int budget,
        final long[] deadlines, final int[] locators)
    {
        handedOut = count;
        this.budget = budget;
        final long horizon = (time >> BUCKET_BITS) + 1;
        if (nextVisit <= time) // else no occupied bucket lies in [cursor, horizon]
        {
            if (horizon - cursor >= 1 << BITS)
            {
                moveCursor(horizon + 1 - (1 << BITS)); // a jump of over a lap: visit each bucket once
            }
            long bucket;
            while ((bucket = occupied.nextPosition(cursor)) <= horizon)
            {
                moveCursor(bucket);
                if (!visitBucket(wheel, time, horizon, out, deadlines, locators))
                {
                    return false;
                }
            }
            nextVisit = bucket == NEVER ? NEVER : (bucket - 1) << BUCKET_BITS;
        }
        if (cursor <= horizon)
        {
            moveCursor(horizon + 1);
        }
        return true;
    }

    private boolean visitBucket(
        final TimerWheel wheel, final long time, final long horizon, final int[] out, final long[] deadlines,
        final int[] locators)
    {
        final IdSlots slots = this.slots;
        final int bucket = (int)cursor & MASK;
        int count = handedOut;
        int work = budget;
        int n = slots.count(bucket);
        int i = read;
        while (i <= n && work > 0)
        {
            work--;
            final int id = slots.get(bucket, i);
            if (id != IdSlots.TOMBSTONE)
            {
                final long deadline = deadlines[id];
                if (deadline <= time)
                {
                    out[count++] = id;
                }
                else if ((deadline >> BUCKET_BITS) <= horizon)
                {
                    wheel.fileNear(id, deadline);
                }
                else
                {
                    i++; // a later lap: keep
                    continue;
                }
            }
            final int last = slots.get(bucket, n--); // fill the hole with the last entry
            if (i <= n)
            {
                slots.set(bucket, i, last);
                if (last != IdSlots.TOMBSTONE)
                {
                    locators[last] = slots.locator(bucket, i);
                }
            }
        }
        slots.setCount(bucket, n); // the count only falls here: cancel leaves it, so read stays valid
        handedOut = count;
        budget = work;
        if (i > n)
        {
            if (n == 0)
            {
                occupied.clear(bucket);
            }
            moveCursor(cursor + 1);
            return true;
        }
        read = i;
        return false;
    }

    private void moveCursor(final long bucket)
    {
        if (bucket != cursor)
        {
            cursor = bucket;
            read = 1;
        }
    }
}
