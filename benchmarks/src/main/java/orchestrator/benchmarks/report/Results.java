package orchestrator.benchmarks.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.openjdk.jmh.results.RunResult;

/**
 * NOT thread safe: the figures of one run, by metric, structure and size {@code n}, gathered from JMH's run results
 * and from the footprint, lateness and lock-hold harnesses.
 */
public final class Results
{
    /** JMH's GC profiler figure: bytes allocated in an iteration per JMH operation. */
    public static final String ALLOC_NORM = "gc.alloc.rate.norm";
    /** Event counter of {@code orchestrator.benchmarks.Untimed}: bytes allocated by untimed fixtures. */
    public static final String UNTIMED_BYTES = "untimedBytes";
    /** Event counter of {@code orchestrator.benchmarks.Untimed}: operations the figure counts, when not JMH's. */
    public static final String OPS = "ops";

    /**
     * One figure and its error margin (99.9% confidence half-width from JMH; NaN where there is none).
     *
     * @param value the figure.
     * @param error its error margin.
     */
    public record Score(double value, double error)
    {
    }

    /**
     * Fire lateness percentiles of one run of the lateness harness, in µs.
     *
     * @param rate  fires per second.
     * @param kind  {@code raw} or {@code corrected} (coordinated-omission correction).
     * @param count  values in the histogram.
     * @param behind fires still pending long after their instant, recorded with their lateness so far.
     * @param p50   median.
     * @param p99   99th percentile.
     * @param p999  99.9th percentile.
     * @param max   maximum.
     */
    public record Lateness(
        int rate, String kind, long count, long behind, double p50, double p99, double p999, double max)
    {
    }

    /**
     * Where the late fires of one run of the lateness harness came from.
     *
     * @param rate         fires per second.
     * @param lateFires    measured fires more than 1 ms late.
     * @param duringGc     of those, the fires whose wait overlapped a GC pause.
     * @param gcPauses     GC pauses during the measured period.
     * @param longestGcMs  the longest of them, ms.
     * @param wakeP50      the probe thread's wake-up lateness after parkNanos, median, µs.
     * @param wakeP99      99th percentile.
     * @param wakeP999     99.9th percentile.
     * @param wakeMax      maximum.
     */
    public record LatenessCauses(int rate, long lateFires, long duringGc, long gcPauses, long longestGcMs,
        double wakeP50, double wakeP99, double wakeP999, double wakeMax)
    {
    }

    /**
     * A JMH figure that no {@link Metric} covers, shown as is.
     *
     * @param benchmark the benchmark, class and method.
     * @param params    its parameters, {@code name=value} joined by spaces.
     * @param score     the primary score.
     * @param error     its error margin.
     * @param unit      the score's unit.
     */
    public record Other(String benchmark, String params, double score, double error, String unit)
    {
    }





    private final Map<Metric, Map<String, Map<Long, Score>>> scores = new LinkedHashMap<>();
    private final Map<Metric, Map<String, Map<Long, Score>>> allocation = new LinkedHashMap<>();
    private final List<Other> others = new ArrayList<>();
    private final List<Lateness> lateness = new ArrayList<>();
    private final LockHolds lockHolds = new LockHolds();
    private final List<LatenessCauses> latenessCauses = new ArrayList<>();

    /**
     * Records a figure.
     *
     * @param metric    what was measured.
     * @param structure which structure.
     * @param n         the size parameter.
     * @param score     the figure.
     */
    public void put(final Metric metric, final String structure, final long n, final Score score)
    {
        scores.computeIfAbsent(metric, m -> new LinkedHashMap<>())
            .computeIfAbsent(structure, s -> new TreeMap<>())
            .put(n, score);
    }

    /**
     * @param metric    what was measured.
     * @param structure which structure.
     * @param n         the size parameter.
     * @return the figure, or null when the run did not measure it.
     */
    public Score get(final Metric metric, final String structure, final long n)
    {
        return scores.getOrDefault(metric, Map.of()).getOrDefault(structure, Map.of()).get(n);
    }

    /**
     * @param metric    what was measured.
     * @param structure which structure.
     * @param n         the size parameter.
     * @return bytes allocated per operation of the figure (a timer, an expired timer, a fire), or null when the run
     *         had no GC profiler.
     */
    public Score allocation(final Metric metric, final String structure, final long n)
    {
        return allocation.getOrDefault(metric, Map.of()).getOrDefault(structure, Map.of()).get(n);
    }

    /**
     * @param metric what was measured.
     * @return true when the run measured allocation for the metric.
     */
    public boolean hasAllocation(final Metric metric)
    {
        return !allocation.getOrDefault(metric, Map.of()).isEmpty();
    }

    /**
     * @param causes where the late fires of a lateness run came from.
     */
    public void addLatenessCauses(final LatenessCauses causes)
    {
        latenessCauses.add(causes);
    }

    /**
     * @return where late fires came from, per lateness run, in the order recorded.
     */
    public List<LatenessCauses> latenessCauses()
    {
        return List.copyOf(latenessCauses);
    }

    /**
     * @param rate fires per second.
     * @return where that run's late fires came from, or null.
     */
    public LatenessCauses latenessCauses(final int rate)
    {
        for (final LatenessCauses row : latenessCauses)
        {
            if (row.rate() == rate)
            {
                return row;
            }
        }
        return null;
    }

    /**
     * @param rate fires per second.
     * @param kind raw or corrected.
     * @return the lateness figures, or null.
     */
    public Lateness lateness(final int rate, final String kind)
    {
        for (final Lateness row : lateness)
        {
            if (row.rate() == rate && row.kind().equals(kind))
            {
                return row;
            }
        }
        return null;
    }

    /**
     * @param benchmark a benchmark name as {@link Other} holds it, e.g. {@code VaultBenchmark.seal}.
     * @return its figures, in run order.
     */
    public List<Other> others(final String benchmark)
    {
        final List<Other> rows = new ArrayList<>();
        for (final Other row : others)
        {
            if (row.benchmark().equals(benchmark))
            {
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * @return figures of benchmarks that no metric covers, in run order.
     */
    public List<Other> others()
    {
        return List.copyOf(others);
    }

    /**
     * @param figures lateness percentiles to add.
     */
    public void addLateness(final Lateness figures)
    {
        lateness.add(figures);
    }

    /**
     * @return the lateness percentiles, in the order recorded.
     */
    public List<Lateness> lateness()
    {
        return List.copyOf(lateness);
    }

    /**
     * @param metric what was measured.
     * @param order  structure names in display order.
     * @return the structures measured for it, in the given order first, then any others.
     */
    public List<String> structures(final Metric metric, final List<String> order)
    {
        final Set<String> measured = scores.getOrDefault(metric, Map.of()).keySet();
        final Set<String> result = new LinkedHashSet<>();
        for (final String name : order)
        {
            if (measured.contains(name))
            {
                result.add(name);
            }
        }
        result.addAll(measured);
        return new ArrayList<>(result);
    }

    /**
     * @param order structure names in display order.
     * @return every structure measured for a metric that compares peers, in the given order first.
     */
    public List<String> structures(final List<String> order)
    {
        final Set<String> result = new LinkedHashSet<>();
        for (final Metric metric : scores.keySet())
        {
            if (metric.comparesPeers())
            {
                result.addAll(structures(metric, order));
            }
        }
        final List<String> sorted = new ArrayList<>();
        for (final String name : order)
        {
            if (result.contains(name))
            {
                sorted.add(name);
            }
        }
        for (final String name : result)
        {
            if (!sorted.contains(name))
            {
                sorted.add(name);
            }
        }
        return sorted;
    }

    /**
     * @param metric what was measured.
     * @return the sizes measured for it, ascending.
     */
    public Set<Long> sizes(final Metric metric)
    {
        final Set<Long> sizes = new TreeSet<>();
        for (final Map<Long, Score> row : scores.getOrDefault(metric, Map.of()).values())
        {
            sizes.addAll(row.keySet());
        }
        return sizes;
    }

    /**
     * Adds the figures of JMH run results whose benchmark maps to a {@link Metric}.
     *
     * @param runResults JMH's results.
     */
    public void addJmh(final Collection<RunResult> runResults)
    {
        JmhRuns.addTo(this, runResults);
    }

    /**
     * Records what a JMH run allocated per operation of a figure.
     */
    void putAllocation(final Metric metric, final String structure, final long n, final Score bytes)
    {
        allocation.computeIfAbsent(metric, m -> new LinkedHashMap<>())
            .computeIfAbsent(structure, k -> new TreeMap<>())
            .put(n, bytes);
    }

    /**
     * Records a JMH figure that no metric covers.
     */
    void addOther(final Other other)
    {
        others.add(other);
    }

    /**
     * @return the lock-hold harness's figures, filled as they are read.
     */
    public LockHolds lockHolds()
    {
        return lockHolds;
    }
}
