package orchestrator.scheduler;

import java.util.concurrent.TimeUnit;

/**
 * NOT thread safe: the cluster thread's, but for {@link #claimNow} and {@link #claimSoon}, which any thread may call
 * (racy on purpose: at worst one claim round early or late). When a {@link ClusterNode}'s thread next heartbeats and
 * claims, and how long it may park until then.
 */
final class ClusterPacing
{
    /** Between claim rounds that were not full: one round gathers the rows of many registrations and completions. */
    static final long CLAIM_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A claim round once {@link #CLAIM_GAP_NANOS} has passed: registrations come in bursts. */
    static final long SOON = Long.MIN_VALUE / 2;
    /** How long the tasks move between nodes after the live nodes changed. */
    static final long REBALANCE_NANOS =
        TimeUnit.MILLISECONDS.toNanos(2 * ClusterNode.HEARTBEAT_MS + ClusterNode.LOOKAHEAD_MS);
    /** Between claim rounds while rebalancing. */
    static final long REBALANCE_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(ClusterNode.LOOKAHEAD_MS / 4);
    /**
     * After a row came due, how long until a claim round takes it as overdue when the node it prefers has not taken
     * it: {@link ClusterNode#OVERDUE_MS} plus twice the clock's step, so that the database sees it overdue too.
     */
    static final long OVERDUE_ROUND_MS = ClusterNode.OVERDUE_MS + 2 * ClusterClock.STEP_MS;

    private long nextHeartbeatNanos;
    private long claimAtMillis = Long.MIN_VALUE; // ClusterClock time; MIN_VALUE: now, SOON: after the gap, MAX: none
    private long dueMillis = Long.MAX_VALUE;     // the earliest claimable row reported since the last claim round
    private long overdueAtMillis = Long.MAX_VALUE; // a round then claims that row if its preferred node left it
    private long lastClaimNanos = System.nanoTime() - CLAIM_GAP_NANOS;
    private long rebalanceUntilNanos = System.nanoTime();

    boolean heartbeatDue()
    {
        return System.nanoTime() - nextHeartbeatNanos >= 0;
    }

    /** A heartbeat (or a join) that started at {@code startedNanos} succeeded: the next is due a period later. */
    void heartbeatSucceeded(final long startedNanos)
    {
        nextHeartbeatNanos = startedNanos + TimeUnit.MILLISECONDS.toNanos(ClusterNode.HEARTBEAT_MS);
    }

    /**
     * The live nodes changed: the tasks move between nodes. A node gives a task's row back with the completion that
     * finds another node preferred, and that node claims it ahead of its next instant, so it claims every
     * {@link #REBALANCE_GAP_NANOS} for a while rather than waiting for its next heartbeat.
     */
    void rebalance()
    {
        rebalanceUntilNanos = System.nanoTime() + REBALANCE_NANOS;
    }

    boolean rebalancing()
    {
        return System.nanoTime() - rebalanceUntilNanos < 0;
    }

    /** A claim round is due at once. */
    void claimNow()
    {
        claimAtMillis = Long.MIN_VALUE;
    }

    /** A claim round is due once the gap since the last has passed. */
    void claimSoon()
    {
        claimAtMillis = SOON;
    }

    /** A claimable row comes due at {@code millis} (ClusterClock time; {@code Long.MAX_VALUE} for none). */
    void dueAt(final long millis)
    {
        claimAtMillis = Math.min(claimAtMillis, millis);
        dueMillis = Math.min(dueMillis, millis);
    }

    /**
     * A claim round ended at {@code nowMillis} (ClusterClock time); a full one calls for the next at once. A round
     * ahead of a row's instant takes it only when this node prefers it; a row another node prefers is taken once
     * it is {@link ClusterNode#OVERDUE_MS} overdue (that node does not run the task, or gave the row back). So the
     * earliest row reported due since the last round calls for one more round at its instant plus
     * {@link #OVERDUE_ROUND_MS}, unless this round already ran then; without it the node would learn of the row
     * only at its next heartbeat, up to {@link ClusterNode#HEARTBEAT_MS} later, past the misfire threshold.
     */
    void claimed(final boolean full, final long nowMillis)
    {
        lastClaimNanos = System.nanoTime();
        if (dueMillis != Long.MAX_VALUE)
        {
            overdueAtMillis = Math.min(overdueAtMillis, dueMillis > Long.MAX_VALUE - OVERDUE_ROUND_MS ?
                Long.MAX_VALUE : dueMillis + OVERDUE_ROUND_MS);
            dueMillis = Long.MAX_VALUE;
        }
        if (overdueAtMillis <= nowMillis) // this round took what was overdue by then
        {
            overdueAtMillis = Long.MAX_VALUE;
        }
        claimAtMillis = full ? Long.MIN_VALUE : overdueAtMillis == Long.MAX_VALUE ? Long.MAX_VALUE :
            overdueAtMillis + ClusterNode.LOOKAHEAD_MS; // claimDue and waitMs look LOOKAHEAD_MS ahead
    }

    boolean claimDue(final long nowMillis)
    {
        final long at = claimAtMillis;
        final long sinceClaim = System.nanoTime() - lastClaimNanos;
        return at == Long.MIN_VALUE || (rebalancing() && sinceClaim >= REBALANCE_GAP_NANOS) ||
            (at != Long.MAX_VALUE && nowMillis >= at - ClusterNode.LOOKAHEAD_MS && sinceClaim >= CLAIM_GAP_NANOS);
    }

    /** @return whether a claim round is due at once, whatever the gap. */
    boolean claimAtOnce()
    {
        return claimAtMillis == Long.MIN_VALUE;
    }

    /**
     * @param nowMillis       ClusterClock time.
     * @param earliestWaiting the earliest instant of a claim not started yet, or {@code Long.MAX_VALUE}.
     * @param flushInNanos    until the queued completions are due to be written, or {@code Long.MAX_VALUE}.
     * @return how long the thread may park: until the next heartbeat, claim round, late claim or flush.
     */
    long waitMs(final long nowMillis, final long earliestWaiting, final long flushInNanos)
    {
        long waitMs = TimeUnit.NANOSECONDS.toMillis(nextHeartbeatNanos - System.nanoTime());
        final long claimAt = claimAtMillis;
        if (claimAt != Long.MAX_VALUE && claimAt != Long.MIN_VALUE)
        {
            waitMs = Math.min(waitMs, Math.max(claimAt - ClusterNode.LOOKAHEAD_MS - nowMillis,
                TimeUnit.NANOSECONDS.toMillis(lastClaimNanos + CLAIM_GAP_NANOS - System.nanoTime()) + 1));
        }
        if (earliestWaiting != Long.MAX_VALUE)
        {
            waitMs = Math.min(waitMs, earliestWaiting + ClusterNode.GRACE_MS - nowMillis);
        }
        if (rebalancing())
        {
            waitMs = Math.min(waitMs, TimeUnit.NANOSECONDS.toMillis(lastClaimNanos + REBALANCE_GAP_NANOS -
                System.nanoTime()) + 1);
        }
        if (flushInNanos != Long.MAX_VALUE)
        {
            waitMs = Math.min(waitMs, TimeUnit.NANOSECONDS.toMillis(flushInNanos) + 1);
        }
        return waitMs;
    }
}
