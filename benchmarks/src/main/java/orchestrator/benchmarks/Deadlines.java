package orchestrator.benchmarks;

import java.util.SplittableRandom;

/**
 * Thread safe (stateless): reproducible inputs shared by the timer benchmarks.
 */
public final class Deadlines
{
    /** Length of the benchmark window: deadlines lie in [1, WINDOW_MS]. */
    public static final int WINDOW_MS = 60_000;

    private Deadlines()
    {
    }

    /**
     * @param count how many deadlines.
     * @param seed  random seed.
     * @return deadlines spread uniformly over the window, in ms after its start.
     */
    public static long[] uniform(final int count, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] deadlines = new long[count];
        for (int i = 0; i < count; i++)
        {
            deadlines[i] = 1 + random.nextInt(WINDOW_MS);
        }
        return deadlines;
    }

    /**
     * @param count size of the permutation.
     * @param seed  random seed.
     * @return a random permutation of 0 .. count - 1.
     */
    public static int[] permutation(final int count, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int[] order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }
        for (int i = count - 1; i > 0; i--)
        {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
