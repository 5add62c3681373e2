package orchestrator.benchmarks.timers;

import org.apache.kafka.server.util.timer.KafkaTimingWheelDriver;
import org.apache.kafka.server.util.timer.TimerTask;

/**
 * NOT thread safe: Kafka's hierarchical {@code TimingWheel} (server-common) as {@code SystemTimer} builds it, 20
 * buckets of 1 ms at the bottom level, driven on a virtual clock by {@link KafkaTimingWheelDriver}.
 */
final class KafkaTimingWheel implements TimerStructure
{
    private final KafkaTimingWheelDriver driver = new KafkaTimingWheelDriver(KafkaTimingWheelDriver.START_MS);
    private final HandleTable<TimerTask> handles = new HandleTable<>(1024);

    @Override
    public long schedule(final long deadlineMs)
    {
        return handles.add(driver.add(KafkaTimingWheelDriver.START_MS + deadlineMs));
    }

    @Override
    public long adapterBytes()
    {
        return handles.retainedBytes(References.BYTES);
    }

    @Override
    public boolean cancel(final long handle)
    {
        final TimerTask task = handles.remove(handle);
        if (task == null || task.isCancelled())
        {
            return false;
        }
        task.cancel();
        return true;
    }

    @Override
    public void expired(final long handle)
    {
        handles.remove(handle);
    }

    @Override
    public int collect(final long nowMs)
    {
        return driver.advance(KafkaTimingWheelDriver.START_MS + nowMs);
    }
}
