package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.util.Objects;

/**
 * Immutable, so safe to share between threads: where one task stands after a fire collection, as the engine writes
 * it in {@link TaskStore#recordProgress} batches and as part of every {@link StoredTask}.
 *
 * @param name        the task's unique name.
 * @param state       where the task is in its life.
 * @param nextFire    its next fire in epoch ms, or {@link #NEVER}.
 * @param runs        callbacks that ran to the end.
 * @param missed      fires that did not run.
 * @param failures    runs whose callback threw or failed to start.
 * @param runningFire the scheduled instant (epoch ms) of a fire whose callback had started and not finished when
 *                    this was written, or {@link #NOT_RUNNING}; found on recovery, it marks an interrupted fire.
 */
public record TaskProgress(
    String name,
    TaskState state,
    long nextFire,
    long runs,
    long missed,
    long failures,
    long runningFire)
{
    /** {@code nextFire} of a task that will not fire again. */
    public static final long NEVER = Long.MAX_VALUE;
    /** {@code runningFire} when no callback of the task was running. */
    public static final long NOT_RUNNING = Long.MIN_VALUE;

    /**
     * Checks the components.
     */
    public TaskProgress
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
    }
}
