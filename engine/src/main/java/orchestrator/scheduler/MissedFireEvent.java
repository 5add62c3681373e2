package orchestrator.scheduler;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timestamp;

/**
 * NOT thread safe: one event per decision, committed by the thread that makes it. The JDK Flight Recorder event
 * {@code orchestrator.MissedFire}: fires of one task that did not run, counted as missed, with the reason.
 * <p>
 * Caveats: enabled by default; one event stands for every fire of one task that one collection (or one refused
 * dispatch, resume, reschedule or close) counted as missed, so a scheduler that comes back after a long pause records
 * one event per task, not one per skipped fire.
 */
@Name(MissedFireEvent.NAME)
@Label("Missed Fire")
@Category({"Orchestrator", "Scheduler"})
@Description("Fires of one task that did not run and were counted as missed")
@StackTrace(false)
final class MissedFireEvent extends Event
{
    static final String NAME = "orchestrator.MissedFire";

    @Label("Task")
    @Description("The task's name")
    String task;

    @Label("Scheduled At")
    @Description("The earliest fire time among the missed fires")
    @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
    long scheduledAt;

    @Label("Fires")
    @Description("How many fires were missed")
    long fires;

    @Label("Reason")
    @Description("late: passed while the scheduler was late (misfire policy); overlap: due while the previous run " +
        "was still going; refused: the dispatcher refused the fire; paused: the task was paused; closed: coalesced " +
        "or triggered fires still pending when the scheduler closed; rescheduled: fires of the old schedule that " +
        "had come due, not yet collected, when the task was rescheduled; cancelled: fires that had come due, not yet " +
        "collected, and runs still pending when the task was cancelled; interrupted: a fire a restart found " +
        "interrupted, not run again (InterruptedFirePolicy.DROP)")
    String reason;
}
