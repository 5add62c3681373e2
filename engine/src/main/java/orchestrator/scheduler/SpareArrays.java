package orchestrator.scheduler;

/**
 * NOT thread safe: owned by one {@link IdSlots}. The overflow arrays a level has detached from its slots, at most
 * {@link #SPARES} of them and the largest, kept for the next slot that overflows: a wheel whose bursts move from slot
 * to slot reuses the same few arrays rather than allocating new ones.
 * <p>
 * Caveats: each spare is no larger than the largest burst a slot held; they are never released.
 */
final class SpareArrays
{
    static final int SPARES = 4;

    private final int[][] spares = new int[SPARES][];
    private int spareCount;

    /**
     * Keeps an array a slot no longer uses when there is room, or in place of the smallest spare when it is larger.
     */
    void keepLargest(final int[] array)
    {
        if (spareCount < SPARES)
        {
            spares[spareCount++] = array;
            return;
        }
        int smallest = 0;
        for (int i = 1; i < SPARES; i++)
        {
            smallest = spares[i].length < spares[smallest].length ? i : smallest;
        }
        if (spares[smallest].length < array.length)
        {
            spares[smallest] = array;
        }
    }

    /**
     * Keeps an array a slot has outgrown, only when there is room.
     */
    void keepIfRoom(final int[] array)
    {
        if (spareCount < SPARES)
        {
            spares[spareCount++] = array;
        }
    }

    /**
     * @return the smallest spare of at least {@code length} ints, removed from the spares, or null.
     */
    int[] take(final int length)
    {
        int best = -1;
        for (int i = 0; i < spareCount; i++)
        {
            if (spares[i].length >= length && (best < 0 || spares[i].length < spares[best].length))
            {
                best = i;
            }
        }
        if (best < 0)
        {
            return null;
        }
        final int[] spare = spares[best];
        spares[best] = spares[--spareCount];
        spares[spareCount] = null;
        return spare;
    }

    /**
     * @return the ints the spares hold.
     */
    long retainedInts()
    {
        long spareInts = 0;
        for (int i = 0; i < spareCount; i++)
        {
            spareInts += spares[i].length;
        }
        return spareInts;
    }
}
