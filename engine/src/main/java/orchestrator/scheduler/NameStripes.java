package orchestrator.scheduler;

/**
 * Thread safe: a fixed set of monitors, one per stripe of task names, so that calls on different names go on in
 * parallel while calls on one name are serialised; {@link #withAll} holds every stripe at once.
 */
final class NameStripes
{
    private static final int STRIPES = 64;

    private final Object[] stripes = new Object[STRIPES];

    NameStripes()
    {
        for (int i = 0; i < STRIPES; i++)
        {
            stripes[i] = new Object();
        }
    }

    /**
     * @return the monitor of the name's stripe.
     */
    Object of(final String name)
    {
        return stripes[(name.hashCode() & 0x7fffffff) % STRIPES];
    }

    /**
     * Runs {@code action} holding every stripe, taken in index order (a caller that holds one never waits for two).
     */
    void withAll(final Runnable action)
    {
        withFrom(0, action);
    }

    private void withFrom(final int stripe, final Runnable action)
    {
        if (stripe == STRIPES)
        {
            action.run();
            return;
        }
        synchronized (stripes[stripe])
        {
            withFrom(stripe + 1, action);
        }
    }
}
