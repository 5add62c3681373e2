package orchestrator.scheduler.store;

/**
 * Immutable, so safe to share between threads: what a join or a heartbeat returned, in database time.
 *
 * @param epoch    the node's epoch.
 * @param dbMillis the database's clock when the statement ran, epoch ms.
 * @param nextDue  the earliest claimable fire of the node's tasks, epoch ms, or {@link Long#MAX_VALUE}.
 * @param live     the ids of the nodes whose lease runs, sorted, the node's own included.
 */
public record ClusterLease(long epoch, long dbMillis, long nextDue, java.util.List<String> live)
{
    /**
     * Copies the list.
     */
    public ClusterLease
    {
        live = java.util.List.copyOf(live);
    }
}
