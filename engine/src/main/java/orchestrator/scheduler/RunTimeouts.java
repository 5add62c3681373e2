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
 * Caveats: each check costs O(runs in flight whose task has a timeout); the timeout counts from the callback's start (a fire queued for a busy worker is not yet late); a run is
 * seen late only when {@code runPending()} runs while it goes on, so with the inline dispatcher only another thread
 * calling {@code runPending()} sees it. Interrupting is cooperative: a callback that ignores interrupts keeps running.
 */
final class RunTimeouts
{
    static final int IDLE = 0;
    static final int RUNNING = 1;
    static final int DONE = 2;
    static final int INTERRUPTING = 3;
    static final int INTERRUPTED = 4;
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
     * Running thread: the run starts.
     */
    static void started(final Fire fire, final long now)
    {
        fire.startedAt = now;
        fire.thread = Thread.currentThread();
        RUN_STATE.setRelease(fire, RUNNING); // startedAt and thread are visible BEFORE the state says RUNNING
    }

    /**
     * Running thread: the run ended. If the checker is interrupting it, waits for the interrupt to land (a few
     * instructions) and clears it, so it reaches neither the next job of this thread nor the caller.
     */
    static void ended(final Fire fire, final boolean interruptedBefore)
    {
        if (!RUN_STATE.compareAndSet(fire, RUNNING, DONE))
        {
            while ((int)RUN_STATE.getAcquire(fire) != INTERRUPTED)
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
            if (fire.timeoutReported || (int)RUN_STATE.getAcquire(fire) != RUNNING)
            {
                continue;
            }
            final long startedAt = fire.startedAt; // written before the RUNNING release read above
            final TaskDefinition definition = fire.definition;
            if (now - startedAt < definition.timeoutMs())
            {
                continue;
            }
            fire.timeoutReported = true;
            control.countTimeout(fire.id);
            table.setFlag(fire.id, TaskTable.RUNNING_LONG);
            if (definition.interruptOnTimeout() && RUN_STATE.compareAndSet(fire, RUNNING, INTERRUPTING))
            {
                try
                {
                    fire.thread.interrupt();
                }
                finally
                {
                    RUN_STATE.setRelease(fire, INTERRUPTED);
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
     * @return the earliest time a watched run passes its timeout, or {@link TaskDefinition#NEVER} (lock held).
     */
    long nextDeadline()
    {
        long next = TaskDefinition.NEVER;
        for (int i = 0, size = watched.size(); i < size; i++)
        {
            final Fire fire = watched.get(i);
            if (!fire.timeoutReported && (int)RUN_STATE.getAcquire(fire) == RUNNING)
            {
                next = Math.min(next, fire.startedAt + fire.definition.timeoutMs());
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
