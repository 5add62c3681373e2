package org.apache.kafka.server.util.timer;

import java.util.concurrent.DelayQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * NOT thread safe: drives Kafka's {@link TimingWheel} on a virtual clock, exactly as {@link SystemTimer} drives it
 * on the system clock. It lives in Kafka's package because the wheel's constructor and its bucket type are
 * package-private.
 * <p>
 * Caveats: {@code SystemTimer} takes due buckets from its {@link DelayQueue} with {@code poll()}, which compares
 * against the system clock; on a virtual clock the head bucket is taken with {@code peek()} and removed by identity
 * (the head sits at index 0 of the queue's heap, so the removal costs what {@code poll()} costs). Expired tasks are
 * counted instead of being handed to an executor.
 */
public final class KafkaTimingWheelDriver
{
    /** Start of the virtual clock in ms (the wheel works in non-negative ms). */
    public static final long START_MS = 1L << 20;
    private static final long TICK_MS = 1;
    private static final int WHEEL_SIZE = 20;

    private final DelayQueue<TimerTaskList> queue = new DelayQueue<>();
    private final AtomicInteger taskCounter = new AtomicInteger();
    private final TimingWheel wheel;
    private final Consumer<TimerTaskEntry> reinsert = this::reinsert;
    private int expired;

    /**
     * @param startMs the virtual time at which the wheel starts.
     */
    public KafkaTimingWheelDriver(final long startMs)
    {
        wheel = new TimingWheel(TICK_MS, WHEEL_SIZE, startMs, taskCounter, queue);
    }

    /**
     * Adds a task, as {@code SystemTimer.add} does.
     *
     * @param expirationMs virtual time at which the task expires; later than the wheel's current tick.
     * @return the task, whose {@link TimerTask#cancel()} removes it.
     */
    public TimerTask add(final long expirationMs)
    {
        final TimerTask task = new NoopTask();
        final TimerTaskEntry entry = new TimerTaskEntry(task, expirationMs);
        if (!wheel.add(entry))
        {
            throw new IllegalArgumentException("already due: " + expirationMs);
        }
        return task;
    }

    /**
     * Advances the virtual clock, as {@code SystemTimer.advanceClock} does, and counts the tasks that expire.
     *
     * @param nowMs the virtual time.
     * @return how many tasks expired.
     */
    public int advance(final long nowMs)
    {
        expired = 0;
        TimerTaskList bucket = queue.peek();
        while (bucket != null && bucket.getExpiration() <= nowMs)
        {
            queue.remove(bucket);
            wheel.advanceClock(bucket.getExpiration());
            bucket.flush(reinsert);
            bucket = queue.peek();
        }
        return expired;
    }

    /**
     * @return the number of pending tasks.
     */
    public int size()
    {
        return taskCounter.get();
    }

    private void reinsert(final TimerTaskEntry entry)
    {
        if (!wheel.add(entry) && !entry.cancelled())
        {
            expired++;
        }
    }

    private static final class NoopTask extends TimerTask
    {
        NoopTask()
        {
            super(0);
        }

        @Override
        public void run()
        {
        }
    }
}
