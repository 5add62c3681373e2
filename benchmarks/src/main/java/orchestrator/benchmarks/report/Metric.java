package orchestrator.benchmarks.report;

/**
 * Thread safe (immutable): a figure the report shows, and the JMH benchmark it comes from.
 */
public enum Metric
{
    /** ns to schedule one timer with n pending. */
    SCHEDULE("schedule", "ns per timer", "TimerScheduleBenchmark.schedule", null, "structure", "n", Kind.PEERS),
    /** ns to cancel one of n pending timers. */
    CANCEL("cancel", "ns per timer", "TimerCancelBenchmark.cancel", null, "structure", "n", Kind.PEERS),
    /** ns per expired timer, n timers in a rolling 60 s window swept 1 ms at a time. */
    COLLECT("collect", "ns per expired timer", "TimerCollectBenchmark.sweep", "expiredTimer", "structure", "n",
        Kind.PEERS),
    /** Retained heap bytes per pending timer, from the footprint harness. */
    FOOTPRINT("footprint", "bytes per pending timer", null, null, "structure", "n", Kind.PEERS),
    /** Engine only: recurring fires per second through runPending(). */
    RUN_PENDING("runPending", "fires per second", "RunPendingBenchmark.runPending", "fires", "dispatcher", "n",
        Kind.ENGINE),
    /** ns per handler fire through runPending(), production (sealed) and test (plain) records. */
    PRODUCTION_FIRE("production mode", "ns per handler fire", "ProductionModeBenchmark.runPending", null, "mode",
        "payloadSize", Kind.PRODUCTION),
    /** ns to open one sealed record through the vault, as a fire does. */
    VAULT_OPEN("vault open", "ns per record", "VaultBenchmark.open", null, "cipher", "payloadSize", Kind.PRODUCTION);

    /**
     * Which table a metric belongs to.
     */
    public enum Kind
    {
        /** Compares the engine with its peers: headline, ratios and a chart. */
        PEERS,
        /** The engine alone, with a chart. */
        ENGINE,
        /** Production mode against test mode: no chart; the column is the payload size in bytes. */
        PRODUCTION
    }

    private final String title;
    private final String unit;
    private final String benchmarkSuffix;
    private final String secondary;
    private final String rowParam;
    private final String columnParam;
    private final Kind kind;

    Metric(final String title, final String unit, final String benchmarkSuffix, final String secondary,
        final String rowParam, final String columnParam, final Kind kind)
    {
        this.title = title;
        this.unit = unit;
        this.benchmarkSuffix = benchmarkSuffix;
        this.secondary = secondary;
        this.rowParam = rowParam;
        this.columnParam = columnParam;
        this.kind = kind;
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
        return kind == Kind.PEERS;
    }

    /**
     * @return true when the metric has a chart.
     */
    public boolean charted()
    {
        return kind != Kind.PRODUCTION;
    }

    /**
     * @return how the column parameter is shown in headers: {@code n = 1k}, {@code 64 B}.
     */
    public String columnLabel(final long value)
    {
        return kind == Kind.PRODUCTION ? value + " B payload" : "n = " + Figures.size(value);
    }

    /**
     * @return true when a smaller figure is better.
     */
    public boolean lowerIsBetter()
    {
        return this != RUN_PENDING;
    }

    /**
     * @return what one operation of the allocation figure is: a timer, an expired timer, a fire.
     */
    public String allocationUnit()
    {
        return unit.startsWith("ns per ") ? unit.substring("ns per ".length()) :
            this == RUN_PENDING ? "fire" : "operation";
    }
}
