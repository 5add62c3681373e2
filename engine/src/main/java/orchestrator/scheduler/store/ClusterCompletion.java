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
 */
public record ClusterCompletion(String name, long fence, TaskState state, long nextFire, long runs, long missed,
    long failures, long interrupted)
{
}
