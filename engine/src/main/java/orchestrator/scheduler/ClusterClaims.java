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
        volatile long triggeredNanos;
        boolean decided;            // cluster thread: a late claim's runs were set by the misfire policy
        volatile int runs = 1;      // how many runs its start stands for
        volatile long lateMissed;   // instants it covers that do not run (late: by the misfire policy)
        volatile long next = Long.MIN_VALUE;        // late: the first instant after the ones it covers
        volatile long rescheduledTo = Long.MIN_VALUE; // rescheduled while it runs: the new schedule's first fire

        Held(final ClusterClaim claim, final long epoch)
        {
            this(claim.name(), claim.fireAt(), claim.fence(), epoch);
        }

        /**
         * A claim of a task's next instant, kept by the completion of its previous one.
         */
        Held(final String name, final long fireAt, final long fence, final long epoch)
        {
            this.name = name;
            this.fireAt = fireAt;
            this.fence = fence;
            this.epoch = epoch;
        }

        @Override
        public String toString()
        {
            return "claim[" + name + " @" + fireAt + " fence " + fence + " epoch " + epoch + " state " + state + "]";
        }
    }

    /** {@link #admitTriggered}: the triggered run is the cluster's, but may not start now. */
    static final Held SKIP = new Held(new ClusterClaim("", Long.MIN_VALUE, 0, null, 0), 0);
    private static final long RETRIGGER_NANOS = 1_000_000_000L;

    private final ConcurrentHashMap<String, Held> byName = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> triggered = new ConcurrentHashMap<>(); // name -> instant
    private final ConcurrentHashMap<String, Replaced> rescheduled = new ConcurrentHashMap<>();
    private final long freshNanos;
    private volatile long lastGoodHeartbeatNanos; // System.nanoTime at the start of the last successful heartbeat
    private volatile boolean joined;
    private long earliest = Long.MAX_VALUE; // cluster thread: at or before the earliest claim not triggered
    private boolean triggeredWaiting;       // cluster thread: a triggered claim has not started yet
    private long retriggerAtNanos;          // cluster thread: when the earliest of them is triggered again
    private volatile boolean rescan;        // a triggered claim went back to claimed: the next late() looks at all

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

    /**
     * Cluster thread: holds a claim, replacing the one held for the same name.
     */
    void add(final Held held)
    {
        byName.put(held.name, held);
        earliest = Math.min(earliest, held.fireAt);
    }

    /**
     * Drops the claim held for {@code name} if it has not started.
     *
     * @return the claim dropped, or null: none held, or it started.
     */
    Held dropUnstarted(final String name)
    {
        final Held held = byName.get(name);
        if (held != null && (held.state.compareAndSet(CLAIMED, DROPPED) || held.state.compareAndSet(TRIGGERED, DROPPED)))
        {
            byName.remove(name, held);
            return held;
        }
        return null;
    }

    /**
     * A reschedule on this node: the new schedule's first fire, the definition it replaced (null when unknown) and
     * when.
     */
    private record Replaced(long next, TaskDefinition before, long at)
    {
    }

    /**
     * The task was rescheduled on this node at {@code at} (registry lock held, so no run of it completes meanwhile):
     * its claims of instants before {@code next}, the new schedule's first fire, are of the old schedule
     * ({@code before}), held or still to come (kept by a completion queued before, or claimed by a round under way);
     * they never start, and move the row to {@code next} instead ({@link #replaced}), counting missed the instants that
     * had come due ({@link #replacedMissed}). A run going under a claim moves the row there when it completes, and
     * counts missed the old schedule's instants after those it stands for that came due while it ran.
     */
    void rescheduled(final String name, final long next, final TaskDefinition before, final long at)
    {
        rescheduled.put(name, new Replaced(next, before, at));
        final Held held = byName.get(name);
        if (held != null && held.state.get() == STARTED)
        {
            if (before != null && !before.fixedDelay())
            {
                final long after = held.next != Long.MIN_VALUE ? held.next : before.nextFireAfter(held.fireAt);
                held.lateMissed += dueFires(before, after, at);
            }
            held.rescheduledTo = next;
        }
    }

    /**
     * The task was registered or cancelled on this node: the mark of an earlier reschedule is forgotten.
     */
    void forgetRescheduled(final String name)
    {
        if (!rescheduled.isEmpty())
        {
            rescheduled.remove(name);
        }
    }

    /**
     * @return the first fire of the new schedule when {@code held} is a claim of an instant a reschedule on this
     *         node replaced; {@link Long#MIN_VALUE} otherwise.
     */
    long replaced(final Held held)
    {
        final Replaced replaced = rescheduled.isEmpty() ? null : rescheduled.get(held.name);
        return replaced != null && held.fireAt < replaced.next ? replaced.next : Long.MIN_VALUE;
    }

    /**
     * @return the instants of the old schedule, from the instant of {@code held} (a claim {@link #replaced} found
     *         replaced) up to the reschedule, that had come due: missed, as a single scheduler counts them.
     */
    long replacedMissed(final Held held)
    {
        final Replaced replaced = rescheduled.get(held.name);
        return replaced == null ? 0 : dueFires(replaced.before, held.fireAt, replaced.at);
    }

    /**
     * @return the instants of {@code definition} (one when null: unknown) from {@code due}, one of them, up to
     *         {@code now}; 0 when {@code due} is after {@code now}.
     */
    static long dueFires(final TaskDefinition definition, final long due, final long now)
    {
        return due > now ? 0 : definition == null ? 1 : definition.passedFires(due, now);
    }

    /**
     * The fire cycle's gate for a fire of the wheel (lock held).
     *
     * @param fire    the instant the wheel fired.
     * @param onTime  the earliest instant still within the misfire threshold.
     * @return the claim, now started, when this node holds one for {@code name} at or before {@code fire}, not
     *         before {@code onTime}, and its lease is fresh; null: the fire belongs to another node (or to nobody
     *         yet) and is skipped here, or its claim is late and left to the cluster thread.
     */
    Held admit(final String name, final long fire, final long onTime)
    {
        final Held held = byName.get(name);
        if (held == null || held.fireAt > fire || held.fireAt < onTime || !leaseFresh() ||
            replaced(held) != Long.MIN_VALUE || !held.state.compareAndSet(CLAIMED, STARTED))
        {
            return null;
        }
        return held;
    }

    /**
     * The fire cycle's gate for a triggered run (lock held).
     *
     * @param paused the task is paused here: the claim does not start, but is triggered again, and the cluster thread
     *               then counts its instants missed and moves the row on.
     * @return null when the run is not one the cluster thread triggered (an application's {@code triggerNow}, which
     *         runs locally without a fence); {@link #SKIP} when it is, but its claim was dropped (fenced), the lease
     *         is not fresh or the task is paused (then the claim is triggered again later); otherwise the claim, now
     *         started.
     */
    Held admitTriggered(final String name, final long at, final boolean paused)
    {
        final Long marked = triggered.get(name);
        if (marked == null || marked != at || !triggered.remove(name, marked))
        {
            return null;
        }
        final Held held = byName.get(name);
        if (held == null || held.fireAt != at || replaced(held) != Long.MIN_VALUE)
        {
            return SKIP; // a replaced claim is triggered again, then moves its row to the new schedule
        }
        if (paused || !leaseFresh())
        {
            if (held.state.compareAndSet(TRIGGERED, CLAIMED)) // triggered again: once the lease is fresh, or paused
            {
                rescan = true;
            }
            return SKIP;
        }
        return held.state.compareAndSet(TRIGGERED, STARTED) ? held : SKIP;
    }

    /**
     * Cluster thread: a scan of every claim, only when the earliest one not triggered may be before {@code before},
     * or a triggered one may have to be triggered again.
     *
     * @return the claims not started whose instant is before {@code before}, now marked triggered.
     */
    List<Held> late(final long before)
    {
        final long nowNanos = System.nanoTime();
        if (before <= earliest && !rescan && (!triggeredWaiting || nowNanos - retriggerAtNanos < 0))
        {
            return List.of();
        }
        rescan = false;
        List<Held> late = null;
        long waiting = Long.MAX_VALUE;
        boolean anyTriggered = false;
        long retriggerAt = nowNanos + RETRIGGER_NANOS;
        for (final Held held : byName.values())
        {
            final int state = held.state.get();
            final boolean stale = state == TRIGGERED &&
                nowNanos - held.triggeredNanos > RETRIGGER_NANOS; // its triggered run was lost: again
            if (held.fireAt < before && (stale || held.state.compareAndSet(CLAIMED, TRIGGERED)))
            {
                held.triggeredNanos = nowNanos;
                triggered.put(held.name, held.fireAt);
                if (late == null)
                {
                    late = new ArrayList<>();
                }
                late.add(held);
                anyTriggered = true;
            }
            else if (state == CLAIMED)
            {
                waiting = Math.min(waiting, held.fireAt);
            }
            else if (state == TRIGGERED) // looked at again once its trigger may have been lost
            {
                anyTriggered = true;
                retriggerAt = Math.min(retriggerAt, held.triggeredNanos + RETRIGGER_NANOS);
            }
        }
        earliest = waiting;
        triggeredWaiting = anyTriggered;
        retriggerAtNanos = retriggerAt;
        return late == null ? List.of() : late;
    }

    /**
     * Cluster thread.
     *
     * @return at or before the earliest instant of a claim neither started nor triggered (a claim started since may
     *         still count), or {@link Long#MAX_VALUE}.
     */
    long earliestWaiting()
    {
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
