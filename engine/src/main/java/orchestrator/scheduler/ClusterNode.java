package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterClaim;
import orchestrator.scheduler.store.ClusterCompletion;
import orchestrator.scheduler.store.ClusterStore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: one cluster thread runs the loop; the fire cycle queues completions from any thread. A scheduler's
 * membership of a cluster on a shared store: lease and heartbeat ({@link ClusterMembership}), claims ahead in
 * batches, late claims, completions written back in batches under their fences.
 */
final class ClusterNode implements Runnable
{
    /*
     * The loop, on one thread and one connection: (1) write the queued completions, one transaction per batch;
     * (2) heartbeat every HEARTBEAT_MS (the answer also carries the earliest claimable fire, so an idle node sends
     * one statement per heartbeat); 0 rows means another node took this node's claims over and bumped its epoch:
     * drop every claim, rejoin with a new epoch; (3) claim when something is due within LOOKAHEAD_MS, once the
     * scheduler fires (start() or runPending()); the heartbeat is looked at again between these steps; (4) hand
     * claims whose instant passed without the wheel starting them to the fire cycle as triggered runs, or count
     * them by the task's misfire policy when past the misfire threshold (FIRE_ONCE runs one late and counts the rest
     * missed). A claim taken over from another node that may have started its instant there counts it as
     * interrupted, not run again.
     *
     * Sticky claims: a completion keeps its row for the task's next instant (fence + 1) while this node runs the task
     * and is the task's preferred node; once the write applied, the node holds that claim without claiming again, so
     * a fire costs one row update. A node that dies leaves its rows to the others when its lease runs out. A row
     * the node claimed OVERDUE_MS overdue while the live nodes were settled (not rebalancing) is adopted and kept
     * too: its preferred node does not run the task (cancelled there, or never registered), and giving the row back
     * would make every instant wait for the overdue path. Adoptions end when the live nodes change, so rows move to
     * their preferred nodes again as after any join or death.
     *
     * Database failures: every step retries with a backoff up to HEARTBEAT_MS; the first failure of an outage and
     * the recovery are logged once each. Completions stay queued until written. Claims keep starting while the lease
     * is fresh by this node's monotonic clock (LEASE_MS - SAFETY_MS after the start of the last good heartbeat).
     * A claim round or completion batch whose commit got no answer may have applied: its rows (a batch's: those its
     * completions kept) would be held by this node, under its live epoch, without its knowing, so no node would claim
     * them again. The node rejoins under a new epoch once the database answers (see rejoin()), and claims such rows
     * back as rows nobody held, unless that claim round took them over from a node that may have started them.
     */
    static final long LEASE_MS = 6_000;
    static final long SAFETY_MS = 1_500;
    static final long HEARTBEAT_MS = 2_000;
    static final long LOOKAHEAD_MS = 1_000;
    static final long GRACE_MS = 100;
    static final long OVERDUE_MS = 300;
    static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final int MAX_CLAIMS = 10_000; // a node starting with many tasks claims them in few rounds
    static final int MAX_COMPLETIONS = 1_000;

    private final String nodeId;
    private final ClusterStore store;
    private final ClusterClock clock;
    final ClusterClaims claims = new ClusterClaims(LEASE_MS - SAFETY_MS);
    final ClusterEndings endings = new ClusterEndings();
    private final ClusterShare share;
    private final ClusterCompletions completions;
    private final ClusterLateClaims late;
    private volatile boolean running = true;
    private volatile boolean firing;     // start() or runPending() was called: claims start only then
    private TaskRegistry registry;
    private Thread thread;
    private final ClusterPacing pacing = new ClusterPacing(); // when to heartbeat, claim and wake: cluster thread
    private final ClusterMembership membership;
    private boolean outage;              // cluster thread
    private boolean commitUnknown;       // cluster thread: a commit got no answer; rejoin before the next step
    private Map<String, ClusterClaim> unanswered = new HashMap<>(); // cluster thread: see reclaimsUnanswered
    private long backoffMs = 50;         // cluster thread

    ClusterNode(final String nodeId, final ClusterStore store, final ClusterClock clock, final long misfireThresholdMs)
    {
        this.nodeId = nodeId;
        this.store = store;
        this.clock = clock;
        this.completions = new ClusterCompletions(nodeId, MAX_COMPLETIONS);
        this.share = new ClusterShare(nodeId);
        this.late = new ClusterLateClaims(nodeId, claims, completions, clock, misfireThresholdMs, this::keeps);
        this.membership = new ClusterMembership(nodeId, store, clock, claims, share, pacing, endings);
    }

    /**
     * Joins the cluster on the calling thread (the scheduler's builder): the clock is corrected before any task is
     * registered.
     */
    void join()
    {
        membership.join();
    }


    void start(final TaskRegistry registry)
    {
        this.registry = registry;
        thread = new Thread(this, "orchestrator-cluster-" + nodeId);
        thread.setDaemon(true);
        thread.start();
    }

    String nodeId()
    {
        return nodeId;
    }

    long rejectedCompletions()
    {
        return completions.rejected();
    }

    long timesFenced()
    {
        return membership.timesFenced();
    }

    /**
     * The scheduler fires (its driver started, or an application called {@code runPending()}): from now on the node
     * claims. Before, a claim could only wait and come due late, as an application registers its tasks before it
     * starts the scheduler. The listeners hear here, on the thread that fires, of instants the cluster thread
     * counted missed.
     */
    void firing()
    {
        late.tellUntold(registry);
        if (!firing)
        {
            firing = true;
            pacing.claimNow();
            LockSupport.unpark(thread);
        }
    }

    void registered(final String name)
    {
        share.registered(name);
        pacing.claimSoon();
        LockSupport.unpark(thread);
    }

    void cancelled(final String name)
    {
        share.cancelled(name, registry);
        endings.forget(name);
        final ClusterClaims.Held held = claims.dropUnstarted(name);
        if (held != null)
        {
            completions.release(held); // the row stays for the nodes that still run the task
        }
    }

    /**
     * @return whether this node keeps {@code name}'s row for its next instant: it runs the task and is its preferred
     *         node among the live ones, or it adopted the row (see {@link ClusterShare#adopt}).
     */
    private boolean keeps(final String name)
    {
        return running && share.runs(name) && (share.prefers(name) || share.adopted(name));
    }

    /**
     * Phase 3 of a clustered fire (lock held): queues its completion under the claim's fence.
     */
    void completed(final Fire fire, final long now)
    {
        final ClusterClaims.Held held = fire.claim;
        final boolean first = completions.add(held.epoch, ClusterCompletions.of(fire, now, keeps(held.name)));
        claims.done(held);
        if (first)
        {
            LockSupport.unpark(thread); // it gathers 10 ms of completions, then writes them as one batch
        }
    }

    /**
     * Stops the cluster thread, which releases the unstarted claims, writes the last completions and ends the lease,
     * then closes the store's connections.
     *
     * @param waitMs the longest wait for the thread, at least 1 ms.
     * @return false when the thread had not stopped in time (a statement waiting for the database); closing its
     *         connections then ends its wait.
     */
    boolean close(final long waitMs)
    {
        running = false;
        boolean stopped = true;
        if (thread != null)
        {
            LockSupport.unpark(thread);
            try
            {
                thread.join(Math.max(1, waitMs));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            stopped = !thread.isAlive();
        }
        store.close();
        return stopped;
    }

    @Override
    public void run()
    {
        while (running)
        {
            try
            {
                loopOnce();
                if (outage)
                {
                    outage = false;
                    backoffMs = 50;
                    CallbackRunner.log(INFO, "cluster node '" + nodeId + "': the database answers again", null);
                }
            }
            catch (final RuntimeException ex)
            {
                if (ex instanceof ClusterStore.CommitUnknownException unknown)
                {
                    commitUnknown = true;
                    if (!unknown.claims().isEmpty())
                    {
                        unanswered = new HashMap<>();
                        unknown.claims().forEach(claim -> unanswered.put(claim.name(), claim));
                    }
                }
                if (!outage)
                {
                    outage = true;
                    CallbackRunner.log(WARNING, "cluster node '" + nodeId + "': the database failed (" + ex +
                        "); retrying with backoff, claims start while the lease is fresh, completions are kept", null);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMs));
                backoffMs = Math.min(HEARTBEAT_MS, backoffMs * 2);
                continue;
            }
            park();
        }
        leave();
    }

    private void loopOnce()
    {
        if (commitUnknown)
        {
            rejoin();
        }
        share.refresh();
        membership.heartbeatIfDue();
        flush();
        membership.heartbeatIfDue(); // between the steps, so that slow statements do not hold the lease up
        if (firing && pacing.claimDue(clock.millis()) && share.all().length > 0 && claims.leaseFresh())
        {
            claim();
            membership.heartbeatIfDue();
        }
        late.trigger(registry);
        endings.endFinished(registry);
    }

    /**
     * After a commit that got no answer: the claims this node knows of and has not started are released (their rows
     * keep their instants), then it joins under a new epoch, which lets go of the rows the commit may have left it
     * holding unknowingly; any node, this one included, claims them again. Runs still going complete under the old
     * epoch, releasing their rows.
     */
    private void rejoin()
    {
        releaseUnstarted();
        final long unknownEpoch = membership.epoch();
        membership.join();
        commitUnknown = false;
        CallbackRunner.log(WARNING, "cluster node '" + nodeId + "': a commit at epoch " + unknownEpoch + " got no " +
            "answer and may have left rows claimed that this node does not know of; it released its claims not " +
            "started and rejoined", null);
        pacing.claimNow(); // claims the rows let go at once
    }

    private void claim()
    {
        final long epoch = membership.epoch();
        final List<ClusterClaim> got =
            store.claim(nodeId, epoch, OVERDUE_MS, share.all(), LOOKAHEAD_MS, share.preferred(), MAX_CLAIMS);
        pacing.claimed(got.size() == MAX_CLAIMS, clock.millis());
        final boolean settled = !pacing.rebalancing();
        for (final ClusterClaim claim : got)
        {
            final ClusterClaims.Held held = new ClusterClaims.Held(claim, epoch);
            if (settled && !share.prefers(claim.name()))
            {
                share.adopt(claim.name()); // taken overdue: the node it prefers does not take it, so this one keeps it
            }
            if (!reclaimsUnanswered(claim) && claim.previous() != null) // forgets the name's unanswered claim
            {
                late.takenOver(registry, held, share.cancelledDefinition(claim.name()));
            }
            else
            {
                claims.add(held);
            }
        }
    }

    /**
     * @return whether {@code claim} takes back, from this node's old epoch, a row a claim round (or completion batch)
     *         whose commit got no answer took from nobody (kept): the node never knew it held it, nobody started its
     *         instant, and it is claimed as a row nobody held; a row that round took over from a node (this one
     *         included) that may have started its instant is still taken over. The name's entry is forgotten.
     */
    private boolean reclaimsUnanswered(final ClusterClaim claim)
    {
        final ClusterClaim lost = unanswered.remove(claim.name());
        return lost != null && lost.previous() == null && nodeId.equals(claim.previous()) &&
            lost.fence() + 1 == claim.fence() && lost.fireAt() == claim.fireAt();
    }

    private void flush()
    {
        if (completions.nanosUntilDue(FLUSH_NANOS) <= 0 || (!running && !completions.isEmpty()))
        {
            pacing.dueAt(completions.flush(store, membership.epoch(), this::kept)); // rows released
        }
    }

    /**
     * A completion kept its row: this node holds the task's next instant, or gives it back when the task was
     * cancelled here meanwhile.
     */
    private void kept(final long keptEpoch, final ClusterCompletion completion)
    {
        final ClusterClaims.Held held = new ClusterClaims.Held(completion.name(), completion.nextFire(),
            completion.fence() + 1, keptEpoch);
        if (running && share.runs(completion.name()))
        {
            claims.add(held);
        }
        else
        {
            completions.release(held);
        }
    }

    private void park()
    {
        final long waitMs = pacing.waitMs(clock.millis(), claims.earliestWaiting(),
            completions.nanosUntilDue(FLUSH_NANOS));
        if (!pacing.claimAtOnce() || !firing || share.all().length == 0 || !claims.leaseFresh())
        {
            // unparked by registrations and completions
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(1, waitMs)));
        }
    }

    /**
     * On close: claims not started are released (their rows keep their instant for another node), and the last
     * completions are written, each once, best effort.
     */
    private void leave()
    {
        releaseUnstarted();
        try
        {
            flush();
        }
        catch (final RuntimeException ex)
        {
            CallbackRunner.log(WARNING, "cluster node '" + nodeId + "' closed with " + completions.size() +
                " completion(s) not written: " + ex, null);
        }
        try
        {
            // the others take its share at their next heartbeat, not when its lease ends
            store.leave(nodeId, membership.epoch());
        }
        catch (final RuntimeException ex)
        {
            CallbackRunner.log(WARNING, "cluster node '" + nodeId + "' closed without ending its lease (the other " +
                "nodes take its share when it runs out): " + ex, null);
        }
    }

    /** Releases the claims not started: their rows keep their instants, for any node to claim. */
    private void releaseUnstarted()
    {
        for (final ClusterClaims.Held held : claims.dropAll())
        {
            completions.release(held);
        }
    }
}
