package orchestrator.scheduler;

import java.util.Arrays;

/**
 * NOT thread safe: owned by one collection at a time. The fires one collection found missed, kept (under the lock)
 * only while listeners are added, and told to them once the lock is released: one event per task and cause.
 */
final class MissedEvents
{
    private String[] names = new String[16];
    private long[] scheduledAt = new long[16];
    private long[] fires = new long[16];
    private int size;

    void add(final String name, final long at, final long count)
    {
        if (size == names.length)
        {
            names = Arrays.copyOf(names, size * 2);
            scheduledAt = Arrays.copyOf(scheduledAt, size * 2);
            fires = Arrays.copyOf(fires, size * 2);
        }
        names[size] = name;
        scheduledAt[size] = at;
        fires[size] = count;
        size++;
    }

    /**
     * Tells every listener, then forgets the events; lock NOT held.
     */
    void deliver(final TaskListener[] listeners)
    {
        for (int i = 0; i < size; i++)
        {
            Listeners.onMissed(listeners, names[i], scheduledAt[i], fires[i]);
            names[i] = null;
        }
        size = 0;
    }

    boolean isEmpty()
    {
        return size == 0;
    }
}
