package orchestrator.benchmarks.cluster;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Thread safe: any scheduler thread of a node may record a fire. The fires of the one node this JVM runs
 * ({@link ClusterNodeMain}): a count, and the lateness of each fire (its wall-clock time minus the due time encoded
 * in the task's name, see {@link #taskName}) in microseconds.
 */
final class NodeFires
{
    /** Longest lateness recorded, in microseconds; longer ones are recorded as this. */
    static final long MAX_LATENESS_US = TimeUnit.HOURS.toMicros(1);

    private static final AtomicLong FIRED = new AtomicLong();
    private static final AtomicLong EARLY = new AtomicLong();
    private static final Recorder LATENESS = new Recorder(MAX_LATENESS_US, 3);
    private static final Set<String> SINCE_MARK = ConcurrentHashMap.newKeySet();
    private static volatile boolean hold;
    private static volatile boolean marked;

    private NodeFires()
    {
    }

    /**
     * @param index   the task's number.
     * @param dueMs   when it is due, epoch milliseconds.
     * @return the name every contender gives the task: its number and its due time.
     */
    static String taskName(final int index, final long dueMs)
    {
        return "t" + index + "-" + dueMs;
    }

    /**
     * @param holdFires whether every fire blocks until the JVM dies, so that the node keeps its claims (takeover).
     */
    static void holdFires(final boolean holdFires)
    {
        hold = holdFires;
    }

    /**
     * Records one fire of the task {@code name} now; blocks for good when the node holds its fires.
     */
    static void fired(final String name)
    {
        fired(name, Long.parseLong(name.substring(name.lastIndexOf('-') + 1)));
    }

    /**
     * Records one fire of the task {@code name}, due at {@code dueMs}, now; blocks for good when the node holds its
     * fires.
     */
    static void fired(final String name, final long dueMs)
    {
        final Instant now = Instant.now();
        if (marked)
        {
            SINCE_MARK.add(name);
        }
        final long latenessUs = (now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000) - dueMs * 1_000;
        if (latenessUs < 0)
        {
            EARLY.incrementAndGet();
        }
        LATENESS.recordValue(Math.min(Math.max(latenessUs, 0), MAX_LATENESS_US));
        FIRED.incrementAndGet();
        while (hold)
        {
            LockSupport.park(); // a held fire never completes: the node dies holding it
        }
    }

    /** Fires so far. */
    static long count()
    {
        return FIRED.get();
    }

    /** From now on, remembers which tasks fire. */
    static void mark()
    {
        SINCE_MARK.clear();
        marked = true;
    }

    /** How many distinct tasks fired since {@link #mark()}. */
    static int distinctSinceMark()
    {
        return SINCE_MARK.size();
    }

    /** Fires that ran before their due time. */
    static long early()
    {
        return EARLY.get();
    }

    /** The lateness of the fires since the previous call. */
    static Histogram latenessSinceLastCall()
    {
        return LATENESS.getIntervalHistogram();
    }
}
