package orchestrator.scheduler;

import java.time.Instant;

/**
 * Must be thread safe: its methods are called from whichever thread runs a fire (a worker, or the caller of
 * {@code runPending()}) and from the thread that runs {@code runPending()}, possibly at once. Hears what happens to
 * every task of a {@link Scheduler}; add one with {@link Scheduler#addListener(TaskListener)}.
 * <p>
 * Every method has an empty default. They are called without the scheduler's lock, so they may call the scheduler
 * (register, cancel, pause, read); one that throws is logged and ignored: it can neither fail the run nor stop the
 * other listeners. {@code onStart}, {@code onSuccess} and {@code onFailure} run on the thread of the callback, around
 * it, so a slow listener delays that run (and is counted in its duration).
 */
public interface TaskListener
{
    /**
     * Called right before a callback runs.
     *
     * @param context the run.
     */
    default void onStart(final FireContext context)
    {
    }

    /**
     * Called after a callback returned normally.
     *
     * @param context the run.
     */
    default void onSuccess(final FireContext context)
    {
    }

    /**
     * Called after a callback threw; the throwable is also logged and counted in {@link TaskInfo#failures()}.
     *
     * @param context the run.
     * @param failure what it threw.
     */
    default void onFailure(final FireContext context, final Throwable failure)
    {
    }

    /**
     * Called when fires of a task do not run: the scheduler came late (misfire policy), the previous run was still
     * going ({@link OverlapPolicy#SKIP}), the task is paused, the dispatcher refused the fire, a reschedule replaced a
     * schedule whose fires had come due, a cancel ended fires that had come due or runs still pending, the
     * scheduler closed while a coalesced or triggered run was pending, a close that gave up waiting kept a fire queued
     * for a worker (or the rest of a {@code fireAll} catch-up) from starting, or a restart found a fire interrupted and
     * dropped it ({@link InterruptedFirePolicy#DROP}). Called once per task, cause and collection, after the
     * scheduler's lock is released, on the thread that called {@code runPending()} (or {@code resume},
     * {@code reschedule}, {@code cancel}, {@code close}; for a fire collected before a cancel or a close that gave
     * up, the thread that would have run it; for a dropped interrupted fire, the call that restored the task:
     * {@code schedule} or {@code registerHandler}; on a cluster node, the instants of its claims that passed without
     * running are told by the next {@code runPending()}); the default calls {@link #onMissed(String, Instant)}.
     *
     * @param taskName    the task.
     * @param scheduledAt the first of the fires missed: the fire found late, overlapping, paused or refused, or due
     *                    under the schedule a reschedule replaced or before a cancel.
     * @param fires       how many fires were missed, at least 1 (also counted in {@link TaskInfo#missed()}).
     */
    default void onMissed(final String taskName, final Instant scheduledAt, final long fires)
    {
        onMissed(taskName, scheduledAt);
    }

    /**
     * Called when fires of a task do not run; see {@link #onMissed(String, Instant, long)}, which calls it.
     *
     * @param taskName    the task.
     * @param scheduledAt the first of the fires missed.
     */
    default void onMissed(final String taskName, final Instant scheduledAt)
    {
    }

    /**
     * Called once when a run passes its task's {@link TaskSpec#timeout(java.time.Duration) timeout}, from the thread that
     * calls {@code runPending()} (the driver after {@code start()}), while the run is still going.
     *
     * @param context the run that is late.
     */
    default void onTimeout(final FireContext context)
    {
    }
}
