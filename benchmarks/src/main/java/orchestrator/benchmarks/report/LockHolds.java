package orchestrator.benchmarks.report;

import java.util.ArrayList;
import java.util.List;

/**
 * NOT thread safe: the figures of the lock-hold harness ({@code LockHoldMain}), recorded as its lines are read and
 * read by the report once the run is over.
 */
public final class LockHolds
{
    /**
     * Lock holds of one phase of the lock-hold harness, in µs.
     *
     * @param round       {@code cold} (first round, code warming up), {@code warm} (the figure), {@code warm2}, ...
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
    public record Phase(String round, String phase, long holds, double p50, double p99, double max,
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
    public record Minimum(int rounds, long holds, double p50, double p99, double max, long over200us, long at,
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

    private final List<Phase> phases = new ArrayList<>();
    private Minimum minimum;
    private Stall stall;

    /**
     * @param phase lock-hold figures of one phase of one round to add.
     */
    public void add(final Phase phase)
    {
        phases.add(phase);
    }

    /**
     * @return the figures of every phase, in the order recorded.
     */
    public List<Phase> phases()
    {
        return List.copyOf(phases);
    }

    /**
     * @param round a round of the harness.
     * @param phase a phase of it.
     * @return its figures, or null.
     */
    public Phase phase(final String round, final String phase)
    {
        for (final Phase each : phases)
        {
            if (each.round().equals(round) && each.phase().equals(phase))
            {
                return each;
            }
        }
        return null;
    }

    /**
     * @param sweeps the sweeps compared hold by hold.
     */
    public void minimum(final Minimum sweeps)
    {
        minimum = sweeps;
    }

    /**
     * @return the sweeps compared hold by hold, or null.
     */
    public Minimum minimum()
    {
        return minimum;
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
}
