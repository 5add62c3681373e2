package orchestrator.benchmarks.timers;

import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * NOT thread safe: the JDK's {@link DelayQueue} (a binary heap under a lock) on a virtual clock: each element
 * compares its deadline against a time the benchmark sets, so {@code poll()} hands out exactly the elements due.
 * <p>
 * Caveats: {@code remove(Object)} searches the heap linearly, so cancel costs O(N).
 */
final class DelayQueueTimers implements TimerStructure
{
    private final DelayQueue<VirtualDelayed> queue = new DelayQueue<>();
    private final HandleTable<VirtualDelayed> handles = new HandleTable<>(1024);
    private final VirtualClock clock = new VirtualClock();

    @Override
    public long schedule(final long deadlineMs)
    {
        final VirtualDelayed element = new VirtualDelayed(clock, deadlineMs);
        queue.offer(element);
        return handles.add(element);
    }

    @Override
    public long adapterBytes()
    {
        return handles.retainedBytes(References.BYTES);
    }

    @Override
    public boolean cancel(final long handle)
    {
        final VirtualDelayed element = handles.remove(handle);
        return element != null && queue.remove(element);
    }

    @Override
    public void expired(final long handle)
    {
        handles.remove(handle);
    }

    @Override
    public int collect(final long nowMs)
    {
        clock.nowMs = nowMs;
        int expired = 0;
        while (queue.poll() != null)
        {
            expired++;
        }
        return expired;
    }

    private static final class VirtualClock
    {
        long nowMs;
    }

    private static final class VirtualDelayed implements Delayed
    {
        private final VirtualClock clock;
        private final long deadlineMs;

        VirtualDelayed(final VirtualClock clock, final long deadlineMs)
        {
            this.clock = clock;
            this.deadlineMs = deadlineMs;
        }

        @Override
        public long getDelay(final TimeUnit unit)
        {
            return unit.convert(deadlineMs - clock.nowMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(final Delayed other)
        {
            return Long.compare(deadlineMs, ((VirtualDelayed)other).deadlineMs);
        }
    }
}
