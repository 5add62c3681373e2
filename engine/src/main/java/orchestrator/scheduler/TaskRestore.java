package orchestrator.scheduler;

import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskProgress;

import java.time.Instant;
import java.util.List;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Stateless, so safe to call from any thread (it takes the registry's lock): puts one stored task back into a
 * scheduler's table and wheel at restart, for {@link TaskDurability}.
 */
final class TaskRestore
{
    /*
     * Recovery reuses the fire cycle rather than repeating its arithmetic: a restored task goes back into the wheel at
     * its stored next fire, which lies in the past when fires came due while the process was down. The first
     * runPending() then finds it late and counts, runs or skips every passed fire by its misfire policy exactly as it
     * does after a GC pause (CronSchedule.countFiresBetween, MisfirePolicy.runsFor), in constant time per task.
     *
     * A fire whose running marker was stored (claimed, not completed) is interrupted: its instant is already behind
     * the stored next fire, so it is decided here, once: RUN_AGAIN triggers one run for that instant, DROP counts it
     * as missed. A marker that was never written leaves the stored next fire at or before that instant, so the
     * misfire policy decides it instead. Either way each instant ends as one run or one missed fire.
     */
    private TaskRestore()
    {
    }

    /**
     * Makes room in the table for {@code tasks} about to be restored, so that restoring them grows no column.
     */
    static void reserve(final TaskRegistry registry, final int tasks)
    {
        registry.lock.lock();
        try
        {
            registry.table.reserve(tasks);
        }
        finally
        {
            registry.lock.unlock();
        }
    }

    /**
     * How many tasks ahead of the one being restored {@link #touch} reads the name-index slot again, after a first
     * pass over the whole chunk (which also hashes each name, cached in its string from then on): a slot read 4,096
     * tasks before its turn was evicted by then, and a third of the restore waited on the index again.
     */
    static final int AHEAD = 32;

    /**
     * Reads the name-index slot of the names of {@code chunk[from .. to)} (lock held), so that their cache misses
     * overlap here rather than come one by one as each is restored.
     *
     * @return a value of no meaning, for the caller to keep so that the reads are not optimised away.
     */
    static long touch(final TaskTable table, final List<StoredTask> chunk, final int from, final int to)
    {
        long touched = 0;
        for (int i = from; i < to; i++)
        {
            touched ^= table.touch(chunk.get(i).name());
        }
        return touched;
    }

    /**
     * Puts a stored task back into the table and the wheel with its counters; its passed fires are left to the fire
     * cycle's misfire arithmetic, its interrupted fire decided by its {@link InterruptedFirePolicy}.
     *
     * @param resume true to resume at the stored next fire; false (a changed schedule) to start from now, as a new
     *               task that keeps the stored counters.
     * @throws IllegalArgumentException when a live task has the name.
     */
    static void restore(final TaskRegistry registry, final String name, final TaskDefinition definition,
        final Payload payload, final long onceAt, final TaskProgress progress, final boolean resume)
    {
        final boolean interrupted;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            interrupted = restoreHeld(registry, name, definition, payload, onceAt, progress, resume);
        }
        finally
        {
            registry.lock.unlock();
        }
        if (interrupted)
        {
            afterInterrupted(registry, name, definition.onRestart(), progress);
        }
        registry.wakeDriver();
    }

    /**
     * {@link #restore}'s work under the lock, which the caller holds, having drained the completions: a caller that
     * restores many tasks takes the lock once for all of them, as each acquisition and release is a full fence that
     * waits for every cache miss before it. The caller then calls {@link #afterInterrupted} when this returns true,
     * and wakes the driver.
     *
     * @return true when the task's interrupted fire runs again, or was counted as missed: either is for
     *         {@link #afterInterrupted} to finish once the lock is released.
     */
    static boolean restoreHeld(final TaskRegistry registry, final String name, final TaskDefinition definition,
        final Payload payload, final long onceAt, final TaskProgress progress, final boolean resume)
    {
        final long now = registry.clock.millis();
        final long next = resume ? progress.nextFire() : registry.firstFire(name, definition, now, onceAt, null);
        final boolean interrupted = progress.runningFire() != TaskProgress.NOT_RUNNING;
        final boolean runAgain = interrupted && definition.onRestart() == InterruptedFirePolicy.RUN_AGAIN;
        final TaskTable table = registry.table;
        if (table.idOf(name) != TaskTable.NO_ID)
        {
            throw new IllegalArgumentException("a task named '" + name + "' is already registered");
        }
        final int id = table.add(name, definition, payload, onceAt);
        registry.control.added(id);
        table.runs[id] = progress.runs();
        table.rare.addMissed(id, progress.missed());
        table.rare.addFailures(id, progress.failures());
        if (interrupted)
        {
            table.rare.lastError(id, "the fire at " + Instant.ofEpochMilli(progress.runningFire()) + " was " +
                "interrupted by a restart; " + (runAgain ? "it runs again (InterruptedFirePolicy.RUN_AGAIN)" :
                "it is counted as missed (InterruptedFirePolicy.DROP)"));
            CallbackRunner.log(WARNING, "task '" + name + "': " + table.rare.lastError(id), null);
            if (!runAgain)
            {
                table.rare.addMissed(id, 1); // missed since this scheduler was built: its metrics count it too
                registry.metrics.onMissed(name, progress.runningFire(), 1, FlightEvents.INTERRUPTED);
            }
        }
        registry.progress.touch(id);
        if (resume && TaskDurability.isFinished(progress.state()))
        {
            registry.finish(id, progress.state()); // a finished Runnable task registered again: stays finished
            return interrupted && !runAgain;
        }
        if (runAgain)
        {
            registry.progress.rerunPending(id, progress.runningFire(), next); // the wheel gets next after it
        }
        else if (next != TaskDefinition.NEVER)
        {
            registry.wheel.schedule(id, next); // in the past when fires passed while down: the cycle decides
        }
        else if (definition.fixedDelay() && definition.delayAfter(now) != TaskDefinition.NEVER)
        {
            registry.wheel.schedule(id, definition.delayAfter(now)); // its last run's end was not recorded
        }
        else
        {
            registry.finish(id, TaskState.COMPLETED); // nothing is left to fire
            return interrupted; // under DROP: its missed fire is told
        }
        if (progress.state() == TaskState.PAUSED)
        {
            table.setFlag(id, TaskTable.PAUSED);
            table.state(id, TaskState.PAUSED);
        }
        return interrupted;
    }

    /**
     * Finishes a restored task's interrupted fire (lock not held): runs it again under
     * {@link InterruptedFirePolicy#RUN_AGAIN}; under {@link InterruptedFirePolicy#DROP}, tells the listeners of the
     * missed fire that {@link #restoreHeld} counted.
     */
    static void afterInterrupted(final TaskRegistry registry, final String name, final InterruptedFirePolicy policy,
        final TaskProgress progress)
    {
        if (policy == InterruptedFirePolicy.RUN_AGAIN)
        {
            registry.control.triggerNow(name, progress.runningFire());
        }
        else
        {
            Listeners.onMissed(registry.listeners.array(), name, progress.runningFire(), 1);
        }
    }
}
