package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterLease;
import orchestrator.scheduler.store.ClusterStore;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * NOT thread safe: the cluster thread's (and the builder's, for the first join), but for {@link #timesFenced}. A
 * node's lease on the shared store: it joins under a new epoch, heartbeats to keep the lease and learn the live nodes,
 * the earliest claimable fire and which rows {@link ClusterEndings} follows are finished, and rejoins when a heartbeat
 * finds it fenced (another node took its claims over and bumped its epoch). Every good answer corrects the node's
 * clock to the database's.
 */
final class ClusterMembership
{
    private final String nodeId;
    private final ClusterStore store;
    private final ClusterClock clock;
    private final ClusterClaims claims;
    private final ClusterShare share;
    private final ClusterPacing pacing;
    private final ClusterEndings endings;
    private final AtomicLong fenced = new AtomicLong();
    private long epoch;

    ClusterMembership(final String nodeId, final ClusterStore store, final ClusterClock clock,
        final ClusterClaims claims, final ClusterShare share, final ClusterPacing pacing, final ClusterEndings endings)
    {
        this.nodeId = nodeId;
        this.store = store;
        this.clock = clock;
        this.claims = claims;
        this.share = share;
        this.pacing = pacing;
        this.endings = endings;
    }

    /**
     * @return the epoch the node holds its lease, claims and completions under.
     */
    long epoch()
    {
        return epoch;
    }

    /**
     * Any thread.
     *
     * @return how often a heartbeat found the node fenced.
     */
    long timesFenced()
    {
        return fenced.get();
    }

    /**
     * Joins under a new epoch, which lets go of every row the node held under the old one.
     */
    void join()
    {
        final long started = System.nanoTime();
        final long before = clock.local().millis();
        final ClusterLease lease = store.join(nodeId, ClusterNode.LEASE_MS);
        clock.measured(lease.dbMillis(), before, clock.local().millis());
        epoch = lease.epoch();
        if (lease.live().size() > 1) // a node joining a running cluster takes its share as the others give it back
        {
            pacing.rebalance();
        }
        share.live(lease.live());
        claims.heartbeatSucceeded(started);
        pacing.heartbeatSucceeded(started);
        CallbackRunner.log(INFO, "cluster node '" + nodeId + "' joined at epoch " + epoch + ", clock offset " +
            clock.offsetMs() + " ms to the database", null);
    }

    /**
     * Heartbeats when one is due (every {@link ClusterNode#HEARTBEAT_MS}).
     */
    void heartbeatIfDue()
    {
        if (pacing.heartbeatDue())
        {
            heartbeat();
        }
    }

    private void heartbeat()
    {
        final long started = System.nanoTime();
        final long before = clock.local().millis();
        final ClusterLease lease = store.heartbeat(nodeId, epoch, ClusterNode.LEASE_MS, share.all(),
            endings.names());
        if (lease == null)
        {
            fenced.incrementAndGet();
            final List<ClusterClaims.Held> dropped = claims.dropAll();
            CallbackRunner.log(WARNING, "cluster node '" + nodeId + "' was fenced at epoch " + epoch + " (its lease " +
                "ran out and another node took its claims over): " + dropped.size() + " claim(s) not started are " +
                "dropped, completions of runs still going will be rejected; rejoining", null);
            join();
            return;
        }
        clock.measured(lease.dbMillis(), before, clock.local().millis());
        claims.heartbeatSucceeded(started);
        pacing.heartbeatSucceeded(started);
        pacing.dueAt(lease.nextDue());
        endings.found(lease.finished());
        final int liveBefore = share.live().size();
        if (share.live(lease.live()) && (liveBefore > 1 || lease.live().size() > 1)) // a node alone: nothing moves
        {
            pacing.rebalance();
        }
    }
}
