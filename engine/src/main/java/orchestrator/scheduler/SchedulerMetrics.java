package orchestrator.scheduler;

import org.HdrHistogram.Histogram;

import java.time.Duration;

/**
 * Immutable, so safe to share between threads: the engine's own metrics as {@link Scheduler#metrics()} saw them,
 * counted since the scheduler was built.
 * <p>
 * Counters are always kept: {@link #runs()}, {@link #missed()} and {@link #failures()} are the sums of the same
 * counters of {@link TaskInfo} over every task the scheduler ever had, finished and forgotten ones included, less what
 * a task restored from a durable store had counted before this scheduler was built (its {@code TaskInfo} counters
 * go on from the stored ones; these start at zero). The
 * lateness of each fire (its run's start minus its fire time) and the time of each run are recorded in HdrHistograms
 * (nanoseconds, two significant digits) only while timings are on: see {@link Scheduler.Builder#recordTimings}; a
 * bound {@link SchedulerMeterBinder} switches them on.
 * <p>
 * Caveats: a fire that runs its callback several times ({@link MisfirePolicy#fireAll}) records one lateness, its first
 * run's, and each run's average time. Values above about 52 days are recorded as 52 days.
 */
public final class SchedulerMetrics
{
    private final FireMetrics.Counts counts;
    private final boolean timings;
    private final Histogram lateness;
    private final Histogram runTime;

    SchedulerMetrics(final FireMetrics.Counts counts, final boolean timings, final Histogram lateness,
        final Histogram runTime)
    {
        this.counts = counts;
        this.timings = timings;
        this.lateness = lateness;
        this.runTime = runTime;
    }

    /**
     * @return callbacks run, whether they returned or threw.
     */
    public long runs()
    {
        return counts.runs();
    }

    /**
     * @return fires that did not run: passed while the scheduler was late (as the misfire policy decided), due while
     *         the previous run of the task was still going, due while the task was paused, or refused by the
     *         dispatcher.
     */
    public long missed()
    {
        return counts.missed();
    }

    /**
     * @return runs whose callback threw, plus handler fires whose sealed record failed to open.
     */
    public long failures()
    {
        return counts.failures();
    }

    /**
     * @return true when timings were being recorded when this snapshot was taken.
     */
    public boolean timingsRecorded()
    {
        return timings;
    }

    /**
     * @return fires whose lateness was recorded (the lateness histogram's count).
     */
    public long timedFires()
    {
        return counts.timedFires();
    }

    /**
     * @return runs whose time was recorded (the run-time histogram's count).
     */
    public long timedRuns()
    {
        return counts.timedRuns();
    }

    /**
     * @return the lateness of the timed fires added up, exact (not read from the histogram).
     */
    public Duration totalLateness()
    {
        return Duration.ofNanos(counts.latenessNanos());
    }

    /**
     * @return the time of the timed runs added up, exact.
     */
    public Duration totalRunTime()
    {
        return Duration.ofNanos(counts.runNanos());
    }

    /**
     * @return a copy of the lateness histogram, in nanoseconds: each timed fire's start minus its fire time.
     */
    public Histogram lateness()
    {
        return lateness.copy();
    }

    /**
     * @return a copy of the run-time histogram, in nanoseconds: how long each timed callback ran.
     */
    public Histogram runTime()
    {
        return runTime.copy();
    }

    /**
     * @param percentile from 0 to 100, e.g. 99.9.
     * @return the lateness at that percentile (HdrHistogram's equivalent value); zero when nothing was timed.
     */
    public Duration latenessAtPercentile(final double percentile)
    {
        return Duration.ofNanos(lateness.getValueAtPercentile(percentile));
    }

    /**
     * @param percentile from 0 to 100.
     * @return the run time at that percentile; zero when nothing was timed.
     */
    public Duration runTimeAtPercentile(final double percentile)
    {
        return Duration.ofNanos(runTime.getValueAtPercentile(percentile));
    }

    Histogram latenessView()
    {
        return lateness;
    }

    Histogram runTimeView()
    {
        return runTime;
    }

    @Override
    public String toString()
    {
        return "SchedulerMetrics[runs=" + runs() + ", missed=" + missed() + ", failures=" + failures() +
            (timedFires() == 0 ? "" : ", lateness p50=" + latenessAtPercentile(50) + " p99=" +
            latenessAtPercentile(99) + " max=" + Duration.ofNanos(lateness.getMaxValue())) +
            (timedRuns() == 0 ? "" : ", run time p50=" + runTimeAtPercentile(50) + " p99=" + runTimeAtPercentile(99)) +
            "]";
    }
}
