package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.util.List;
import java.util.Map;

/**
 * Immutable, so safe to share between threads: what a join or a heartbeat returned, in database time.
 *
 * @param epoch    the node's epoch.
 * @param dbMillis the database's clock when the statement ran, epoch ms.
 * @param nextDue  the earliest claimable fire of the node's tasks, epoch ms, or {@link Long#MAX_VALUE}.
 * @param live     the ids of the nodes whose lease runs, sorted, the node's own included.
 * @param finished the rows a heartbeat was asked about that are finished ({@code COMPLETED} or {@code FAILED}): name
 *                 to state.
 */
public record ClusterLease(long epoch, long dbMillis, long nextDue, List<String> live, Map<String, TaskState> finished)
{
    /**
     * Copies the list and the map.
     */
    public ClusterLease
    {
        live = List.copyOf(live);
        finished = Map.copyOf(finished);
    }

    /**
     * A lease that found no finished row.
     */
    public ClusterLease(final long epoch, final long dbMillis, final long nextDue, final List<String> live)
    {
        this(epoch, dbMillis, nextDue, live, Map.of());
    }
}
