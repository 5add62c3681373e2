package orchestrator.benchmarks.timers;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * NOT thread safe (the adapter; the executor itself is): the JDK's {@link ScheduledThreadPoolExecutor} with one
 * thread and {@code setRemoveOnCancelPolicy(true)}, so a cancelled task leaves the queue at once instead of
 * occupying it until its deadline. It runs on the system clock, so it has no collect operation; deadlines lie an hour
 * beyond the requested offset so that nothing fires during a benchmark.
 */
final class ScheduledExecutorTimers implements TimerStructure
{
    static final long HORIZON_MS = TimeUnit.HOURS.toMillis(1);
    private static final Runnable NOOP = () -> { };

    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
    private final HandleTable<ScheduledFuture<?>> handles = new HandleTable<>(1024);

    ScheduledExecutorTimers()
    {
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long schedule(final long deadlineMs)
    {
        return handles.add(executor.schedule(NOOP, HORIZON_MS + deadlineMs, TimeUnit.MILLISECONDS));
    }

    @Override
    public long adapterBytes()
    {
        return handles.retainedBytes(References.BYTES);
    }

    @Override
    public boolean cancel(final long handle)
    {
        final ScheduledFuture<?> future = handles.remove(handle);
        return future != null && future.cancel(false);
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

    @Override
    public void close()
    {
        executor.shutdownNow();
    }
}
