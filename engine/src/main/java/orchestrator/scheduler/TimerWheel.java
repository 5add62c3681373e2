package orchestrator.scheduler;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * NOT thread safe. TEMPORARY stand-in with the wheel's API, replaced by the real wheel.
 */
final class TimerWheel
{
    static final long NEVER = Long.MAX_VALUE;
    private long[] deadlines = new long[16];
    private long[] last = new long[16];
    private int[] seq = new int[16];
    private final PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    private long time;
    private int size;

    TimerWheel(final long start)
    {
        time = start;
        Arrays.fill(deadlines, NEVER);
    }

    void schedule(final int id, final long deadline)
    {
        ensure(id);
        if (deadlines[id] != NEVER)
        {
            throw new IllegalStateException("in wheel: " + id);
        }
        deadlines[id] = deadline;
        last[id] = deadline;
        queue.add(new long[] {deadline, id, ++seq[id]});
        size++;
    }

    private void ensure(final int id)
    {
        if (id >= deadlines.length)
        {
            final int old = deadlines.length;
            final int n = Math.max(id + 1, old * 2);
            deadlines = Arrays.copyOf(deadlines, n);
            Arrays.fill(deadlines, old, n, NEVER);
            last = Arrays.copyOf(last, n);
            seq = Arrays.copyOf(seq, n);
        }
    }

    boolean cancel(final int id)
    {
        if (id >= deadlines.length || deadlines[id] == NEVER)
        {
            return false;
        }
        deadlines[id] = NEVER;
        seq[id]++;
        size--;
        return true;
    }

    boolean contains(final int id)
    {
        return id < deadlines.length && deadlines[id] != NEVER;
    }

    long deadline(final int id)
    {
        return id < deadlines.length ? deadlines[id] : NEVER;
    }

    long lastDeadline(final int id)
    {
        return last[id];
    }

    int poll(final long now, final int[] out, final int limit)
    {
        time = Math.max(time, now);
        int count = 0;
        while (count < limit && !queue.isEmpty() && queue.peek()[0] <= time)
        {
            final long[] e = queue.poll();
            final int id = (int)e[1];
            if (seq[id] != (int)e[2] || deadlines[id] == NEVER)
            {
                continue;
            }
            deadlines[id] = NEVER;
            size--;
            out[count++] = id;
        }
        return count;
    }

    boolean behind()
    {
        return false;
    }

    long nextDeadlineHint()
    {
        while (!queue.isEmpty())
        {
            final long[] e = queue.peek();
            final int id = (int)e[1];
            if (seq[id] == (int)e[2] && deadlines[id] != NEVER)
            {
                return Math.max(e[0], Long.MIN_VALUE);
            }
            queue.poll();
        }
        return NEVER;
    }

    long currentTime()
    {
        return time;
    }

    int size()
    {
        return size;
    }
}
