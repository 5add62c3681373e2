package orchestrator.scheduler;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/**
 * Thread safe: the offset is a volatile field, written by the cluster thread only. A clustered scheduler's clock:
 * the application's clock corrected to the database's, so that every node computes the same instants at the same
 * moment whatever the skew of its own clock ({@code offset = database time - local time}, measured at each join and
 * heartbeat).
 * <p>
 * Caveats: the offset moves only when it changed by more than {@link #STEP_MS}, so the wheel does not see the
 * round-trip noise of each heartbeat as clock steps.
 */
final class ClusterClock extends Clock
{
    static final long STEP_MS = 25;

    private final Clock local;
    private volatile long offsetMs;

    ClusterClock(final Clock local)
    {
        this.local = local;
    }

    /**
     * @param dbMillis     the database's clock read by a statement.
     * @param localBefore  the local clock before the statement was sent.
     * @param localAfter   the local clock after its answer came.
     * @return true when the offset moved.
     */
    boolean measured(final long dbMillis, final long localBefore, final long localAfter)
    {
        final long offset = dbMillis - (localBefore + (localAfter - localBefore) / 2);
        if (Math.abs(offset - offsetMs) > STEP_MS)
        {
            offsetMs = offset;
            return true;
        }
        return false;
    }

    long offsetMs()
    {
        return offsetMs;
    }

    Clock local()
    {
        return local;
    }

    @Override
    public long millis()
    {
        return local.millis() + offsetMs;
    }

    @Override
    public Instant instant()
    {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone()
    {
        return local.getZone();
    }

    @Override
    public Clock withZone(final ZoneId zone)
    {
        final ClusterClock clock = new ClusterClock(local.withZone(zone));
        clock.offsetMs = offsetMs;
        return clock;
    }
}
