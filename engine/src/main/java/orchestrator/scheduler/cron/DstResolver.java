package orchestrator.scheduler.cron;

import java.time.Instant;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;

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
     * matches fires, and nothing else.
     * countBetween applies the same three rules to whole segments at once: the instants [lo, hi) of a segment are the
     * local times [lo + o, hi + o), trimmed by [s + p, ...) when second occurrences do not fire and by [..., e + q)
     * when first occurrences do not, counted by FireCount.countBetween, plus one for a SHIFT fire at s (which
     * stands for the local time s + o too). Because nextAfter never looks behind the start of the segment it
     * starts in, the fires it steps through are exactly these per-segment sets; past the shared table (2200) a
     * window starts at the transition opening the segment asked for (ZoneTransitions.windowAt), so the rules hold
     * there too.
     * Where nothing matches at or after the local time nextAfter looks from (an expression with a year field, past its
     * last match), it still goes on into the next segment when that one starts with a backward change: its local
     * times start again below, and may repeat the last match (the second 01:30 of a fall-back day). */

    private static final long CYCLE_SECONDS = CompiledCron.CYCLE_DAYS * 86_400L;
    private static final long TWO_YEARS = 2 * 366 * 86_400L;
    private static final long FOUR_DAYS = 4 * 86_400L;

    private DstResolver()
    {
    }

    /**
     * Counts the instants {@link #nextAfter} steps through from {@code afterSecond} up to {@code upToSecond}, by
     * arithmetic per segment of constant offset: the cost grows with the offset changes and the months in the range,
     * not with the fires. Allocates nothing while the range ends before 2200; beyond it, reads further windows of
     * transitions, and counts one 400-year cycle of the zone's recurring rules and multiplies it when the range
     * spans many.
     *
     * @param cron        the compiled expression.
     * @param zone        the zone's transitions.
     * @param shift       fire at the end of a gap when a local time inside it matches.
     * @param first       fire at the first occurrence of a repeated local time.
     * @param second      fire at the second occurrence of a repeated local time.
     * @param afterSecond the instant counting starts after, in epoch seconds.
     * @param upToSecond  the last instant counted, in epoch seconds.
     * @return the number of fire instants t with afterSecond < t <= upToSecond.
     */
    static long countBetween(
        final CompiledCron cron, final ZoneTransitions zone, final boolean shift, final boolean first, final boolean second,
        final long afterSecond, final long upToSecond)
    {
        if (upToSecond <= afterSecond)
        {
            return 0;
        }
        if (cron.years == null && upToSecond - afterSecond > 3 * CYCLE_SECONDS)
        {
            final ZoneRules rules = zone.rules;
            if (!rules.getTransitionRules().isEmpty())
            {
                final List<ZoneOffsetTransition> history = rules.getTransitions();
                // after the last listed transition, the recurring rules repeat every 400 years, and so do the matches
                final long recurring = history.isEmpty() ? Long.MIN_VALUE :
                    history.get(history.size() - 1).toEpochSecond() + TWO_YEARS;
                final long split = Math.max(afterSecond + FOUR_DAYS, recurring);
                if (upToSecond - split > 2 * CYCLE_SECONDS)
                {
                    final long cycles = (upToSecond - split) / CYCLE_SECONDS - 1;
                    final long rest = split + cycles * CYCLE_SECONDS;
                    return walk(cron, zone, shift, first, second, afterSecond, split, true) +
                        cycles * walk(cron, zone, shift, first, second, split, split + CYCLE_SECONDS, false) +
                        walk(cron, zone, shift, first, second, rest, upToSecond, false);
                }
            }
        }
        return walk(cron, zone, shift, first, second, afterSecond, upToSecond, true);
    }

    /**
     * @param asSearch true when afterSecond is where a nextAfter search would start, so that its first segment is
     *                 read as nextAfter reads it; false to count by the zone's real segments.
     */
    private static long walk(
        final CompiledCron cron, final ZoneTransitions zone, final boolean shift, final boolean first, final boolean second,
        final long afterSecond, final long upToSecond, final boolean asSearch)
    {
        final long from = afterSecond + 1;
        final long to = upToSecond + 1;
        ZoneTransitions table = zone;
        if (from >= table.windowEnd)
        {
            table = table.windowAt(from);
        }
        int k = table.segmentOf(from);
        long start = Long.MIN_VALUE;
        int previous = table.offsets[0];
        if (k > 0)
        {
            start = table.transitions[k - 1];
            previous = table.offsets[k - 1];
        }
        else if (!asSearch)
        {
            final ZoneOffsetTransition before = table.rules.previousTransition(Instant.ofEpochSecond(from));
            if (before != null)
            {
                start = before.toEpochSecond();
                previous = before.getOffsetBefore().getTotalSeconds();
            }
        }
        long count = 0;
        for (;;)
        {
            while (k == table.transitions.length && table.windowEnd != Long.MAX_VALUE)
            {
                // the segment goes on into the next window, which starts at this segment's opening transition
                final long windowEnd = table.windowEnd;
                table = table.windowAt(windowEnd);
                k = table.segmentOf(windowEnd - 1);
            }
            final int offset = table.offsets[k];
            final boolean last = k == table.transitions.length;
            final long end = last ? Long.MAX_VALUE : table.transitions[k];
            final int next = last ? offset : table.offsets[k + 1];
            final long lo = Math.max(from, start);
            final long hi = Math.min(to, end);
            if (lo < hi)
            {
                long localFrom = lo + offset;
                long localTo = hi + offset;
                if (previous < offset && shift && lo == start && cron.nextOrSame(start + previous) < start + offset)
                {
                    count++; // the gap's SHIFT fire at the segment start
                    localFrom++;
                }
                if (previous > offset && !second)
                {
                    localFrom = Math.max(localFrom, start + previous);
                }
                if (next < offset && !first)
                {
                    localTo = Math.min(localTo, end + next);
                }
                count += FireCount.countBetween(cron, localFrom, localTo);
            }
            if (end >= to)
            {
                return count;
            }
            start = end;
            previous = offset;
            k++;
        }
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
            if (local != CompiledCron.NEVER)
            {
                final boolean inSegment = end == Long.MAX_VALUE || local - offset < end;
                if (inSegment)
                {
                    final boolean repeatedLater = k < n && offsets[k + 1] < offset && local >= end + offsets[k + 1];
                    if (!repeatedLater || first)
                    {
                        return local - offset;
                    }
                }
            }
            else if (end == Long.MAX_VALUE || k == n || offsets[k + 1] >= offset)
            {
                // nothing matches from here on in local time, and local time never goes back below it: the next
                // segment starts with no backward change (a window's end is not a change: its segment goes on)
                return CompiledCron.NEVER;
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
