package orchestrator.benchmarks.timers;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;

/**
 * NOT thread safe (the adapter; the timer itself is): Netty's {@link HashedWheelTimer} with 512 ticks of 1 ms. It
 * runs on the system clock with a worker thread of its own, which moves new and cancelled timeouts between its queues
 * and its buckets once per tick, so schedule and cancel measure the caller's side only and there is no collect
 * operation. Deadlines lie an hour beyond the requested offset so that nothing fires during a benchmark.
 */
final class NettyWheelTimers implements TimerStructure
{
    private static final TimerTask NOOP = timeout -> { };

    private final HashedWheelTimer timer = new HashedWheelTimer(1, TimeUnit.MILLISECONDS, 512);
    private final HandleTable<Timeout> handles = new HandleTable<>(1024);

    @Override
    public long schedule(final long deadlineMs)
    {
        final long delayMs = ScheduledExecutorTimers.HORIZON_MS + deadlineMs;
        return handles.add(timer.newTimeout(NOOP, delayMs, TimeUnit.MILLISECONDS));
    }

    @Override
    public long adapterBytes()
    {
        return handles.retainedBytes(References.BYTES);
    }

    @Override
    public boolean cancel(final long handle)
    {
        final Timeout timeout = handles.remove(handle);
        return timeout != null && timeout.cancel();
    }

    @Override
    public int collect(final long nowMs)
    {
        throw new UnsupportedOperationException("runs on the system clock");
    }

    @Override
    public boolean canCollect()
    {
        return false;
    }

    /**
     * Schedules a due probe behind everything scheduled so far and waits for it to run: the worker moves new
     * timeouts into buckets in order before it expires the current tick, so once the probe has run every earlier
     * timeout is in a bucket.
     */
    @Override
    public void quiesce() throws InterruptedException
    {
        final CountDownLatch probe = new CountDownLatch(1);
        timer.newTimeout(timeout -> probe.countDown(), 0, TimeUnit.MILLISECONDS);
        probe.await();
    }

    @Override
    public void close()
    {
        timer.stop();
    }
}
