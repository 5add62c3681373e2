package orchestrator.scheduler;

/**
 * Immutable enum, safe from any thread: where a task is in its life, as {@link Scheduler#tasks()} reports it.
 */
public enum TaskState
{
    /** Waiting for its next fire. */
    SCHEDULED,
    /** Its callback is running or queued for a worker. */
    RUNNING,
    /** Finished for good: a one-time task that ran, or a cron task that can never fire again. */
    COMPLETED,
    /** Cancelled by {@link Scheduler#cancel(String)}; it will not fire again. */
    CANCELLED,
    /** Finished because it could not run: a one-time task whose callback threw, or a callback record that failed to open. */
    FAILED,
    /**
     * Paused by {@link Scheduler#pause(String)}: its fires come due and are counted as missed until
     * {@link Scheduler#resume(String)}. A paused task whose run is going shows {@link #RUNNING}.
     */
    PAUSED
}
