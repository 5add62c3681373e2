package orchestrator.scheduler;

import java.util.Arrays;

import orchestrator.benchmarks.timers.TimerStructure;

/**
 * NOT thread safe: the engine's {@link TimerWheel} seen as a {@link TimerStructure}, for the benchmarks that compare it
 * with the peers. It lives in the engine's package to reach the package-private wheel.
 * <p>
 * The wheel files int ids; this adapter hands them out from a free list, as the engine recycles task ids: a handle
 * is an id, and an id returns to the free list when it is cancelled or expires. Due ids are collected into a reused
 * {@code int[}{@value #BATCH}{@code ]}, polling until the wheel is no longer behind.
 */
public final class EngineTimerWheel implements TimerStructure
{
    /** 2030-01-01T00:00:00Z: the wheel works on epoch ms. */
    static final long START_MS = 1_893_456_000_000L;
    /** Ids collected per poll, the engine's batch. */
    static final int BATCH = FireCycle.BATCH_LIMIT;

    private final TimerWheel wheel = new TimerWheel(START_MS);
    private final int[] due = new int[BATCH];
    private int[] free = new int[1024];
    private int freeCount;
    private int created;

    @Override
    public long schedule(final long deadlineMs)
    {
        final int id = take();
        wheel.schedule(id, START_MS + deadlineMs);
        return id;
    }

    @Override
    public boolean cancel(final long handle)
    {
        final int id = (int)handle;
        if (wheel.cancel(id))
        {
            free[freeCount++] = id;
            return true;
        }
        return false;
    }

    @Override
    public int collect(final long nowMs)
    {
        final long now = START_MS + nowMs;
        final TimerWheel wheel = this.wheel;
        final int[] due = this.due;
        int polled = wheel.poll(now, due, BATCH);
        if (polled == 0 && !wheel.behind())
        {
            return 0; // the common case: an idle millisecond
        }
        final int[] free = this.free;
        int freeCount = this.freeCount;
        int expired = 0;
        while (true)
        {
            for (int i = 0; i < polled; i++) // a loop: most polls hand out one or two ids, too few for arraycopy
            {
                free[freeCount++] = due[i];
            }
            this.freeCount = freeCount;
            expired += polled;
            if (!wheel.behind())
            {
                return expired;
            }
            polled = wheel.poll(now, due, BATCH);
        }
    }

    @Override
    public long adapterBytes()
    {
        // the free list and the batch; the wheel's per-id arrays count as the structure's
        return 16L + 4L * free.length + 16L + 4L * due.length;
    }

    private int take()
    {
        if (freeCount > 0)
        {
            return free[--freeCount];
        }
        if (created == free.length)
        {
            free = Arrays.copyOf(free, created << 1);
        }
        return created++;
    }
}
