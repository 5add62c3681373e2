package orchestrator.benchmarks.report;

/**
 * Thread safe (immutable): a figure the report shows, and the JMH benchmark it comes from.
 */
public enum Metric
{
    /** ns to schedule one timer with n pending. */
    SCHEDULE("schedule", "ns per timer", "TimerScheduleBenchmark.schedule", null, "structure", "n", true),
    /** ns to cancel one of n pending timers. */
    CANCEL("cancel", "ns per timer", "TimerCancelBenchmark.cancel", null, "structure", "n", true),
    /** ns per expired timer, n timers in a 60 s window swept 1 ms at a time. */
    COLLECT("collect", "ns per expired timer", "TimerCollectBenchmark.sweep", "expiredTimer", "structure", "n", true),
    /** Retained heap bytes per pending timer, from the footprint harness. */
    FOOTPRINT("footprint", "bytes per pending timer", null, null, "structure", "n", true),
    /** Engine only: recurring fires per second through runPending(). */
    RUN_PENDING("runPending", "fires per second", "RunPendingBenchmark.runPending", "fires", "dispatcher", "n", false);

    private final String title;
    private final String unit;
    private final String benchmarkSuffix;
    private final String secondary;
    private final String rowParam;
    private final String columnParam;
    private final boolean lowerIsBetter;

    Metric(final String title, final String unit, final String benchmarkSuffix, final String secondary,
        final String rowParam, final String columnParam, final boolean lowerIsBetter)
    {
        this.title = title;
        this.unit = unit;
        this.benchmarkSuffix = benchmarkSuffix;
        this.secondary = secondary;
        this.rowParam = rowParam;
        this.columnParam = columnParam;
        this.lowerIsBetter = lowerIsBetter;
    }

    /**
     * @param benchmark a JMH benchmark name, package included.
     * @return the metric it measures, or null.
     */
    public static Metric forBenchmark(final String benchmark)
    {
        for (final Metric metric : values())
        {
            if (metric.benchmarkSuffix != null && benchmark.endsWith("." + metric.benchmarkSuffix))
            {
                return metric;
            }
        }
        return null;
    }

    /**
     * @return short name, used in headings and file names.
     */
    public String title()
    {
        return title;
    }

    /**
     * @return the unit of the figures.
     */
    public String unit()
    {
        return unit;
    }

    /**
     * @return the secondary JMH result holding the figure, or null for the primary result.
     */
    public String secondary()
    {
        return secondary;
    }

    /**
     * @return the JMH parameter naming the row (structure).
     */
    public String rowParam()
    {
        return rowParam;
    }

    /**
     * @return the JMH parameter naming the column (size).
     */
    public String columnParam()
    {
        return columnParam;
    }

    /**
     * @return true for the metrics that compare the engine with its peers, shown in the headline table.
     */
    public boolean comparesPeers()
    {
        return this != RUN_PENDING;
    }

    /**
     * @return true when a smaller figure is better.
     */
    public boolean lowerIsBetter()
    {
        return lowerIsBetter;
    }
}
