package orchestrator.scheduler;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/**
 * Thread safe: the offset and its anchor are one volatile field, written by the cluster thread only. A clustered
 * scheduler's clock: the application's clock corrected to the database's, so that every node computes the same
 * instants at the same moment whatever the skew of its own clock ({@code offset = database time - local time},
 * measured at each join and heartbeat).
 * <p>
 * Caveats: the offset moves only when it changed by more than {@link #STEP_MS}, so the wheel does not see the
 * round-trip noise of each heartbeat as clock steps. A step of the local clock by more than
 * {@link #UNFOLLOWED_STEP_MS} between two measurements (an NTP step, an operator setting the time) is not followed:
 * until the next measurement takes it into the offset, the time runs on from the last one by the monotonic clock, so
 * the node does not find instants the database has not reached late (and count them missed).
 */
final class ClusterClock extends Clock
{
    static final long STEP_MS = 25;
    /**
     * A step of the local clock larger than this between two measurements is not followed; a smaller one is (a
     * thread preempted between its reads of the two clocks would otherwise be taken for one).
     */
    static final long UNFOLLOWED_STEP_MS = 1_000;

    /**
     * Immutable: the offset, and the local and monotonic clocks read together when it was last measured.
     */
    private record Anchor(long offsetMs, long localMillis, long nanos)
    {
    }

    private final Clock local;
    private volatile Anchor anchor = new Anchor(0, Long.MIN_VALUE, 0); // MIN_VALUE: not measured yet

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
        final long kept = anchor.offsetMs;
        final boolean moved = Math.abs(offset - kept) > STEP_MS;
        anchor = new Anchor(moved ? offset : kept, local.millis(), System.nanoTime());
        return moved;
    }

    long offsetMs()
    {
        return anchor.offsetMs;
    }

    Clock local()
    {
        return local;
    }

    @Override
    public long millis()
    {
        final Anchor at = anchor;
        final long now = local.millis();
        if (at.localMillis == Long.MIN_VALUE)
        {
            return now + at.offsetMs;
        }
        final long expected = at.localMillis + (System.nanoTime() - at.nanos) / 1_000_000;
        return (Math.abs(now - expected) > UNFOLLOWED_STEP_MS ? expected : now) + at.offsetMs; // a step: not followed
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
        clock.anchor = anchor;
        return clock;
    }
}
