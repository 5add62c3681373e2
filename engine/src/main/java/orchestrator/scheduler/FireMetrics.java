package orchestrator.scheduler;

import org.HdrHistogram.Histogram;

/**
 * Thread safe: the {@code on*} methods are called with the registry's lock held, {@link #snapshot()} and
 * {@link #counts()} from any thread. The engine's own metrics: counters of runs, missed fires and failures, always
 * kept, and, while timings are on, HdrHistograms of fire lateness and run time; plus the JDK Flight Recorder events.
 * <p>
 * Caveats: timings cost two {@code System.nanoTime()} reads per run (about 50 ns here, as much as a whole fire of an
 * empty callback), so they are off unless the builder asks for them ({@link Scheduler.Builder#recordTimings}) or a
 * {@link SchedulerMeterBinder} is bound; the counters are always kept.
 */
final class FireMetrics
{
    /*
     * Writers hold the registry's lock already (phase 1 collects and counts misses, phase 3 completes fires), so the
     * counters are plain longs and the histograms plain Histograms written by one thread at a time: no atomics on the
     * fire path. A reader's hold does not grow with the number of tasks or of fires recorded: it drains completions as
     * every read does, copies the counters and swaps the interval histograms with empty spares; it adds the interval into the running totals after releasing the lock,
     * under its own monitor. Ordering: the interval histogram was written under the lock and is read by the reader
     * after it took the lock; the spare was reset by the reader before it handed it over under the lock.
     */
    static final int SIGNIFICANT_DIGITS = 2;
    static final long MAX_RECORDED = 1L << 52; // about 52 days in ns; longer values are recorded as this

    private final TaskRegistry registry;
    private volatile boolean timings;
    // guarded by lock
    private long runs;
    private long missed;
    private long failures;
    private long timedFires;
    private long latenessTotal;
    private long timedRuns;
    private long runTimeTotal;
    private Histogram lateness = new Histogram(SIGNIFICANT_DIGITS);
    private Histogram runTime = new Histogram(SIGNIFICANT_DIGITS);
    private boolean batchTimed;
    private boolean batchFlight;
    private long collectedAt;
    private long collectedNanos;
    // guarded by this
    private Histogram spareLateness = new Histogram(SIGNIFICANT_DIGITS);
    private Histogram spareRunTime = new Histogram(SIGNIFICANT_DIGITS);
    private final Histogram latenessSoFar = new Histogram(SIGNIFICANT_DIGITS);
    private final Histogram runTimeSoFar = new Histogram(SIGNIFICANT_DIGITS);

    FireMetrics(final TaskRegistry registry, final boolean timings)
    {
        this.registry = registry;
        this.timings = timings;
    }

    void recordTimings(final boolean on)
    {
        timings = on;
    }

    boolean recordsTimings()
    {
        return timings;
    }

    /**
     * Phase 1 (lock held), once per collection: whether its fires are timed.
     *
     * @param now      the wall clock the collection uses, epoch ms.
     * @param nowNanos {@code System.nanoTime()} read when {@code now} was read: a later collection of the same
     *                 {@code runPending()} call reuses {@code now}, so its fires' lateness counts from this, not from
     *                 the collection itself.
     */
    void onCollect(final long now, final long nowNanos)
    {
        batchTimed = timings;
        batchFlight = FlightEvents.fireEnabled();
        collectedAt = now;
        collectedNanos = nowNanos;
    }

    /**
     * Phase 1 (lock held): a fire was claimed by the current collection.
     */
    void onClaim(final Fire fire)
    {
        fire.timing.collected(batchTimed, batchFlight, collectedAt, collectedNanos);
    }

    /**
     * Lock held: fires of one task counted as missed.
     */
    void onMissed(final String task, final long scheduledAt, final long fires, final String reason)
    {
        missed += fires;
        if (FlightEvents.missedEnabled())
        {
            FlightEvents.missed(task, scheduledAt, fires, reason);
        }
    }

    /**
     * Phase 3 (lock held): the outcome of one fire.
     */
    void onComplete(final Fire fire)
    {
        runs += fire.ran;
        failures += fire.failed + (fire.openFailure != null ? 1 : 0);
        final FireTiming timing = fire.timing;
        if (timing.timed && timing.timedRuns > 0)
        {
            final long late = Math.min(timing.latenessNanos, MAX_RECORDED);
            lateness.recordValue(late);
            timedFires++;
            latenessTotal = saturatedAdd(latenessTotal, late);
            final long each = Math.min(timing.runNanos / timing.timedRuns, MAX_RECORDED);
            runTime.recordValueWithCount(each, timing.timedRuns);
            timedRuns += timing.timedRuns;
            runTimeTotal = saturatedAdd(runTimeTotal, timing.runNanos);
        }
    }

    private static long saturatedAdd(final long total, final long value) // both >= 0
    {
        final long sum = total + value;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * @return the counters, after recording every completed run.
     */
    Counts counts()
    {
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            return countsLocked();
        }
        finally
        {
            registry.lock.unlock();
        }
    }

    /**
     * @return the counters and the histograms since the scheduler was built.
     */
    synchronized SchedulerMetrics snapshot()
    {
        final Counts counts;
        final Histogram intervalLateness;
        final Histogram intervalRunTime;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            counts = countsLocked();
            intervalLateness = lateness;
            intervalRunTime = runTime;
            lateness = spareLateness; // reset by the previous snapshot
            runTime = spareRunTime;
        }
        finally
        {
            registry.lock.unlock();
        }
        latenessSoFar.add(intervalLateness);
        runTimeSoFar.add(intervalRunTime);
        intervalLateness.reset();
        intervalRunTime.reset();
        spareLateness = intervalLateness;
        spareRunTime = intervalRunTime;
        return new SchedulerMetrics(counts, timings, latenessSoFar.copy(), runTimeSoFar.copy());
    }

    private Counts countsLocked()
    {
        return new Counts(runs, missed, failures, timedFires, latenessTotal, timedRuns, runTimeTotal);
    }

    /**
     * Immutable: the counters at one instant.
     *
     * @param runs          callbacks run.
     * @param missed        fires counted as missed.
     * @param failures      runs that threw, or records that failed to open.
     * @param timedFires    fires whose lateness was recorded.
     * @param latenessNanos their lateness, added up.
     * @param timedRuns     runs whose time was recorded.
     * @param runNanos      their time, added up.
     */
    record Counts(long runs, long missed, long failures, long timedFires, long latenessNanos, long timedRuns,
        long runNanos)
    {
    }
}
