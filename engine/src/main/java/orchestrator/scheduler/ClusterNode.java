package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterClaim;
import orchestrator.scheduler.store.ClusterCompletion;
import orchestrator.scheduler.store.ClusterLease;
import orchestrator.scheduler.store.ClusterStore;
import orchestrator.scheduler.store.TaskProgress;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: one cluster thread runs the loop; the fire cycle queues completions from any thread. A scheduler's
 * membership of a cluster on a shared store: lease and heartbeat, claims ahead in batches, late claims, completions
 * written back in batches under their fences.
 */
final class ClusterNode implements Runnable
{
    /*
     * The loop, on one thread and one connection: (1) write the queued completions, one transaction per batch;
     * (2) heartbeat every HEARTBEAT_MS (the answer also carries the earliest claimable fire, so an idle node sends
     * one statement per heartbeat); 0 rows means another node took this node's claims over and bumped its epoch:
     * drop every claim, rejoin with a new epoch; (3) claim when something is due within LOOKAHEAD_MS; (4) hand
     * claims whose instant passed without the wheel starting them to the fire cycle as triggered runs, or count
     * them missed when past the misfire threshold. A claim taken over from another node counts its instant as
     * interrupted: it may have started there, so it is not run again.
     *
     * Database failures: every step retries with a backoff up to HEARTBEAT_MS; the first failure of an outage and
     * the recovery are logged once each. Completions stay queued until written. Claims keep starting while the lease
     * is fresh by this node's monotonic clock (LEASE_MS - SAFETY_MS after the start of the last good heartbeat).
     */
    static final long LEASE_MS = 6_000;
    static final long SAFETY_MS = 1_500;
    static final long HEARTBEAT_MS = 2_000;
    static final long LOOKAHEAD_MS = 1_000;
    static final long GRACE_MS = 100;
    static final long OVERDUE_MS = 300;
    static final long FLUSH_MS = 10;
    static final int MAX_CLAIMS = 1_000;

    private final String nodeId;
    private final ClusterStore store;
    private final ClusterClock clock;
    final ClusterClaims claims = new ClusterClaims(LEASE_MS - SAFETY_MS);
    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private final ClusterCompletions completions;
    private final AtomicLong fenced = new AtomicLong();
    private final long misfireThresholdMs;
    private volatile String[] nameArray = new String[0];
    private volatile String[] preferred = new String[0];
    private volatile List<String> live = List.of();
    private volatile boolean running = true;
    private TaskRegistry registry;
    private Thread thread;
    private long epoch;                  // cluster thread
    private long nextHeartbeatNanos;     // cluster thread
    private long claimAtMillis = Long.MIN_VALUE; // cluster thread, ClusterClock time
    private boolean outage;              // cluster thread
    private long backoffMs = 50;         // cluster thread

    ClusterNode(final String nodeId, final ClusterStore store, final ClusterClock clock, final long misfireThresholdMs)
    {
        this.nodeId = nodeId;
        this.store = store;
        this.clock = clock;
        this.misfireThresholdMs = misfireThresholdMs;
        this.completions = new ClusterCompletions(nodeId, MAX_CLAIMS);
    }

    /**
     * Joins the cluster on the calling thread (the scheduler's builder): the clock is corrected before any task is
     * registered.
     */
    void join()
    {
        final long started = System.nanoTime();
        final long before = clock.local().millis();
        final ClusterLease lease = store.join(nodeId, LEASE_MS);
        clock.measured(lease.dbMillis(), before, clock.local().millis());
        epoch = lease.epoch();
        claims.heartbeatSucceeded(started);
        nextHeartbeatNanos = started + TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS);
        CallbackRunner.log(INFO, "cluster node '" + nodeId + "' joined at epoch " + epoch + ", clock offset " +
            clock.offsetMs() + " ms to the database", null);
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
        return fenced.get();
    }

    void registered(final String name)
    {
        if (names.add(name))
        {
            nameArray = names.toArray(new String[0]);
            preferred = preferredOf(nameArray, live, nodeId);
        }
        claimAtMillis = Long.MIN_VALUE; // racy on purpose: at worst one claim round early or late
        LockSupport.unpark(thread);
    }

    void cancelled(final String name)
    {
        if (names.remove(name))
        {
            nameArray = names.toArray(new String[0]);
            preferred = preferredOf(nameArray, live, nodeId);
        }
    }

    /**
     * Phase 3 of a clustered fire (lock held): queues its completion under the claim's fence.
     */
    void completed(final Fire fire, final long now)
    {
        final ClusterClaims.Held held = fire.claim;
        final TaskDefinition definition = fire.definition;
        final long next = definition.fixedDelay() ?
            definition.delayAfter(fire.finishedAt != Long.MIN_VALUE ? fire.finishedAt : now) : // counts from its end
            definition.nextFireAfter(held.fireAt);
        final TaskState state = next == TaskDefinition.NEVER ?
            (fire.failed > 0 ? TaskState.FAILED : TaskState.COMPLETED) : TaskState.SCHEDULED;
        completions.add(held.epoch, new ClusterCompletion(held.name, held.fence, state,
            next == TaskDefinition.NEVER ? TaskProgress.NEVER : next, fire.ran, fire.ran == 0 ? 1 : 0, fire.failed,
            0));
        claims.done(held);
        LockSupport.unpark(thread);
    }

    void close()
    {
        running = false;
        if (thread != null)
        {
            LockSupport.unpark(thread);
            try
            {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        store.close();
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
        release();
    }

    private void loopOnce()
    {
        flush();
        if (System.nanoTime() - nextHeartbeatNanos >= 0)
        {
            heartbeat();
        }
        if (claimDue() && nameArray.length > 0 && claims.leaseFresh())
        {
            claim();
        }
        triggerLate();
    }

    private boolean claimDue()
    {
        final long at = claimAtMillis;
        return at == Long.MIN_VALUE || (at != Long.MAX_VALUE && clock.millis() >= at - LOOKAHEAD_MS);
    }

    private void heartbeat()
    {
        final long started = System.nanoTime();
        final long before = clock.local().millis();
        final ClusterLease lease = store.heartbeat(nodeId, epoch, LEASE_MS, nameArray);
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
        nextHeartbeatNanos = started + TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS);
        claimAtMillis = Math.min(claimAtMillis, lease.nextDue());
        if (!lease.live().equals(live))
        {
            live = lease.live();
            preferred = preferredOf(nameArray, live, nodeId);
        }
    }

    /**
     * Spreads the tasks over the live nodes: each name prefers the node at its hash among the sorted live ids, and
     * is claimed ahead by that node only; the others claim it once it is overdue (its node died or lost it).
     * Nodes that briefly disagree on the live set only claim a row both or late: the claim itself is exclusive.
     */
    static String[] preferredOf(final String[] names, final List<String> live, final String nodeId)
    {
        if (live.isEmpty() || !live.contains(nodeId))
        {
            return names;
        }
        final List<String> mine = new ArrayList<>();
        for (final String name : names)
        {
            if (live.get(Math.floorMod(name.hashCode(), live.size())).equals(nodeId))
            {
                mine.add(name);
            }
        }
        return mine.toArray(new String[0]);
    }

    private void claim()
    {
        final List<ClusterClaim> got = store.claim(nodeId, epoch, OVERDUE_MS, nameArray, LOOKAHEAD_MS, preferred,
            MAX_CLAIMS);
        claimAtMillis = got.size() == MAX_CLAIMS ? Long.MIN_VALUE : Long.MAX_VALUE;
        for (final ClusterClaim claim : got)
        {
            final ClusterClaims.Held held = new ClusterClaims.Held(claim, epoch);
            if (claim.previous() != null)
            {
                resolve(held, 1, 0, held.fireAt, "taken over from node '" + claim.previous() + "'");
            }
            else
            {
                claims.add(held);
            }
        }
    }

    /**
     * Claims whose instant passed without the wheel starting them: run now, or counted missed when past the misfire
     * threshold.
     */
    private void triggerLate()
    {
        final long now = clock.millis();
        for (final ClusterClaims.Held held : claims.late(now - GRACE_MS))
        {
            if (now - held.fireAt > misfireThresholdMs)
            {
                if (held.state.compareAndSet(ClusterClaims.TRIGGERED, ClusterClaims.DROPPED))
                {
                    claims.done(held);
                    resolve(held, 0, 1, held.fireAt, "claimed " + (now - held.fireAt) + " ms late");
                }
            }
            else if (!registry.control.triggerNow(held.name, held.fireAt))
            {
                held.state.compareAndSet(ClusterClaims.TRIGGERED, ClusterClaims.DROPPED); // not registered here
                claims.done(held);
                completions.add(held.epoch, new ClusterCompletion(held.name, held.fence,
                    TaskState.SCHEDULED, held.fireAt, 0, 0, 0, 0));
            }
        }
    }

    /**
     * Completes a claim without running it: {@code interrupted} for its own instant, then every instant up to now
     * past the misfire threshold counted missed.
     */
    private void resolve(final ClusterClaims.Held held, final long interrupted, final long missedOwn, final long from,
        final String why)
    {
        final long now = clock.millis();
        long next = from;
        long missed = missedOwn;
        registry.lock.lock();
        try
        {
            final int id = registry.table.idOf(held.name);
            if (id != TaskTable.NO_ID)
            {
                final TaskDefinition definition = registry.table.definitions[id];
                next = definition.nextFireAfter(from);
                if (next != TaskDefinition.NEVER && now - next > misfireThresholdMs)
                {
                    missed += 1 + definition.firesBetween(next, now - misfireThresholdMs);
                    next = definition.nextFireAfter(next, now - misfireThresholdMs);
                }
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        final boolean over = next == TaskDefinition.NEVER;
        completions.add(held.epoch, new ClusterCompletion(held.name, held.fence,
            over ? TaskState.COMPLETED : TaskState.SCHEDULED, over ? TaskProgress.NEVER : next, 0, missed, 0,
            interrupted));
        CallbackRunner.log(INFO, "cluster node '" + nodeId + "': task '" + held.name + "' at " + held.fireAt + " " +
            why + ": " + interrupted + " interrupted, " + missed + " missed", null);
    }

    private void flush()
    {
        if (!completions.isEmpty())
        {
            claimAtMillis = Math.min(claimAtMillis, completions.flush(store)); // the rows just released
        }
    }

    private void park()
    {
        final long nowMs = clock.millis();
        long waitMs = TimeUnit.NANOSECONDS.toMillis(nextHeartbeatNanos - System.nanoTime());
        final long claimAt = claimAtMillis;
        if (claimAt != Long.MAX_VALUE && claimAt != Long.MIN_VALUE)
        {
            waitMs = Math.min(waitMs, claimAt - LOOKAHEAD_MS - nowMs);
        }
        final long earliest = claims.earliestWaiting();
        if (earliest != Long.MAX_VALUE)
        {
            waitMs = Math.min(waitMs, earliest + GRACE_MS - nowMs);
        }
        if (!completions.isEmpty())
        {
            waitMs = Math.min(waitMs, FLUSH_MS);
        }
        if (claimAt != Long.MIN_VALUE || nameArray.length == 0 || !claims.leaseFresh())
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(1, waitMs))); // unparked by registrations and completions
        }
    }

    /**
     * On close: claims not started are released (their rows keep their instant for another node), and the last
     * completions are written, each once, best effort.
     */
    private void release()
    {
        for (final ClusterClaims.Held held : claims.dropAll())
        {
            completions.add(held.epoch, new ClusterCompletion(held.name, held.fence, TaskState.SCHEDULED,
                held.fireAt, 0, 0, 0, 0));
        }
        try
        {
            flush();
        }
        catch (final RuntimeException ex)
        {
            CallbackRunner.log(WARNING, "cluster node '" + nodeId + "' closed with " + completions.size() +
                " completion(s) not written: " + ex, null);
        }
    }
}
