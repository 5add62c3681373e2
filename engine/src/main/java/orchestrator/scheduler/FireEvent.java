package orchestrator.scheduler;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import jdk.jfr.Timestamp;

/**
 * NOT thread safe: one event per run, confined to the thread that runs the callback. The JDK Flight Recorder event
 * {@code orchestrator.Fire}: one run of a task's callback, from its start to its end (the event's own start time and
 * duration), with the instant it was due, how late it started and how it ended.
 * <p>
 * Caveats: enabled by default with no threshold, so a recording that keeps the default settings gets one event per
 * run; give it a threshold (a {@code threshold} setting in the recording's {@code .jfc}, or
 * {@code Recording.enable(NAME).withThreshold(...)}) or disable it in a busy scheduler. Only
 * {@link FlightEvents} creates it, and only while a recording has it enabled.
 */
@Name(FireEvent.NAME)
@Label("Fire")
@Category({"Orchestrator", "Scheduler"})
@Description("One run of a task's callback: when it was due, how late it started, and how it ended")
@StackTrace(false)
final class FireEvent extends Event
{
    static final String NAME = "orchestrator.Fire";

    @Label("Task")
    @Description("The task's name")
    String task;

    @Label("Scheduled At")
    @Description("The fire time this run stands for")
    @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
    long scheduledAt;

    @Label("Lateness")
    @Description("The run's start minus its fire time")
    @Timespan(Timespan.NANOSECONDS)
    long lateness;

    @Label("Outcome")
    @Description("success: the callback returned; failure: it threw")
    String outcome;
}
