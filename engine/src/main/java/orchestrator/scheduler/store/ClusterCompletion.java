package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

/**
 * Immutable, so safe to share between threads: the outcome of one claim, written back under its fence.
 *
 * @param name        the task's name.
 * @param fence       the fence token of the claim.
 * @param state       the task's state after it.
 * @param nextFire    the next instant to claim, epoch ms, or {@link TaskProgress#NEVER}.
 * @param runs        callbacks that ran to the end.
 * @param missed      instants that did not run.
 * @param failures    runs whose callback threw or failed to start.
 * @param interrupted instants taken over from a node that held them (they may have started there).
 * @param keep        whether the node keeps the row claimed for {@code nextFire}, under the fence plus one, instead of
 *                    releasing it: a node that keeps firing a task claims each next instant with its completion.
 */
public record ClusterCompletion(String name, long fence, TaskState state, long nextFire, long runs, long missed,
    long failures, long interrupted, boolean keep)
{
    /**
     * A completion that releases the row.
     */
    public ClusterCompletion(final String name, final long fence, final TaskState state, final long nextFire,
        final long runs, final long missed, final long failures, final long interrupted)
    {
        this(name, fence, state, nextFire, runs, missed, failures, interrupted, false);
    }

    /**
     * @return this completion, releasing the row instead of keeping it.
     */
    public ClusterCompletion released()
    {
        return keep ? new ClusterCompletion(name, fence, state, nextFire, runs, missed, failures, interrupted) : this;
    }
}
