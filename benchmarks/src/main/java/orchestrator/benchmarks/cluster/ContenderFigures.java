package orchestrator.benchmarks.cluster;

import java.util.List;

/**
 * Thread safe (immutable): what the cluster harness measured for one contender; {@code NaN} where it measured nothing.
 *
 * @param contender     the contender's name.
 * @param configuration how its nodes were configured.
 * @param throughput    fires per second, per node count measured (1, then the multi-node count) and, for a
 *                      contender that registers its tasks on the nodes, per demand.
 * @param idleStatementsPerSecond transactions (commits plus rollbacks) per second of the database while one node
 *                      runs with no due task.
 * @param lateness      the lateness of the cluster at the configured rate.
 * @param takeover      the takeover after a SIGKILL.
 * @param notes         what the reader should know about these figures (a backlog that ran out, a timeout).
 */
record ContenderFigures(String contender, String configuration, List<Throughput> throughput,
    double idleStatementsPerSecond, LatenessFigures lateness, Takeover takeover, List<String> notes)
{
    /**
     * Thread safe (immutable): one throughput window.
     *
     * @param nodes          nodes firing.
     * @param firesPerSecond fires counted by the nodes in the window, per second.
     * @param commitsPerFire commits of the database ({@code xact_commit}) in the window per fire.
     * @param backlog        one-time tasks due at the start, or tasks every second (the demand) on every node.
     * @param exhausted      whether the backlog ran out before the window closed (the rate is then a lower bound).
     */
    record Throughput(int nodes, double firesPerSecond, double commitsPerFire, int backlog, boolean exhausted)
    {
    }

    /**
     * @return the measurement with {@code nodes} nodes that fired the most per second.
     */
    Throughput best(final int nodes)
    {
        Throughput best = null;
        for (final Throughput candidate : throughput)
        {
            if (candidate.nodes() == nodes && (best == null || candidate.firesPerSecond() > best.firesPerSecond()))
            {
                best = candidate;
            }
        }
        return best;
    }

    /**
     * Thread safe (immutable): the lateness of fires due at a steady rate.
     *
     * @param nodes  nodes firing.
     * @param rate   fires due per second.
     * @param tasks  fires due.
     * @param fired  fires that ran before the deadline; the others count as late as the deadline.
     * @param early  fires that ran before their due time (counted as 0 ms late).
     * @param p50Ms  median lateness, ms.
     * @param p99Ms  99th percentile, ms.
     * @param maxMs  maximum, ms.
     */
    record LatenessFigures(int nodes, int rate, int tasks, long fired, long early, double p50Ms, double p99Ms,
        double maxMs)
    {
    }

    /**
     * Thread safe (immutable): a takeover after SIGKILL of a node that held running fires.
     *
     * @param held      fires the killed node held.
     * @param firstS    seconds from the kill to the first of them firing again on the surviving node.
     * @param allS      seconds from the kill to the last of them, NaN when not all fired in time.
     * @param refired   how many of them fired again before the timeout.
     */
    record Takeover(int held, double firstS, double allS, long refired)
    {
    }
}
