package orchestrator.benchmarks.timers;

import java.util.concurrent.TimeUnit;

import org.agrona.DeadlineTimerWheel;

/**
 * NOT thread safe: Agrona's {@link DeadlineTimerWheel} with 65,536 ticks of 1 ms (a 65 s wheel, so the 60 s window
 * fits in one rotation) and the default initial allocation of 16 timers per tick, grown by Agrona on demand.
 */
final class AgronaTimerWheel implements TimerStructure
{
    static final int TICKS_PER_WHEEL = 1 << 16;
    private static final long START = 0;

    private final DeadlineTimerWheel wheel = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, START, 1, TICKS_PER_WHEEL);
    private final DeadlineTimerWheel.TimerHandler handler = (timeUnit, now, timerId) -> true;

    @Override
    public long schedule(final long deadlineMs)
    {
        return wheel.scheduleTimer(START + deadlineMs);
    }

    @Override
    public boolean cancel(final long handle)
    {
        return wheel.cancelTimer(handle);
    }

    @Override
    public int collect(final long nowMs)
    {
        // One poll per call, as a duty cycle does. poll() looks at the current tick only and steps past it once now
        // has passed the tick's end, so a timer is reported up to one tick (1 ms) after its deadline.
        return wheel.poll(START + nowMs, handler, Integer.MAX_VALUE);
    }
}
