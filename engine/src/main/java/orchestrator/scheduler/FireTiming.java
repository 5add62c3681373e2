package orchestrator.scheduler;

/**
 * Handed from thread to thread with its {@link Fire}, never shared: the timing of one fire, pooled with it. Set in
 * phase 1 when the engine records timings or a recording wants {@code orchestrator.Fire} events; measured around each
 * run in phase 2; read in phase 3 by {@link FireMetrics#onComplete(Fire)}. Publication is the fire's.
 */
final class FireTiming
{
    /*
     * Lateness is the run's start minus its fire time. The wall clock is read once per runPending() call, with
     * System.nanoTime() beside it (every collection of the call uses that reading); the start is that reading plus the
     * monotonic time from it to the run's start, so the runs of the call's earlier batches count in the lateness of
     * its later ones. So one fire costs two System.nanoTime() reads (start and end of its run) and nothing else, and
     * the figure stays right when the wall clock is a virtual one (ManualClock) or steps while the fire waits in a
     * worker queue.
     */
    boolean timed;          // record into the engine's histograms
    boolean flight;         // emit orchestrator.Fire events
    long collectedAt;       // the collection's wall clock, epoch ms
    long collectedNanos;    // System.nanoTime() when that wall clock was read
    long latenessNanos;     // the first run's lateness
    long runNanos;          // the runs' time, added up
    int timedRuns;
    private long startNanos;
    private int failedBefore;

    /**
     * Phase 1 (lock held).
     */
    void collected(final boolean timed, final boolean flight, final long collectedAt, final long collectedNanos)
    {
        this.timed = timed;
        this.flight = flight;
        if (!timed && !flight)
        {
            return; // nothing below is read
        }
        this.collectedAt = collectedAt;
        this.collectedNanos = collectedNanos;
        latenessNanos = 0;
        runNanos = 0;
        timedRuns = 0;
    }

    /**
     * Phase 2, right before a callback runs.
     *
     * @return the begun event, or null when no recording wants it.
     */
    FireEvent beforeRun(final Fire fire)
    {
        if (!timed && !flight)
        {
            return null;
        }
        failedBefore = fire.failed;
        final FireEvent event = flight ? FlightEvents.beginFire() : null;
        startNanos = System.nanoTime();
        return event;
    }

    /**
     * Phase 2, right after the callback returned or threw.
     */
    void afterRun(final Fire fire, final FireEvent event)
    {
        if (!timed && !flight)
        {
            return;
        }
        final long endNanos = System.nanoTime();
        final long lateness = lateness(fire.scheduledAt, startNanos);
        if (timedRuns++ == 0)
        {
            latenessNanos = lateness;
        }
        runNanos += endNanos - startNanos;
        if (event != null)
        {
            FlightEvents.commitFire(event, fire.taskName, fire.scheduledAt, lateness, fire.failed != failedBefore);
        }
    }

    /**
     * @return the start minus the fire time in ns, at least 0, saturated for fire times far in the past.
     */
    private long lateness(final long scheduledAt, final long start)
    {
        final long sinceCollection = Math.max(0, start - collectedNanos);
        if (scheduledAt > collectedAt)
        {
            // a run triggered after its collection read the clock (by a callback of the same runPending), or before
            // the clock stepped back: late only by what the start passed its fire time, if anything
            final long early = scheduledAt - collectedAt; // exact read unsigned
            return Long.compareUnsigned(early, sinceCollection / 1_000_000) > 0 ?
                0 : sinceCollection - early * 1_000_000;
        }
        final long millis = collectedAt - scheduledAt; // negative only when it overflowed
        return millis < 0 || millis > (Long.MAX_VALUE - sinceCollection) / 1_000_000 ?
            Long.MAX_VALUE : millis * 1_000_000 + sinceCollection;
    }
}
