package orchestrator.benchmarks.timers;

import java.util.Arrays;

/**
 * NOT thread safe: maps the {@code long} handles of {@link TimerStructure} to the objects a peer hands out for
 * cancellation (a future, a timeout, a queue element). Slots are recycled through a free list, so a steady
 * schedule/cancel cycle allocates nothing here.
 *
 * @param <T> the peer's handle type.
 */
final class HandleTable<T>
{
    private Object[] handles;
    private int[] free;
    private int freeCount;
    private int next;

    HandleTable(final int initialCapacity)
    {
        handles = new Object[Math.max(16, initialCapacity)];
        free = new int[handles.length];
    }

    int add(final T handle)
    {
        final int slot;
        if (freeCount > 0)
        {
            slot = free[--freeCount];
        }
        else
        {
            if (next == handles.length)
            {
                handles = Arrays.copyOf(handles, next << 1);
                free = Arrays.copyOf(free, next << 1);
            }
            slot = next++;
        }
        handles[slot] = handle;
        return slot;
    }

    /**
     * @param referenceBytes size of a reference on this JVM.
     * @return heap bytes of the table's two arrays.
     */
    long retainedBytes(final int referenceBytes)
    {
        return arrayBytes(handles.length, referenceBytes) + arrayBytes(free.length, Integer.BYTES);
    }

    private static long arrayBytes(final int length, final int elementBytes)
    {
        final long bytes = 16L + (long)length * elementBytes;
        return (bytes + 7) & ~7L;
    }

    @SuppressWarnings("unchecked")
    T remove(final long handle)
    {
        final int slot = (int)handle;
        final T value = (T)handles[slot];
        if (value != null)
        {
            handles[slot] = null;
            free[freeCount++] = slot;
        }
        return value;
    }
}
