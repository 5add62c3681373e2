package orchestrator.scheduler;

import java.util.Arrays;

/**
 * NOT thread safe: owned by one {@code runPending()} call at a time. The tasks claimed in phase 1, handed to phases
 * 2 and 3; reused across calls so a steady-state fire allocates nothing.
 */
final class DueBatch
{
    Task[] tasks;
    int size;

    DueBatch(final int capacity)
    {
        tasks = new Task[capacity];
    }

    void add(final Task task)
    {
        if (size == tasks.length)
        {
            tasks = Arrays.copyOf(tasks, size * 2);
        }
        tasks[size++] = task;
    }

    void clear()
    {
        Arrays.fill(tasks, 0, size, null);
        size = 0;
    }
}
