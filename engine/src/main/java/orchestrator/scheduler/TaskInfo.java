package orchestrator.scheduler;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable, so safe to share between threads: a snapshot of one task as {@link Scheduler#tasks()} saw it.
 *
 * @param name      the task's unique name.
 * @param schedule  the cron expression, {@code fixedRate PT10S} or {@code fixedDelay PT10S} for an interval task,
 *                  or the one-time instant as ISO-8601 text.
 * @param nextFire  the next fire time, as {@link Scheduler#nextFireTime} shows it (for a paused task, the first after
 *                  the read, not a passed fire that will not run, as for a late task under
 *                  {@link MisfirePolicy#SKIP}); empty when the task is running a one-time fire or
 *                  a fixed-delay run (whose end sets the next fire), finished or cancelled.
 * @param state     where the task is in its life.
 * @param runs      callbacks that ran to the end, whether they returned or threw.
 * @param missed    fires that did not run: due while the previous run was still going, passed over while the
 *                  scheduler was late (or down, on a durable store), due while the task was paused, refused by the
 *                  dispatcher, not started by a close, passed by a reschedule or a cancel before they were
 *                  collected, or interrupted by a crash and not run again at restart.
 * @param failures  runs whose callback threw (a subset of {@code runs}), or failed to start.
 * @param lastError the reason of the most recent failure, without secrets, cut to 1,024 characters (with the full
 *                  length noted); empty when there was none.
 * @param timeouts  runs that passed the task's {@link TaskSpec#timeout(java.time.Duration) timeout} (each counted
 *                  once, whether it then finished or not; each run of a {@code fireAll} catch-up is timed from its
 *                  own start); kept for a finished task in the history.
 * @param runningLong true while a run that passed its timeout is still going.
 */
public record TaskInfo(
    String name,
    String schedule,
    Optional<Instant> nextFire,
    TaskState state,
    long runs,
    long missed,
    long failures,
    Optional<String> lastError,
    long timeouts,
    boolean runningLong)
{
    /**
     * A task with no timeout reported, as before timeouts existed.
     *
     * @param name      the task's unique name.
     * @param schedule  the schedule.
     * @param nextFire  the next fire time.
     * @param state     where the task is in its life.
     * @param runs      callbacks that ran to the end.
     * @param missed    fires that did not run.
     * @param failures  runs whose callback threw.
     * @param lastError the reason of the most recent failure.
     */
    public TaskInfo(final String name, final String schedule, final Optional<Instant> nextFire, final TaskState state,
        final long runs, final long missed, final long failures, final Optional<String> lastError)
    {
        this(name, schedule, nextFire, state, runs, missed, failures, lastError, 0, false);
    }

    /**
     * Checks the components.
     */
    public TaskInfo
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(nextFire, "nextFire");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lastError, "lastError");
    }
}
