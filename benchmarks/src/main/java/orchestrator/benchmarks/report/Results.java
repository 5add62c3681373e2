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

    /**
     * Lock holds of one phase of the lock-hold harness, in µs.
     *
     * @param round       {@code cold} (first round, code warming up) or {@code warm}.
     * @param phase       what the scheduler was doing: register, tasks, sweep, jump.
     * @param holds       how many times the lock was taken.
     * @param p50         median hold.
     * @param p99         99th percentile.
     * @param max         longest hold, wall clock.
     * @param maxOnCpu    longest hold counted in the holder's CPU time (no descheduling, no GC pause).
     * @param over200us   holds longer than 200 µs, wall clock.
     * @param over1ms     holds longer than 1 ms, wall clock.
     * @param phaseMs     how long the phase took, ms.
     * @param gcPauseMs   longest GC pause during the phase, ms.
     * @param where       the code that released the longest hold.
     */
    public record LockHold(String round, String phase, long holds, double p50, double p99, double max,
        double maxOnCpu, long over200us, long over1ms, double phaseMs, long gcPauseMs, String where)
    {
    }

    /**
     * The lock-hold harness's sweeps compared hold by hold: each hold's shortest length over the measured rounds.
     *
     * @param rounds    how many sweeps were compared.
     * @param holds     holds per sweep.
     * @param p50       median of the per-hold minimum, µs.
     * @param p99       99th percentile, µs.
     * @param max       longest per-hold minimum, µs.
     * @param over200us per-hold minimums over 200 µs.
     * @param at        the index of the longest.
     * @param each      that hold's length in each round, µs, comma-separated.
     */
    public record HoldMinimum(int rounds, long holds, double p50, double p99, double max, long over200us, long at,
        String each)
    {
    }

    /**
     * The stall probe of the lock-hold harness: a thread that only reads the clock, alone.
     *
     * @param seconds   how long it ran.
     * @param reads     how many times it read the clock.
     * @param longestUs the longest gap between two reads, µs.
     * @param cpuUs     how far the thread's CPU time advanced during that gap, µs.
     * @param over200us gaps over 200 µs.
     * @param over1ms   gaps over 1 ms.
     */
    public record Stall(int seconds, long reads, double longestUs, double cpuUs, long over200us, long over1ms)
    {
    }

    private HoldMinimum holdMinimum;
    private Stall stall;

    private final Map<Metric, Map<String, Map<Long, Score>>> scores = new LinkedHashMap<>();
    private final Map<Metric, Map<String, Map<Long, Score>>> allocation = new LinkedHashMap<>();
    private final List<Other> others = new ArrayList<>();
    private final List<Lateness> lateness = new ArrayList<>();
    private final List<LockHold> lockHolds = new ArrayList<>();
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
     * @param hold lock-hold figures of one phase to add.
     */
    public void addLockHold(final LockHold hold)
    {
        lockHolds.add(hold);
    }

    /**
     * @return lock-hold figures, in the order recorded.
     */
    public List<LockHold> lockHolds()
    {
        return List.copyOf(lockHolds);
    }

    /**
     * @param minimum the sweeps compared hold by hold.
     */
    public void holdMinimum(final HoldMinimum minimum)
    {
        holdMinimum = minimum;
    }

    /**
     * @return the sweeps compared hold by hold, or null.
     */
    public HoldMinimum holdMinimum()
    {
        return holdMinimum;
    }

    /**
     * @param probe the stall probe's figures.
     */
    public void stall(final Stall probe)
    {
        stall = probe;
    }

    /**
     * @return the stall probe's figures, or null.
     */
    public Stall stall()
    {
        return stall;
    }

    /**
     * @param round a round of the lock-hold harness.
     * @param phase a phase of it.
     * @return its figures, or null.
     */
    public LockHold lockHold(final String round, final String phase)
    {
        for (final LockHold hold : lockHolds)
        {
            if (hold.round().equals(round) && hold.phase().equals(phase))
            {
                return hold;
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
}
