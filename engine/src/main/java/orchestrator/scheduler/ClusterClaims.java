package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterClaim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread safe: the claims a node holds, one per task name at most, as the cluster thread adds them and the fire
 * cycle starts them. A claim is started exactly once, by whichever comes first: the wheel reaching its instant
 * ({@link #admit}) or the cluster thread finding it late ({@link #late}, which hands it to the fire cycle as a
 * triggered run, then {@link #admitTriggered}). Both go through one compare-and-set on the claim's state.
 * <p>
 * The gate: nothing starts unless the node's lease is fresh by its own monotonic clock ({@link #leaseFresh}).
 */
final class ClusterClaims
{
    static final int CLAIMED = 0;
    static final int TRIGGERED = 1;
    static final int STARTED = 2;
    static final int DROPPED = 3;

    /**
     * Thread safe: one claim of one task at one instant, under one fence and epoch.
     */
    static final class Held
    {
        final String name;
        final long fireAt;
        final long fence;
        final long epoch;
        final AtomicInteger state = new AtomicInteger(CLAIMED);

        Held(final ClusterClaim claim, final long epoch)
        {
            this.name = claim.name();
            this.fireAt = claim.fireAt();
            this.fence = claim.fence();
            this.epoch = epoch;
        }

        @Override
        public String toString()
        {
            return "claim[" + name + " @" + fireAt + " fence " + fence + " epoch " + epoch + " state " + state + "]";
        }
    }

    private final ConcurrentHashMap<String, Held> byName = new ConcurrentHashMap<>();
    private final long freshNanos;
    private volatile long lastGoodHeartbeatNanos; // System.nanoTime at the start of the last successful heartbeat
    private volatile boolean joined;

    /**
     * @param freshMs how long after the start of its last good heartbeat a node may still start fires.
     */
    ClusterClaims(final long freshMs)
    {
        this.freshNanos = freshMs * 1_000_000L;
    }

    void heartbeatSucceeded(final long startedNanos)
    {
        lastGoodHeartbeatNanos = startedNanos;
        joined = true;
    }

    boolean leaseFresh()
    {
        return joined && System.nanoTime() - lastGoodHeartbeatNanos < freshNanos;
    }

    void add(final Held held)
    {
        byName.put(held.name, held);
    }

    /**
     * The fire cycle's gate for a fire of the wheel (lock held).
     *
     * @param fire the instant the wheel fired.
     * @return the claim, now started, when this node holds one for {@code name} at or before {@code fire} and its
     *         lease is fresh; null: the fire belongs to another node (or to nobody yet) and is skipped here.
     */
    Held admit(final String name, final long fire)
    {
        final Held held = byName.get(name);
        if (held == null || held.fireAt > fire || !leaseFresh() || !held.state.compareAndSet(CLAIMED, STARTED))
        {
            return null;
        }
        return held;
    }

    /**
     * The fire cycle's gate for a triggered run: started when it is the late claim the cluster thread triggered.
     *
     * @return the claim, or null.
     */
    Held admitTriggered(final String name, final long at)
    {
        final Held held = byName.get(name);
        if (held == null || held.fireAt != at)
        {
            return null;
        }
        if (!leaseFresh())
        {
            held.state.compareAndSet(TRIGGERED, CLAIMED); // triggered again once the lease is fresh
            return null;
        }
        return held.state.compareAndSet(TRIGGERED, STARTED) ? held : null;
    }

    /**
     * @return true when a triggered run at {@code at} stands for {@code name}'s current claim (the cluster's run, not
     *         an application's {@code triggerNow}).
     */
    boolean isClaimed(final String name, final long at)
    {
        final Held held = byName.get(name);
        return held != null && held.fireAt == at;
    }

    /**
     * @return the claims not started whose instant is before {@code before}, now marked triggered.
     */
    List<Held> late(final long before)
    {
        List<Held> late = null;
        for (final Held held : byName.values())
        {
            if (held.fireAt < before && held.state.compareAndSet(CLAIMED, TRIGGERED))
            {
                if (late == null)
                {
                    late = new ArrayList<>();
                }
                late.add(held);
            }
        }
        return late == null ? List.of() : late;
    }

    /**
     * @return the earliest instant of a claim not started, or {@link Long#MAX_VALUE}.
     */
    long earliestWaiting()
    {
        long earliest = Long.MAX_VALUE;
        for (final Held held : byName.values())
        {
            if (held.state.get() == CLAIMED)
            {
                earliest = Math.min(earliest, held.fireAt);
            }
        }
        return earliest;
    }

    /**
     * Forgets a claim once its completion is queued.
     */
    void done(final Held held)
    {
        byName.remove(held.name, held);
    }

    /**
     * Drops every claim: the node was fenced or closes. A claim not started never starts; a started one completes and
     * its completion is written (and rejected when fenced).
     *
     * @return the claims that were not started (their rows may be released).
     */
    List<Held> dropAll()
    {
        final List<Held> unstarted = new ArrayList<>();
        for (final Held held : byName.values())
        {
            final int state = held.state.get();
            if ((state == CLAIMED || state == TRIGGERED) && held.state.compareAndSet(state, DROPPED))
            {
                unstarted.add(held);
            }
            byName.remove(held.name, held);
        }
        return unstarted;
    }

    int size()
    {
        return byName.size();
    }
}
