package orchestrator.scheduler.cron;

/**
 * Stateless, safe from any thread: maps the local date-times a {@link CompiledCron} matches to instants in a zone
 * with offset changes, applying a {@link DstPolicy}.
 */
final class DstResolver
{
    /* The zone's timeline is cut into segments of constant offset (ZoneTransitions). Inside segment k with offset o,
     * a matching local time l fires at l - o. Three cases need the policy:
     *  - gap: the segment starts with a forward change (o > previous offset p). Local times [s + p, s + o) do
     *    not exist; if one of them matches, SHIFT fires once at s, the first instant after the gap; SKIP does not.
     *  - second occurrence: the segment starts with a backward change (o < p); local times [s + o, s + p) were
     *    already lived in the previous segment. They fire here only for SECOND or BOTH.
     *  - first occurrence: the segment ends with a backward change to q < o; local times [e + q, e + o) will be
     *    lived again. They fire here only for FIRST or BOTH.
     * An interval-like job (hour '*' or a step) is resolved as (SKIP, BOTH): every real instant whose local time
     * matches fires, and nothing else. */

    private DstResolver()
    {
    }

    /**
     * @param cron        the compiled expression.
     * @param zone        the zone's transitions.
     * @param shift       fire at the end of a gap when a local time inside it matches.
     * @param first       fire at the first occurrence of a repeated local time.
     * @param second      fire at the second occurrence of a repeated local time.
     * @param afterSecond the instant to search after, in epoch seconds.
     * @return the first fire instant strictly after it, in epoch seconds, or {@link CompiledCron#NEVER}.
     */
    static long nextAfter(
        final CompiledCron cron, final ZoneTransitions zone, final boolean shift, final boolean first, final boolean second,
        final long afterSecond)
    {
        ZoneTransitions table = zone;
        long from = afterSecond + 1;
        if (from >= table.windowEnd)
        {
            table = table.windowAt(from);
        }
        int k = table.segmentOf(from);
        for (;;)
        {
            final long[] transitions = table.transitions;
            final int[] offsets = table.offsets;
            final int n = transitions.length;
            final int offset = offsets[k];
            final long start = k == 0 ? Long.MIN_VALUE : transitions[k - 1];
            final long end = k < n ? transitions[k] : table.windowEnd;
            final long begin = Math.max(from, start);
            long local;
            if (k > 0 && offsets[k - 1] != offset)
            {
                final int previous = offsets[k - 1];
                if (previous < offset)
                {
                    if (shift && begin == start)
                    {
                        local = cron.nextOrSame(start + previous);
                        if (local == CompiledCron.NEVER)
                        {
                            return CompiledCron.NEVER;
                        }
                        if (local < start + offset)
                        {
                            return start;
                        }
                    }
                    local = cron.nextOrSame(begin + offset);
                }
                else
                {
                    local = cron.nextOrSame(begin + offset);
                    if (!second && local < start + previous)
                    {
                        local = local == CompiledCron.NEVER ? local : cron.nextOrSame(start + previous);
                    }
                }
            }
            else
            {
                local = cron.nextOrSame(begin + offset);
            }
            if (local == CompiledCron.NEVER)
            {
                return CompiledCron.NEVER;
            }
            final boolean inSegment = end == Long.MAX_VALUE || local - offset < end;
            if (inSegment)
            {
                final boolean repeatedLater = k < n && offsets[k + 1] < offset && local >= end + offsets[k + 1];
                if (!repeatedLater || first)
                {
                    return local - offset;
                }
            }
            if (end == Long.MAX_VALUE)
            {
                return CompiledCron.NEVER;
            }
            from = end;
            if (k < n)
            {
                k++;
            }
            else
            {
                table = table.windowAt(from);
                k = table.segmentOf(from);
            }
        }
    }
}
