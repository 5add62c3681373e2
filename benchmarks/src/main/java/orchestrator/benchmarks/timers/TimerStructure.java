package orchestrator.benchmarks.timers;

/**
 * NOT thread safe: a timer structure under benchmark, seen through the three operations every peer shares. One
 * adapter per structure; each adds its own time base, so callers speak in milliseconds relative to the start of the
 * benchmark window.
 * <p>
 * Caveats: structures that run on the wall clock (a worker thread of their own) cannot be swept on a virtual clock;
 * their {@link #collect(long)} throws {@link UnsupportedOperationException} and they schedule far enough in the
 * future that nothing fires during a benchmark.
 */
public interface TimerStructure extends AutoCloseable
{
    /**
     * Schedules a timer.
     *
     * @param deadlineMs deadline in ms after the start of the window, at least 1.
     * @return a handle for {@link #cancel(long)}.
     */
    long schedule(long deadlineMs);

    /**
     * Cancels a pending timer.
     *
     * @param handle returned by {@link #schedule(long)}.
     * @return true when the timer was pending.
     */
    boolean cancel(long handle);

    /**
     * Advances to {@code nowMs} and expires the timers due by then; a structure that works in ticks may report a
     * timer up to one tick after its deadline.
     *
     * @param nowMs ms after the start of the window; calls pass non-decreasing values.
     * @return how many timers expired.
     */
    int collect(long nowMs);

    /**
     * Tells the adapter that the timer of a handle has expired (or is about to, for a structure that reports a timer
     * up to a tick late), so that it can drop what it holds for that handle; the structure itself is not touched.
     * Benchmarks that re-arm expired timers call it outside their timed section.
     *
     * @param handle returned by {@link #schedule(long)}; it is not used again.
     */
    default void expired(final long handle)
    {
    }

    /**
     * @return true when {@link #collect(long)} is supported.
     */
    default boolean canCollect()
    {
        return true;
    }

    /**
     * Waits until background threads of the structure, if any, have absorbed every schedule and cancel made so far.
     *
     * @throws InterruptedException when interrupted while waiting.
     */
    default void quiesce() throws InterruptedException
    {
    }

    /**
     * @return heap bytes the adapter itself holds to map handles to the peer's objects (not part of the peer).
     */
    default long adapterBytes()
    {
        return 0;
    }

    /**
     * Releases threads and memory held by the structure.
     */
    @Override
    default void close()
    {
    }
}
