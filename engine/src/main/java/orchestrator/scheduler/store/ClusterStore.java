package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongBinaryOperator;

/**
 * Not thread safe: one engine thread per node (its cluster thread) calls the claim, heartbeat and completion
 * methods; {@link #register} may be called from any thread. Engine only: the cluster's side of a shared store, as
 * {@link TaskStore#cluster()} returns it; applications do not call it.
 * <p>
 * Every time here is the database's clock ({@code clock_timestamp()}), in epoch ms: leases, "due" and the time a
 * heartbeat returns. A task row is claimed by one node at a time (owner, owner's epoch, and a fence token that grows
 * by one per claim); a completion applies only while owner, epoch and fence still match.
 * <p>
 * Caveats: a call that fails throws {@link TaskStoreException}; the caller retries (the connection is opened again on
 * the next call). A claim or completion whose commit got no answer throws {@link CommitUnknownException} instead: it
 * may have applied, so the caller may hold rows it does not know of.
 */
public sealed interface ClusterStore permits PostgresCluster
{
    /**
     * Immutable once thrown, so safe to pass between threads: the commit of a claim or of completions got no answer
     * (the connection failed while it ran), so its writes may or may not have applied.
     */
    final class CommitUnknownException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final transient List<ClusterClaim> claims;

        /**
         * @param message what was committed.
         * @param cause   the failure of the commit.
         * @param answer  what the transaction's statements answered before the commit: a claim's claims.
         */
        public CommitUnknownException(final String message, final Throwable cause, final Object answer)
        {
            super(message, cause);
            final List<ClusterClaim> claimed = new ArrayList<>();
            if (answer instanceof List<?> list)
            {
                for (final Object element : list)
                {
                    if (element instanceof ClusterClaim claim)
                    {
                        claimed.add(claim);
                    }
                }
            }
            this.claims = List.copyOf(claimed);
        }

        /**
         * @return the claims of a claim round, as its statement returned them: the rows it took if the commit
         *         applied. Empty for completions.
         */
        public List<ClusterClaim> claims()
        {
            return claims == null ? List.of() : claims;
        }
    }

    /**
     * Joins (or rejoins) the cluster: the node's epoch grows by one, which fences every claim it held before.
     *
     * @param nodeId  the node's id.
     * @param leaseMs how long the lease lasts, database time.
     * @return the new epoch and the database time.
     */
    ClusterLease join(String nodeId, long leaseMs);

    /**
     * Renews the lease of {@code nodeId} at {@code epoch}.
     *
     * @param names  the tasks this node can run.
     * @param ending the tasks whose rows may have been finished by another node (a one-time task whose instant
     *               passed without this node's claim); usually empty.
     * @return the database time, the earliest claimable fire among {@code names}, the live nodes and the finished
     *         rows among {@code ending}; null when the node was fenced (its epoch moved on: another node took its
     *         claims over).
     */
    ClusterLease heartbeat(String nodeId, long epoch, long leaseMs, String[] names, String[] ending);

    /**
     * Claims up to {@code max} due rows: not owned, or owned by a node whose lease ran out or whose epoch moved on;
     * due means, for {@code preferred} names, a next fire at most {@code lookaheadMs} after database now, and for the
     * other {@code names}, one at least {@code overdueMs} before it (rows their preferred node left). First, in the
     * same transaction, the other nodes whose lease ran out and that own due rows have their epoch bumped, their
     * node rows locked until the commit: a heartbeat of theirs racing the takeover waits for it and then finds the
     * node fenced. A claim names its previous owner only when that owner may have started the instant: the instant is
     * at or before the end of the owner's lease, and before now.
     *
     * @return the claims, earliest first.
     * @throws CommitUnknownException when the commit got no answer: the rows may be claimed without the caller knowing.
     */
    List<ClusterClaim> claim(String nodeId, long epoch, long overdueMs, String[] names, long lookaheadMs,
        String[] preferred, int max);

    /**
     * Writes completions in one transaction and one statement; those whose owner, epoch or fence no longer match
     * change nothing and are counted as rejected, also in the node's row. A completion that keeps its row leaves the
     * owner and epoch as they are and raises the fence by one: the node holds the row's next instant.
     *
     * @param completions at most one per task name.
     * @return the names of the rejected completions, empty when all applied.
     * @throws CommitUnknownException when the commit got no answer: the completions may have applied, and the rows
     *         they keep may be held without the caller knowing.
     */
    List<String> complete(String nodeId, long epoch, List<ClusterCompletion> completions);

    /**
     * Stores a task registered on a node: a new name is inserted; a name already stored keeps its progress and claim
     * when the schedule is the same, and takes the new schedule and next fire when it changed. Counters are kept. A
     * row the cluster finished ({@code COMPLETED} or {@code FAILED}: a one-time task that ran) stays finished when the
     * schedule is the same, so its instant does not run again.
     *
     * @return the row's state once stored: {@code COMPLETED} or {@code FAILED} when the cluster already finished it.
     */
    TaskState register(StoredTask task);

    /**
     * Stores a task rescheduled on a node, as {@link #register} stores a changed schedule, and counts missed in the
     * row the instants of its old schedule that came due and that no live node's claim holds (a node that holds the
     * row's claim counts its instants itself): they end as missed, not dropped.
     *
     * @param dueFires the number of instants of the old schedule from the row's next fire up to the database's now,
     *                 both given in epoch ms.
     * @return the row's state once stored, as {@link #register} returns it.
     */
    TaskState reschedule(StoredTask task, LongBinaryOperator dueFires);

    /**
     * Ends the lease of {@code nodeId} at {@code epoch} now: a node that closes leaves the live nodes at once, so the
     * others take its share at their next heartbeat instead of when its lease would have run out, and may take over
     * the rows it still owns (a run still going then is counted interrupted).
     */
    void leave(String nodeId, long epoch);

    /**
     * Drops the connection of the calling thread's side. Idempotent.
     */
    void close();
}
