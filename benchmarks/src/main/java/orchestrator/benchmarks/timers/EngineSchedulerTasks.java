package orchestrator.benchmarks.timers;

import java.time.Instant;
import java.time.ZoneOffset;

import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;

/**
 * NOT thread safe (the adapter; the scheduler itself is): the engine's public API seen as a {@link TimerStructure}:
 * each timer is a named one-time task ({@code registerOnce}, sharing one callback) on a {@link ManualClock}, cancel
 * is {@code cancel(name)}, and collect sets the clock and calls {@code runPending()} with the inline dispatcher, so it
 * includes running the (empty) callbacks and retiring the tasks. It is the engine's counterpart of Quartz's
 * named job and trigger.
 */
final class EngineSchedulerTasks implements TimerStructure
{
    /** 2030-01-01T00:00:00Z. */
    static final long START_MS = 1_893_456_000_000L;
    private static final Runnable CALLBACK = () -> { };

    private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(START_MS), ZoneOffset.UTC);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).build();
    private final HandleTable<String> names = new HandleTable<>(1024);
    private long sequence;

    @Override
    public long schedule(final long deadlineMs)
    {
        final String name = Long.toString(sequence++);
        scheduler.registerOnce(name, Instant.ofEpochMilli(START_MS + deadlineMs), CALLBACK);
        return names.add(name);
    }

    @Override
    public long adapterBytes()
    {
        return names.retainedBytes(References.BYTES);
    }

    @Override
    public boolean cancel(final long handle)
    {
        final String name = names.remove(handle);
        return name != null && scheduler.cancel(name);
    }

    @Override
    public int collect(final long nowMs)
    {
        clock.set(Instant.ofEpochMilli(START_MS + nowMs));
        return scheduler.runPending();
    }

    @Override
    public void close()
    {
        scheduler.close();
    }
}
