package orchestrator.scheduler;

/**
 * NOT thread safe: only ever touched under the registry's lock. A hierarchical timer wheel of 1 ms ticks with
 * occupancy bitmaps, so that advancing over empty time costs nothing per empty bucket and a due task costs O(1).
 * <p>
 * Caveats: deadlines are wall-clock epoch milliseconds, but the wheel's own time only moves forward: a clock that
 * steps back holds the wheel still until the clock catches up (nothing fires twice), and a clock that steps forward
 * makes every task it stepped over due at once (nothing is skipped).
 */
final class TimerWheel
{
    /*
     * Design. Time is counted in ticks (ms) relative to `origin`, so all values are non-negative. There are LEVELS
     * levels of 64 buckets; level i covers bits [6i, 6i + 6) of a deadline. A task with deadline d is kept at the
     * level of the highest bit in which d differs from the wheel time t, in bucket (d >>> 6i) & 63. Hence:
     *
     *   (1) every task at level i shares all bits above level i with t, and its level-i digit is greater than t's;
     *   (2) every task at level i is due before every task at level i + 1, so the earliest deadline lies in the
     *       lowest occupied bucket of the lowest occupied level (exactly, at level 0).
     *
     * Advancing from t to t' visits, level by level from the bottom, only the occupied buckets whose digit lies in
     * (t's digit, t''s digit] (or all of them when t' left the level's 64-bucket span, in which case every task at
     * the level is due). A visited task is either due (d <= t') or re-filed relative to t', always at a lower level,
     * so a task is touched at most once per level in its life. Bitmaps make empty buckets free: a 1 ms sweep over
     * an idle minute costs a comparison per call (`nextCheck`), not a walk over 60,000 buckets.
     *
     * While the earliest deadline is ahead, poll() only records the time it was asked for (`polled`) and leaves
     * the buckets laid out against the older `time`; the next advance covers the whole gap at once.
     *
     * Tasks found due are moved in deadline-insensitive order to the expired list, from which poll() hands out at
     * most `limit` per call, so a burst never holds the lock for long.
     */
    static final int LEVEL_BITS = 6;
    static final int BUCKETS = 1 << LEVEL_BITS;
    static final int LEVELS = (Long.SIZE + LEVEL_BITS - 1) / LEVEL_BITS;

    private final Task[] heads = new Task[LEVELS * BUCKETS];
    private final long[] occupied = new long[LEVELS];
    private final long origin;
    private long time;       // the time the buckets are laid out against; lags `polled` while nothing is due
    private long polled;     // the highest time polled: deadlines at or before it are due
    private long nextCheck = Long.MAX_VALUE; // lower bound on every deadline in the buckets, relative to origin
    private Task expiredHead;
    private Task expiredTail;
    private int size;

    /**
     * @param startTime the wheel's initial time in epoch ms.
     */
    TimerWheel(final long startTime)
    {
        this.origin = startTime;
    }

    /**
     * @return the number of tasks in the wheel, due ones included.
     */
    int size()
    {
        return size;
    }

    /**
     * @return the wheel's time in epoch ms; it never moves backwards.
     */
    long currentTime()
    {
        return origin + polled;
    }

    /**
     * @return a time in epoch ms at or before the earliest deadline in the wheel ({@code Long.MAX_VALUE} when empty);
     *         a poll before then finds nothing.
     */
    long nextDeadlineHint()
    {
        if (expiredHead != null)
        {
            return origin + polled;
        }
        return nextCheck == Long.MAX_VALUE ? Long.MAX_VALUE : origin + nextCheck;
    }

    /**
     * Files a task under a deadline; a deadline at or before the wheel's time makes it due at the next poll.
     *
     * @param task     a task not in the wheel.
     * @param deadline epoch ms.
     */
    void schedule(final Task task, final long deadline)
    {
        task.deadline = deadline;
        size++;
        final long d = deadline - origin;
        if (d <= polled)
        {
            appendExpired(task);
        }
        else
        {
            file(task, d);
        }
    }

    /**
     * Removes a task from the wheel.
     *
     * @param task a task.
     * @return true when it was in the wheel.
     */
    boolean cancel(final Task task)
    {
        final int bucket = task.bucket;
        if (bucket == Task.NOT_IN_WHEEL)
        {
            return false;
        }
        if (bucket == Task.IN_EXPIRED_LIST)
        {
            unlinkExpired(task);
        }
        else
        {
            unlink(task, bucket);
        }
        task.bucket = Task.NOT_IN_WHEEL;
        size--;
        return true;
    }

    /**
     * Advances the wheel to {@code now} and moves up to {@code limit} due tasks into {@code out}.
     *
     * @param now   epoch ms; a time before the wheel's time advances nothing.
     * @param out   receives the due tasks, which leave the wheel.
     * @param limit the most tasks to hand out.
     * @return how many tasks were handed out.
     */
    int poll(final long now, final DueBatch out, final int limit)
    {
        final long target = now - origin;
        if (target > polled)
        {
            polled = target;
            if (target >= nextCheck)
            {
                advance(target);
            }
        }
        if (expiredHead == null)
        {
            return 0;
        }
        int count = 0;
        Task task = expiredHead;
        while (task != null && count < limit)
        {
            final Task next = task.next;
            task.prev = null;
            task.next = null;
            task.bucket = Task.NOT_IN_WHEEL;
            out.add(task);
            count++;
            task = next;
        }
        expiredHead = task;
        if (task == null)
        {
            expiredTail = null;
        }
        else
        {
            task.prev = null;
        }
        size -= count;
        return count;
    }

    private void advance(final long target)
    {
        final long previous = time;
        time = target; // re-filed tasks are placed relative to the new time
        final long[] occupied = this.occupied;
        for (int level = 0; level < LEVELS; level++)
        {
            final int shift = level * LEVEL_BITS;
            final long from = previous >>> shift;
            final long to = target >>> shift;
            if (from == to)
            {
                break; // this level's digit did not move, nor did any higher one
            }
            long hits = occupied[level];
            if (hits == 0)
            {
                continue;
            }
            if ((from >>> LEVEL_BITS) == (to >>> LEVEL_BITS))
            {
                // digits (from, to] of this level; from < to < 64 here
                final int low = (int)(from & (BUCKETS - 1)) + 1;
                final int high = (int)(to & (BUCKETS - 1));
                hits &= (-1L << low) & (-1L >>> (BUCKETS - 1 - high));
            }
            while (hits != 0)
            {
                final int digit = Long.numberOfTrailingZeros(hits);
                hits &= hits - 1;
                expireOrRefile(level, digit, target);
            }
        }
        nextCheck = earliestBucketStart();
    }

    private void expireOrRefile(final int level, final int digit, final long target)
    {
        final int bucket = level * BUCKETS + digit;
        Task task = heads[bucket];
        heads[bucket] = null;
        occupied[level] &= ~(1L << digit);
        while (task != null)
        {
            final Task next = task.next;
            task.prev = null;
            task.next = null;
            final long d = task.deadline - origin;
            if (d <= target)
            {
                appendExpired(task);
            }
            else
            {
                file(task, d);
            }
            task = next;
        }
    }

    private long earliestBucketStart()
    {
        final long time = this.time;
        final long[] occupied = this.occupied;
        for (int level = 0; level < LEVELS; level++)
        {
            final long bits = occupied[level];
            if (bits != 0)
            {
                final int shift = level * LEVEL_BITS;
                final int upperShift = shift + LEVEL_BITS;
                final long upper = upperShift >= Long.SIZE ? 0 : (time >>> upperShift) << upperShift;
                return upper | ((long)Long.numberOfTrailingZeros(bits) << shift);
            }
        }
        return Long.MAX_VALUE;
    }

    private void file(final Task task, final long d)
    {
        final int level = (Long.SIZE - 1 - Long.numberOfLeadingZeros(d ^ time)) / LEVEL_BITS;
        final int digit = (int)(d >>> (level * LEVEL_BITS)) & (BUCKETS - 1);
        final int bucket = level * BUCKETS + digit;
        final Task head = heads[bucket];
        task.prev = null;
        task.next = head;
        if (head != null)
        {
            head.prev = task;
        }
        heads[bucket] = task;
        occupied[level] |= 1L << digit;
        task.bucket = bucket;
        if (d < nextCheck)
        {
            nextCheck = d;
        }
    }

    private void unlink(final Task task, final int bucket)
    {
        final Task prev = task.prev;
        final Task next = task.next;
        if (prev == null)
        {
            heads[bucket] = next;
            if (next == null)
            {
                occupied[bucket / BUCKETS] &= ~(1L << (bucket % BUCKETS));
            }
        }
        else
        {
            prev.next = next;
        }
        if (next != null)
        {
            next.prev = prev;
        }
        task.prev = null;
        task.next = null;
    }

    private void appendExpired(final Task task)
    {
        task.bucket = Task.IN_EXPIRED_LIST;
        task.next = null;
        task.prev = expiredTail;
        if (expiredTail == null)
        {
            expiredHead = task;
        }
        else
        {
            expiredTail.next = task;
        }
        expiredTail = task;
    }

    private void unlinkExpired(final Task task)
    {
        final Task prev = task.prev;
        final Task next = task.next;
        if (prev == null)
        {
            expiredHead = next;
        }
        else
        {
            prev.next = next;
        }
        if (next == null)
        {
            expiredTail = prev;
        }
        else
        {
            next.prev = prev;
        }
        task.prev = null;
        task.next = null;
    }
}
