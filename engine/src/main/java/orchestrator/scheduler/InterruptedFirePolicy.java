package orchestrator.scheduler;

/**
 * Immutable, so safe to share between threads: what a scheduler on a durable store does at restart with a fire whose
 * callback had started and not finished when the process died (an interrupted fire), set per task with
 * {@link TaskSpec#onRestart(InterruptedFirePolicy)}.
 * <p>
 * Either way the interrupted fire is logged and named in the task's {@link TaskInfo#lastError()}; it never runs twice
 * without saying so.
 */
public enum InterruptedFirePolicy
{
    /**
     * At least once, the default: the interrupted fire runs again at the first {@code runPending()} after the
     * restart (for its own scheduled instant; a scheduler closed before that keeps it for the next restart); a
     * callback that had in fact finished, whose completion the store had not yet recorded, then runs twice.
     */
    RUN_AGAIN,

    /**
     * At most once: the interrupted fire is not run again and is counted as missed when the task is restored (in
     * its {@link TaskInfo#missed()} and in {@link Scheduler#metrics()}, and told to {@link TaskListener#onMissed}).
     * Before a fire of such a task starts, the scheduler waits until the journal has written (not forced) the marker
     * of that fire, so a process kill cannot make it run again; a power loss can lose an unforced marker.
     */
    DROP
}
