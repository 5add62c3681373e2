package orchestrator.scheduler;

import java.util.Arrays;

import orchestrator.benchmarks.timers.TimerStructure;

/**
 * NOT thread safe: the engine's {@link TimerWheel} seen as a {@link TimerStructure}, for the benchmarks that compare
 * it with the peers. It lives in the engine's package to reach the package-private wheel.
 * <p>
 * The wheel files {@link Task} objects, which the engine allocates once per registered task and re-files after every
 * fire; this adapter does the same through a pool: a handle is the index of a pooled task (its {@code id}), and a
 * task returns to the pool when it is cancelled or expires. Due tasks are collected in batches of
 * {@link TaskRegistry#BATCH_LIMIT} into a reused {@link DueBatch}, as {@code runPending()} collects them.
 */
public final class EngineTimerWheel implements TimerStructure
{
    /** 2030-01-01T00:00:00Z: the wheel works on epoch ms. */
    static final long START_MS = 1_893_456_000_000L;

    private final TimerWheel wheel = new TimerWheel(START_MS);
    private final DueBatch due = new DueBatch(TaskRegistry.BATCH_LIMIT);
    private Task[] tasks = new Task[1024];
    private int[] free = new int[1024];
    private int freeCount;
    private int created;

    @Override
    public long schedule(final long deadlineMs)
    {
        final Task task = take();
        wheel.schedule(task, START_MS + deadlineMs);
        return task.id;
    }

    @Override
    public boolean cancel(final long handle)
    {
        final Task task = tasks[(int)handle];
        if (task != null && wheel.cancel(task))
        {
            free[freeCount++] = (int)handle;
            return true;
        }
        return false;
    }

    @Override
    public int collect(final long nowMs)
    {
        final long now = START_MS + nowMs;
        final DueBatch due = this.due;
        int expired = 0;
        int polled;
        do
        {
            polled = wheel.poll(now, due, TaskRegistry.BATCH_LIMIT);
            final Task[] batch = due.tasks;
            for (int i = 0; i < polled; i++)
            {
                free[freeCount++] = (int)batch[i].id;
            }
            due.clear();
            expired += polled;
        }
        while (polled == TaskRegistry.BATCH_LIMIT);
        return expired;
    }

    @Override
    public long adapterBytes()
    {
        // the pool's two arrays; the tasks themselves are the wheel's nodes and count as the structure's
        return 16L + 4L * tasks.length + 16L + 4L * free.length;
    }

    private Task take()
    {
        if (freeCount > 0)
        {
            return tasks[free[--freeCount]];
        }
        if (created == tasks.length)
        {
            tasks = Arrays.copyOf(tasks, created << 1);
            free = Arrays.copyOf(free, created << 1);
        }
        final Task task = new Task(null, created, null, 0, null, null, null, null);
        tasks[created++] = task;
        return task;
    }
}
