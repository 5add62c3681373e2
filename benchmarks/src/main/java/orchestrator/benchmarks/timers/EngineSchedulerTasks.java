package orchestrator.benchmarks.timers;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;

import orchestrator.scheduler.Scheduler;

/**
 * NOT thread safe (the adapter; the scheduler itself is): the engine's public API seen as a {@link TimerStructure}:
 * each timer is a named one-time task ({@code registerOnce}, sharing one callback), cancel is {@code cancel(name)},
 * and collect sets a virtual clock and calls {@code runPending()} with the inline dispatcher, so it includes running
 * the (empty) callbacks and retiring the tasks. It is the engine's counterpart of Quartz's named job and trigger.
 * The virtual clock is a {@code long} behind {@link Clock#millis()}, which is all {@code runPending()} reads: setting
 * it allocates nothing, where the public {@code ManualClock} takes an {@code Instant} per step.
 * <p>
 * A handle is a slot whose task name is made once ({@code "0"}, {@code "1"}, ...) and used again by the next task
 * that takes the slot after its task was cancelled or expired, as an application registers the names it already
 * holds: the name strings are retained by the scheduler and count in its footprint, but making them is not charged
 * to every schedule. The {@code Instant} each registration takes is made per call, as a caller would.
 */
final class EngineSchedulerTasks implements TimerStructure
{
    /** 2030-01-01T00:00:00Z. */
    static final long START_MS = 1_893_456_000_000L;
    private static final Runnable CALLBACK = () -> { };

    private final VirtualClock clock = new VirtualClock();
    private final Scheduler scheduler = Scheduler.builder().clock(clock).build();
    private String[] names = new String[1024];
    private boolean[] live = new boolean[1024];
    private int[] free = new int[1024];
    private int freeCount;
    private int created;

    @Override
    public long schedule(final long deadlineMs)
    {
        final int slot = take();
        String name = names[slot];
        if (name == null)
        {
            name = Integer.toString(slot);
            names[slot] = name;
        }
        scheduler.registerOnce(name, Instant.ofEpochMilli(START_MS + deadlineMs), CALLBACK);
        live[slot] = true;
        return slot;
    }

    @Override
    public long adapterBytes()
    {
        // the slot arrays; the name strings count as the scheduler's, which retains them
        return arrayBytes(names.length, References.BYTES) + arrayBytes(live.length, 1) +
            arrayBytes(free.length, Integer.BYTES);
    }

    private static long arrayBytes(final int length, final int elementBytes)
    {
        return (16L + (long)length * elementBytes + 7) & ~7L;
    }

    @Override
    public boolean cancel(final long handle)
    {
        final int slot = (int)handle;
        if (!live[slot] || !scheduler.cancel(names[slot]))
        {
            return false;
        }
        release(slot);
        return true;
    }

    @Override
    public void expired(final long handle)
    {
        final int slot = (int)handle;
        if (live[slot])
        {
            release(slot);
        }
    }

    @Override
    public int collect(final long nowMs)
    {
        clock.nowMs = START_MS + nowMs;
        return scheduler.runPending();
    }

    @Override
    public void close()
    {
        scheduler.close();
    }

    private void release(final int slot)
    {
        live[slot] = false;
        free[freeCount++] = slot;
    }

    private int take()
    {
        if (freeCount > 0)
        {
            return free[--freeCount];
        }
        if (created == names.length)
        {
            names = Arrays.copyOf(names, created << 1);
            live = Arrays.copyOf(live, created << 1);
            free = Arrays.copyOf(free, created << 1);
        }
        return created++;
    }

    /**
     * NOT thread safe: a clock that reads a field, set by the benchmark thread, which also calls runPending().
     */
    private static final class VirtualClock extends Clock
    {
        long nowMs = START_MS;

        @Override
        public long millis()
        {
            return nowMs;
        }

        @Override
        public Instant instant()
        {
            return Instant.ofEpochMilli(nowMs);
        }

        @Override
        public ZoneId getZone()
        {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(final ZoneId zone)
        {
            throw new UnsupportedOperationException("UTC only");
        }
    }
}
