package orchestrator.benchmarks.timers;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2LongHashMap;

/**
 * NOT thread safe: Agrona's {@link DeadlineTimerWheel}, configured as {@link AgronaTimerWheel}, plus what every user
 * of it has to add to know which task an expired timer belongs to, since the wheel hands out bare timer ids: a
 * {@link Long2LongHashMap} from timer id to task index (looked up and removed for every expired timer), and per task
 * the id of its timer, for cancel. It does what the engine's wheel does for its own int ids, so it is the fair
 * comparison for a scheduler built on Agrona.
 * <p>
 * A handle is a task index, recycled through a free list as the engine recycles task ids (and as
 * {@code EngineTimerWheel} does): an index returns to the free list when its timer is cancelled or expires.
 */
final class AgronaLookupTimerWheel implements TimerStructure
{
    private static final long START = 0;
    private static final long NO_TIMER = -1;

    private final DeadlineTimerWheel wheel =
        new DeadlineTimerWheel(TimeUnit.MILLISECONDS, START, 1, AgronaTimerWheel.TICKS_PER_WHEEL);
    private final Long2LongHashMap taskByTimer = new Long2LongHashMap(NO_TIMER);
    private final DeadlineTimerWheel.TimerHandler handler = this::onTimerExpiry;
    private long[] timerOfTask = new long[1024];
    private int[] free = new int[1024];
    private int freeCount;
    private int created;

    @Override
    public long schedule(final long deadlineMs)
    {
        final int task = take();
        final long timerId = wheel.scheduleTimer(START + deadlineMs);
        taskByTimer.put(timerId, task);
        timerOfTask[task] = timerId;
        return task;
    }

    @Override
    public boolean cancel(final long handle)
    {
        final int task = (int)handle;
        final long timerId = timerOfTask[task];
        if (timerId == NO_TIMER || !wheel.cancelTimer(timerId))
        {
            return false;
        }
        taskByTimer.remove(timerId);
        timerOfTask[task] = NO_TIMER;
        free[freeCount++] = task;
        return true;
    }

    @Override
    public int collect(final long nowMs)
    {
        // one poll per call, as AgronaTimerWheel: a timer is reported up to one tick (1 ms) after its deadline
        return wheel.poll(START + nowMs, handler, Integer.MAX_VALUE);
    }

    private boolean onTimerExpiry(final TimeUnit timeUnit, final long now, final long timerId)
    {
        final int task = (int)taskByTimer.remove(timerId); // the task this timer belongs to
        timerOfTask[task] = NO_TIMER;
        free[freeCount++] = task;
        return true;
    }

    @Override
    public long adapterBytes()
    {
        // the free list; the map and the per-task timer ids count as the structure's
        return 16L + 4L * free.length;
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
            timerOfTask = Arrays.copyOf(timerOfTask, created << 1);
        }
        return created++;
    }
}
