package orchestrator.scheduler.cron;

import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Immutable, so safe to share between threads: the UTC offset changes of a zone over a window of time, as
 * primitive arrays, so that fire-time searches in zones with DST need no {@code ZoneRules} call and allocate
 * nothing.
 */
final class ZoneTransitions
{
    /* Segment k (0..n) is the run of instants with one offset: it starts at transitions[k - 1] (or at the start of
     * the window for k = 0) and ends at transitions[k] (or at windowEnd for k = n); offsets[k] is its offset in
     * seconds. The shared table per zone covers every transition up to 2200-01-01; a search beyond that asks
     * for another window of 100 years (allocating, but only for fire times after 2200). A window starts at the
     * zone's last transition at or before the instant asked for, so the segment holding that instant starts with
     * its real transition and knows the offset it came from, as in the shared table. */

    private static final long SHARED_END = 7_258_118_400L; // 2200-01-01T00:00:00Z
    private static final long WINDOW_SECONDS = 100L * 366 * 86_400;
    private static final long EARLIEST = -10_000_000_000L; // 1653, before any tzdb transition
    private static final ConcurrentHashMap<ZoneId, ZoneTransitions> SHARED = new ConcurrentHashMap<>();

    final long[] transitions;
    final int[] offsets;
    /** Exclusive end of the window; {@link Long#MAX_VALUE} when the zone has no transitions after it. */
    final long windowEnd;
    final ZoneRules rules;

    private ZoneTransitions(final long[] transitions, final int[] offsets, final long windowEnd, final ZoneRules rules)
    {
        this.transitions = transitions;
        this.offsets = offsets;
        this.windowEnd = windowEnd;
        this.rules = rules;
    }

    /** @return the shared table of a zone whose offset is not fixed. */
    static ZoneTransitions of(final ZoneId zone)
    {
        return SHARED.computeIfAbsent(zone, z -> build(z.getRules(), EARLIEST, SHARED_END));
    }

    /**
     * @return a table for searches past {@link #windowEnd}: from the zone's last transition at or before the instant
     *         (so {@code segmentOf(epochSecond) > 0} when there is one) to 100 years after the instant.
     */
    ZoneTransitions windowAt(final long epochSecond)
    {
        final ZoneOffsetTransition before = rules.previousTransition(Instant.ofEpochSecond(epochSecond + 1));
        final long from = before == null ? epochSecond : Math.min(epochSecond, before.toEpochSecond());
        return build(rules, from, epochSecond + WINDOW_SECONDS);
    }

    private static ZoneTransitions build(final ZoneRules rules, final long from, final long to)
    {
        long[] at = new long[64];
        int[] offsets = new int[65];
        int n = 0;
        offsets[0] = rules.getOffset(Instant.ofEpochSecond(from)).getTotalSeconds();
        ZoneOffsetTransition t = rules.nextTransition(Instant.ofEpochSecond(from - 1));
        while (t != null && t.toEpochSecond() < to)
        {
            if (n == at.length)
            {
                at = Arrays.copyOf(at, n * 2);
                offsets = Arrays.copyOf(offsets, n * 2 + 1);
            }
            if (t.toEpochSecond() >= from)
            {
                at[n] = t.toEpochSecond();
                offsets[n + 1] = t.getOffsetAfter().getTotalSeconds();
                n++;
            }
            t = rules.nextTransition(t.getInstant());
        }
        if (n > 0 && at[0] == from)
        {
            offsets[0] = rules.getOffset(Instant.ofEpochSecond(from - 1)).getTotalSeconds();
        }
        final long end = t == null ? Long.MAX_VALUE : to;
        return new ZoneTransitions(Arrays.copyOf(at, n), Arrays.copyOf(offsets, n + 1), end, rules);
    }

    /** @return the segment holding the instant: the number of transitions at or before it. */
    int segmentOf(final long epochSecond)
    {
        final long[] transitions = this.transitions;
        int lo = 0;
        int hi = transitions.length;
        while (lo < hi)
        {
            final int mid = (lo + hi) >>> 1;
            if (transitions[mid] <= epochSecond)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
