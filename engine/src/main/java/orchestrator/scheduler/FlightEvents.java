package orchestrator.scheduler;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;

/**
 * Thread safe (stateless): the engine's JDK Flight Recorder events, created only while a recording has them enabled.
 */
final class FlightEvents
{
    /*
     * No cost when nothing records: FlightRecorder.isInitialized() is one static field read, false until a recording
     * is created (in code, by -XX:StartFlightRecording or by jcmd JFR.start), and only then are the event types looked
     * up (which registers them) and read. EventType.isEnabled() is true only while a running recording enables the
     * event, so a stopped recording costs a field read again. No event object is allocated unless enabled.
     */
    static final String LATE = "late";
    static final String OVERLAP = "overlap";
    static final String REFUSED = "refused";
    static final String PAUSED = "paused";
    static final String CLOSED = "closed";
    static final String RESCHEDULED = "rescheduled";
    static final String CANCELLED = "cancelled";
    static final String INTERRUPTED = "interrupted";
    static final String SUCCESS = "success";
    static final String FAILURE = "failure";

    private FlightEvents()
    {
    }

    /**
     * @return true while a recording has {@code orchestrator.Fire} enabled.
     */
    static boolean fireEnabled()
    {
        return FlightRecorder.isInitialized() && Types.FIRE.isEnabled();
    }

    /**
     * @return true while a recording has {@code orchestrator.MissedFire} enabled.
     */
    static boolean missedEnabled()
    {
        return FlightRecorder.isInitialized() && Types.MISSED.isEnabled();
    }

    /**
     * @return a begun fire event.
     */
    static FireEvent beginFire()
    {
        final FireEvent event = new FireEvent();
        event.begin();
        return event;
    }

    static void commitFire(
        final FireEvent event, final String task, final long scheduledAt, final long lateness, final boolean failed)
    {
        event.end();
        if (event.shouldCommit())
        {
            event.task = task;
            event.scheduledAt = scheduledAt;
            event.lateness = lateness;
            event.outcome = failed ? FAILURE : SUCCESS;
            event.commit();
        }
    }

    static void missed(final String task, final long scheduledAt, final long fires, final String reason)
    {
        final MissedFireEvent event = new MissedFireEvent();
        if (event.shouldCommit())
        {
            event.task = task;
            event.scheduledAt = scheduledAt;
            event.fires = fires;
            event.reason = reason;
            event.commit();
        }
    }

    /**
     * Loaded at the first check after the recorder was initialized.
     */
    private static final class Types
    {
        static final EventType FIRE = EventType.getEventType(FireEvent.class);
        static final EventType MISSED = EventType.getEventType(MissedFireEvent.class);
    }
}
