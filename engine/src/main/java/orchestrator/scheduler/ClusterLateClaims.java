package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterCompletion;
import orchestrator.scheduler.store.TaskProgress;

import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static java.lang.System.Logger.Level.INFO;

/**
 * Not thread safe: confined to the cluster thread. A node's claims that did not start on time: those still within
 * the misfire threshold run now, as triggered runs; those past it run as their task's misfire policy says for every
 * instant that passed (FIRE_ONCE one run, SKIP none, fireAll up to its cap), the rest counted missed, as on a single
 * node. Also the claims taken over from a node that may have started them, counted interrupted. The instants this
 * node counts missed go to the row with the claim's completion and to the task's own counters, and are told to the
 * listeners from the cluster thread, the registry's lock released. Logged as counts, one line per
 * {@link #REPORT_NANOS} at most. A claim of a task paused here never runs: its instants are counted missed; nor does
 * a claim of an instant a reschedule here replaced: its row moves to the new schedule.
 */
final class ClusterLateClaims
{
    static final long REPORT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String nodeId;
    private final ClusterClaims claims;
    private final ClusterCompletions completions;
    private final ClusterClock clock;
    private final long misfireThresholdMs;
    private final Predicate<String> keeps;
    private final long[] report = new long[5]; // late run, late missed, taken over, interrupted, missed
    private String example = "";
    private long reportedNanos = System.nanoTime() - REPORT_NANOS; // the first late claim is logged at once
    private final Queue<Untold> untold = new ConcurrentLinkedQueue<>(); // missed instants for the listeners

    /**
     * @param keeps whether the node keeps a task's row for its next instant.
     */
    ClusterLateClaims(final String nodeId, final ClusterClaims claims, final ClusterCompletions completions,
        final ClusterClock clock, final long misfireThresholdMs, final Predicate<String> keeps)
    {
        this.nodeId = nodeId;
        this.claims = claims;
        this.completions = completions;
        this.clock = clock;
        this.misfireThresholdMs = misfireThresholdMs;
        this.keeps = keeps;
    }

    /**
     * Claims whose instant passed without the wheel starting them: run now; past the misfire threshold, as many runs
     * as the task's misfire policy gives for the instants that passed (none: all counted missed).
     */
    void trigger(final TaskRegistry registry)
    {
        final long now = clock.millis();
        for (final ClusterClaims.Held held : claims.late(now - ClusterNode.GRACE_MS))
        {
            final long replacedBy = claims.replaced(held);
            if (replacedBy != Long.MIN_VALUE) // an instant of a schedule replaced here: the row moves to the new one
            {
                if (held.state.compareAndSet(ClusterClaims.TRIGGERED, ClusterClaims.DROPPED))
                {
                    claims.done(held);
                    completions.add(held.epoch, new ClusterCompletion(held.name, held.fence, TaskState.SCHEDULED,
                        replacedBy, 0, claims.replacedMissed(held), 0, 0));
                }
                continue;
            }
            if (paused(registry, held, now))
            {
                continue;
            }
            if (!held.decided && now - held.fireAt > misfireThresholdMs)
            {
                held.decided = true;
                if (!decide(registry, held, now))
                {
                    if (held.state.compareAndSet(ClusterClaims.TRIGGERED, ClusterClaims.DROPPED))
                    {
                        claims.done(held);
                        final boolean over = held.next == TaskDefinition.NEVER;
                        completions.add(held.epoch, new ClusterCompletion(held.name, held.fence,
                            over ? TaskState.COMPLETED : TaskState.SCHEDULED, over ? TaskProgress.NEVER : held.next, 0,
                            held.lateMissed, 0, 0, !over && keeps.test(held.name)));
                        report[1] += held.lateMissed;
                        example = "task '" + held.name + "' at " + held.fireAt + ", claimed " + (now - held.fireAt) +
                            " ms late";
                    }
                    continue;
                }
                report[0]++;
                report[1] += held.lateMissed;
                example = "task '" + held.name + "' at " + held.fireAt + ", claimed " + (now - held.fireAt) + " ms late";
            }
            if (!registry.control.triggerNow(held.name, held.fireAt))
            {
                held.state.compareAndSet(ClusterClaims.TRIGGERED, ClusterClaims.DROPPED); // not registered here
                claims.done(held);
                completions.release(held);
            }
        }
        report();
    }

    /**
     * A claim of a task paused on this node does not run: its instant and those that passed since are counted missed,
     * as the wheel's fires of a paused task are ({@link TaskControl#pausedFire}), and the row moves on to the next
     * instant. A one-time task's last instant is parked for resume, where its misfire policy decides; its claim waits,
     * looked at again while the task is paused.
     *
     * @return true when the task is paused here: the claim was completed, or waits.
     */
    private boolean paused(final TaskRegistry registry, final ClusterClaims.Held held, final long now)
    {
        long next;
        final long fires;
        registry.lock.lock();
        try
        {
            final int id = registry.table.idOf(held.name);
            if (id == TaskTable.NO_ID || !registry.table.hasFlag(id, TaskTable.PAUSED))
            {
                return false;
            }
            final TaskDefinition definition = registry.table.definitions[id];
            fires = definition.passedFires(held.fireAt, now);
            next = definition.nextFireAfterPassed(held.fireAt, now);
            final boolean last = next == TaskDefinition.NEVER &&
                (!definition.fixedDelay() || definition.delayAfter(now) == TaskDefinition.NEVER); // parked, as paused
            if (!last && !held.state.compareAndSet(ClusterClaims.TRIGGERED, ClusterClaims.DROPPED))
            {
                return true; // dropped meanwhile (fenced, cancelled): it is not this node's to count
            }
            registry.control.pausedFire(id, definition, held.fireAt, fires, next, now);
            if (last)
            {
                return true; // parked: its claim waits for resume
            }
            next = definition.fixedDelay() ? definition.delayAfter(now) : next;
        }
        finally
        {
            registry.lock.unlock();
        }
        claims.done(held);
        completions.add(held.epoch, new ClusterCompletion(held.name, held.fence, TaskState.SCHEDULED, next, 0, fires,
            0, 0, keeps.test(held.name)));
        tellMissed(registry, held.name, held.fireAt, fires);
        return true;
    }

    /**
     * Sets a claim found past the misfire threshold to the runs its task's misfire policy gives for every instant
     * from the claimed one up to now.
     *
     * @return false when none runs: the instants are all missed.
     */
    private boolean decide(final TaskRegistry registry, final ClusterClaims.Held held, final long now)
    {
        final int runs;
        final long firstMissed;
        registry.lock.lock();
        try
        {
            final int id = registry.table.idOf(held.name);
            if (id == TaskTable.NO_ID)
            {
                return true; // not registered here: the trigger finds that out and releases the row
            }
            final TaskDefinition definition = registry.table.definitions[id];
            final long fires = definition.passedFires(held.fireAt, now);
            final long next = definition.nextFireAfterPassed(held.fireAt, now);
            runs = definition.misfire().runsFor(fires,
                registry.cycle.collector.onTime(definition, held.fireAt, fires, next, now));
            held.next = definition.fixedDelay() ? definition.delayAfter(now) : next; // none run: a delay from now
            held.lateMissed = fires - runs;
            held.runs = Math.max(1, runs);
            // the runs stand for the earliest instants, the missed ones follow
            firstMissed = held.lateMissed > 0 ? definition.fireAfter(held.fireAt, runs) : held.fireAt;
            countMissed(registry, id, firstMissed, held.lateMissed);
        }
        finally
        {
            registry.lock.unlock();
        }
        tellMissed(registry, held.name, firstMissed, held.lateMissed);
        return runs > 0;
    }

    /**
     * Completes a claim taken over from a node that may have started it, without running it: its instant counts
     * interrupted, then every later instant up to now past the misfire threshold counts missed.
     *
     * @param cancelledHere the task's definition when it was cancelled here while the claim round ran, or null.
     */
    void takenOver(final TaskRegistry registry, final ClusterClaims.Held held, final TaskDefinition cancelledHere)
    {
        final long now = clock.millis();
        long next = held.fireAt;
        long firstMissed = next;
        long missed = 0;
        boolean registered = false;
        registry.lock.lock();
        try
        {
            final int id = registry.table.idOf(held.name);
            registered = id != TaskTable.NO_ID;
            // cancelled meanwhile: the row still moves past the instant, so that no node runs it again
            final TaskDefinition definition = registered ? registry.table.definitions[id] : cancelledHere;
            if (definition != null)
            {
                // a fixed-delay task's next fire counts from the end of the interrupted run, not known: from now
                next = definition.fixedDelay() ? definition.delayAfter(now) : definition.nextFireAfter(held.fireAt);
                firstMissed = next;
                if (next != TaskDefinition.NEVER && now - next > misfireThresholdMs)
                {
                    missed += 1 + definition.firesBetween(next, now - misfireThresholdMs);
                    next = definition.nextFireAfter(next, now - misfireThresholdMs);
                }
                if (registered)
                {
                    countMissed(registry, id, firstMissed, missed);
                }
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        if (registered)
        {
            tellMissed(registry, held.name, firstMissed, missed);
        }
        final boolean over = next == TaskDefinition.NEVER;
        completions.add(held.epoch, new ClusterCompletion(held.name, held.fence,
            over ? TaskState.COMPLETED : TaskState.SCHEDULED, over ? TaskProgress.NEVER : next, 0, missed, 0, 1));
        report[2]++;
        report[3]++;
        report[4] += missed;
        example = "task '" + held.name + "' at " + held.fireAt + " taken over";
    }

    /**
     * Counts instants this node decided missed in the task's counters (lock held), as phase 1 does for the wheel's
     * fires: the row gets them with the claim's completion.
     */
    private static void countMissed(final TaskRegistry registry, final int id, final long firstMissed, final long missed)
    {
        if (missed > 0)
        {
            registry.table.rare.addMissed(id, missed);
            registry.metrics.onMissed(registry.table.names[id], firstMissed, missed, FlightEvents.LATE);
        }
    }

    /**
     * Queues for the listeners the instants counted by {@link #countMissed}, once the lock is released.
     */
    private void tellMissed(final TaskRegistry registry, final String name, final long firstMissed, final long missed)
    {
        if (missed > 0 && registry.listeners.array().length > 0)
        {
            untold.add(new Untold(name, firstMissed, missed));
            registry.wakeDriver();
        }
    }

    /**
     * Tells the listeners of the instants counted missed on the cluster thread, on the thread that runs the fire
     * cycle: a slow listener on the cluster thread would hold up the node's heartbeats until its lease ran out.
     */
    void tellUntold(final TaskRegistry registry)
    {
        Untold missed;
        while ((missed = untold.poll()) != null)
        {
            Listeners.onMissed(registry.listeners.array(), missed.name(), missed.firstMissed(), missed.fires());
        }
    }

    private record Untold(String name, long firstMissed, long fires)
    {
    }

    /**
     * One log line per {@link #REPORT_NANOS} at most for late and taken-over claims: under overload, a line per
     * claim would itself slow the node down.
     */
    private void report()
    {
        final long now = System.nanoTime();
        if (now - reportedNanos < REPORT_NANOS || (report[0] | report[1] | report[2]) == 0)
        {
            return;
        }
        CallbackRunner.log(INFO, "cluster node '" + nodeId + "', since its previous line of this kind: " + report[0] +
            " claim(s) ran past the misfire threshold and " + report[1] + " instant(s) were missed (by the tasks' " +
            "misfire policies); " + report[2] + " claim(s) taken over from nodes that may have started them: " +
            report[3] + " interrupted, " + report[4] + " missed; for example " + example, null);
        Arrays.fill(report, 0);
        reportedNanos = now;
    }
}
