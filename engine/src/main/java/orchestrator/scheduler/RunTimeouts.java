package orchestrator.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe as used: the watch list is guarded by the registry's lock; the running thread of a watched fire
 * publishes its start and end through the fire's run state (VarHandle, release/acquire and CAS), so the thread that
 * checks timeouts interrupts a run only while it is going, never the next job of the same thread. The run timeouts
 * of {@link TaskSpec#timeout}: fires of tasks with a timeout are watched from their claim to their completion, and
 * {@link #check} (at the start of each {@code runPending()}, on the scheduler's clock) reports each run past its
 * timeout once.
 * <p>
 * Caveats: each check costs O(runs in flight whose task has a timeout); the timeout counts from the callback's start
 * (a fire queued for a busy worker is not yet late); a run is seen late only when {@code runPending()} runs while it
 * goes on, so with the inline dispatcher only another thread calling {@code runPending()} sees it. Interrupting is
 * cooperative: a callback that ignores interrupts keeps running.
 */
final class RunTimeouts
{
    static final int IDLE = 0;
    static final int RUNNING = 1;
    static final int DONE = 2;
    static final int INTERRUPTING = 3;
    static final int INTERRUPTED = 4;
    /** The low bits of a run state, its phase (one of the above); the bits above number the fire's runs from 1. */
    static final int PHASE = 7;
    private static final int RUN_SHIFT = 3;
    private static final VarHandle RUN_STATE;

    static
    {
        try
        {
            RUN_STATE = MethodHandles.lookup().findVarHandle(Fire.class, "runState", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final ArrayList<Fire> watched = new ArrayList<>(); // guarded by lock

    boolean isEmpty() // lock held
    {
        return watched.isEmpty();
    }

    void watch(final Fire fire) // lock held
    {
        fire.watched = true;
        fire.watchIndex = watched.size();
        watched.add(fire);
    }

    /**
     * Takes the fire out of the watch list in constant time: the last entry takes its place.
     */
    void unwatch(final Fire fire) // lock held
    {
        final Fire last = watched.remove(watched.size() - 1);
        if (last != fire)
        {
            watched.set(fire.watchIndex, last);
            last.watchIndex = fire.watchIndex;
        }
    }

    /**
     * Running thread: a run starts, the first of its fire or the next of a {@code fireAll} catch-up, each timed from
     * its own start. The state numbers the run, so that the checker's compare-and-set for one run cannot succeed on
     * the next.
     */
    static void started(final Fire fire, final long now)
    {
        // a clock that failed reads as Long.MIN_VALUE: the run is timed from its fire time, the latest instant known
        // to come before its start, not from the start of time (never reported, its deadline long passed)
        fire.startedAt = now != Long.MIN_VALUE ? now : fire.scheduledAt;
        fire.thread = Thread.currentThread();
        final int previous = (int)RUN_STATE.get(fire); // IDLE or DONE (or INTERRUPTED): only this thread writes now
        // startedAt and thread are visible BEFORE the state says RUNNING
        RUN_STATE.setRelease(fire, ((previous >>> RUN_SHIFT) + 1) << RUN_SHIFT | RUNNING);
    }

    /**
     * Running thread: the run ended. If the checker is interrupting it, waits for the interrupt to land (a few
     * instructions) and clears it, so it reaches neither the next job of this thread nor the caller.
     */
    static void ended(final Fire fire, final boolean interruptedBefore)
    {
        final int run = (int)RUN_STATE.get(fire) & ~PHASE; // the checker never changes the run's number
        if (!RUN_STATE.compareAndSet(fire, run | RUNNING, run | DONE))
        {
            while (((int)RUN_STATE.getAcquire(fire) & PHASE) != INTERRUPTED)
            {
                Thread.onSpinWait();
            }
            if (!interruptedBefore)
            {
                Thread.interrupted();
            }
        }
        fire.thread = null;
    }

    /**
     * Reports every watched run that has passed its timeout and was not reported yet (lock held): counts it, flags
     * its task as running long, interrupts it if asked.
     *
     * @return the runs reported, for the log and the listeners once the lock is released; null when none.
     */
    List<FireContext> check(final long now, final TaskTable table, final TaskControl control)
    {
        List<FireContext> late = null;
        for (int i = 0, size = watched.size(); i < size; i++)
        {
            final Fire fire = watched.get(i);
            final int state = (int)RUN_STATE.getAcquire(fire);
            final int run = state >>> RUN_SHIFT;
            if ((state & PHASE) != RUNNING || fire.reportedRun == run)
            {
                continue;
            }
            final long startedAt = fire.startedAt; // written before the RUNNING release read above
            final TaskDefinition definition = fire.definition;
            if (now - startedAt < definition.timeoutMs())
            {
                continue;
            }
            fire.reportedRun = run;
            control.countTimeout(fire.id);
            table.setFlag(fire.id, TaskTable.RUNNING_LONG);
            final int number = state & ~PHASE;
            if (definition.interruptOnTimeout() && RUN_STATE.compareAndSet(fire, state, number | INTERRUPTING))
            {
                try
                {
                    fire.thread.interrupt();
                }
                finally
                {
                    RUN_STATE.setRelease(fire, number | INTERRUPTED);
                }
            }
            if (late == null)
            {
                late = new ArrayList<>();
            }
            late.add(new FireContext(fire.taskName, Instant.ofEpochMilli(fire.scheduledAt),
                Instant.ofEpochMilli(startedAt), fire.fires, fire.fence(), fire.nodeId()));
        }
        return late;
    }

    /**
     * @return the earliest time a watched run passes its timeout, or {@link TaskDefinition#NEVER} (lock held); a
     *         deadline past the end of the epoch-millisecond range is never.
     */
    long nextDeadline()
    {
        long next = TaskDefinition.NEVER;
        for (int i = 0, size = watched.size(); i < size; i++)
        {
            final Fire fire = watched.get(i);
            final int state = (int)RUN_STATE.getAcquire(fire);
            if ((state & PHASE) == RUNNING && fire.reportedRun != state >>> RUN_SHIFT)
            {
                final long deadline = fire.startedAt + fire.definition.timeoutMs(); // the timeout is positive
                next = deadline < fire.startedAt ? next : Math.min(next, deadline); // overflowed: never
            }
        }
        return next;
    }

    /**
     * Logs the runs {@link #check} reported and tells the listeners; lock NOT held.
     */
    static void report(final List<FireContext> late, final long now, final TaskListener[] listeners)
    {
        for (final FireContext context : late)
        {
            CallbackRunner.log(WARNING, "task '" + context.taskName() + "' has been running for " +
                (now - context.startedAt().toEpochMilli()) + " ms, past its timeout; it is reported once " +
                "and its later fires follow its overlap policy", null);
            Listeners.onTimeout(listeners, context);
        }
    }
}
