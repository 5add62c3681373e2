package orchestrator.scheduler.cron;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;

/**
 * Immutable, safe from any thread: a brute-force reference for fire times, for tests. It walks real
 * instants minute by minute, converts each to local time with {@code ZoneRules}, tests the match rules written
 * out with java.time (no bit tricks, no epoch arithmetic), and applies the DST policy from the instant's point of
 * view: a repeated local time fires at its first or second occurrence as the policy says, and a gap fires at the
 * transition instant under SHIFT when a local time inside it matches. Days and hours that cannot match are
 * skipped to keep it fast; every skip stops at the next transition.
 */
final class ReferenceCron
{
    static final long NONE = Long.MAX_VALUE;
    /** Not an instant a skip can target (0 is one: midnight of 1970-01-01 in UTC). */
    private static final long NO_SKIP = Long.MIN_VALUE;

    private final CompiledCron cron;
    private final ZoneId zone;
    private final ZoneRules rules;
    private final boolean shift;
    private final boolean first;
    private final boolean second;

    ReferenceCron(final CronSchedule schedule)
    {
        this.cron = schedule.compiled();
        this.zone = schedule.zone();
        this.rules = zone.getRules();
        final boolean interval = schedule.intervalLike();
        final DstPolicy policy = schedule.dstPolicy();
        this.shift = !interval && policy.gap() == DstPolicy.Gap.SHIFT;
        this.first = interval || policy.overlap() != DstPolicy.Overlap.SECOND;
        this.second = interval || policy.overlap() != DstPolicy.Overlap.FIRST;
    }

    /**
     * @return the first fire instant (epoch seconds) strictly after {@code afterSecond} and at most
     * {@code horizonSecond}, or {@link #NONE}.
     */
    long nextAfter(final long afterSecond, final long horizonSecond)
    {
        long t = Math.floorDiv(afterSecond, 60) * 60;
        ZoneOffsetTransition transition = rules.nextTransition(Instant.ofEpochSecond(t - 1));
        while (t <= horizonSecond)
        {
            while (transition != null && transition.toEpochSecond() < t)
            {
                transition = rules.nextTransition(transition.getInstant());
            }
            final long nextTransition = transition == null ? Long.MAX_VALUE : transition.toEpochSecond();
            if (nextTransition == t && transition.isGap() && shift && t > afterSecond && gapHasMatch(transition))
            {
                return t;
            }
            final ZoneOffset offset = rules.getOffset(Instant.ofEpochSecond(t));
            final LocalDateTime local = LocalDateTime.ofEpochSecond(t, 0, offset);
            long skipTo = NO_SKIP;
            if (!dayMatches(local.toLocalDate()))
            {
                skipTo = ZonedDateTime.ofLocal(local.toLocalDate().plusDays(1).atStartOfDay(), zone, offset).toEpochSecond();
            }
            else if (!bit(cron.hours, local.getHour()))
            {
                skipTo = t + (60 - local.getMinute()) * 60L;
            }
            if (skipTo != NO_SKIP)
            {
                long target = Math.max(t + 60, skipTo);
                if (nextTransition > t && nextTransition < target)
                {
                    target = nextTransition;
                }
                t = target;
                continue;
            }
            if (bit(cron.minutes, local.getMinute()))
            {
                for (int s = 0; s < 60; s++)
                {
                    if (bit(cron.seconds, s) && t + s > afterSecond && occurrenceAllowed(local.plusSeconds(s), offset))
                    {
                        return t + s;
                    }
                }
            }
            t += 60;
        }
        return NONE;
    }

    private boolean occurrenceAllowed(final LocalDateTime local, final ZoneOffset offset)
    {
        final List<ZoneOffset> valid = rules.getValidOffsets(local);
        if (valid.size() == 2)
        {
            return offset.equals(valid.get(0)) ? first : second;
        }
        return true;
    }

    private boolean gapHasMatch(final ZoneOffsetTransition gap)
    {
        for (LocalDateTime l = gap.getDateTimeBefore(); l.isBefore(gap.getDateTimeAfter()); l = l.plusMinutes(1))
        {
            if (dayMatches(l.toLocalDate()) && bit(cron.hours, l.getHour()) && bit(cron.minutes, l.getMinute()) &&
                cron.seconds != 0)
            {
                return true;
            }
        }
        return false;
    }

    /** The day rules, written out with java.time. */
    boolean dayMatches(final LocalDate date)
    {
        if (!cron.yearAllowed(date.getYear()) || !bit(cron.months, date.getMonthValue()))
        {
            return false;
        }
        final int d = date.getDayOfMonth();
        final int length = date.lengthOfMonth();
        boolean dom = bit(cron.daysOfMonth, d) || (cron.lastDay && d == length);
        for (int n = 0; n <= 30; n++)
        {
            dom |= bit(cron.lastDayOffsets, n) && d == length - n;
        }
        for (int n = 0; n < length; n++)
        {
            if (bit(cron.lastWeekdayOffsets, n))
            {
                dom |= nearestWeekday(date.withDayOfMonth(length - n)).equals(date); // LW is L-0W
            }
        }
        for (int n = 1; n <= length; n++)
        {
            if (bit(cron.nearestWeekdays, n))
            {
                dom |= nearestWeekday(date.withDayOfMonth(n)).equals(date);
            }
        }
        final int w = date.getDayOfWeek().getValue() % 7;
        boolean dow = bit(cron.daysOfWeek, w);
        dow |= bit(cron.lastDows, w) && date.plusWeeks(1).getMonthValue() != date.getMonthValue();
        dow |= bit(cron.nthDows, w * 5 + (d - 1) / 7);
        return cron.daysOred ? dom || dow : dom && dow;
    }

    /** Quartz: the weekday nearest to the date, never leaving its month. */
    private static LocalDate nearestWeekday(final LocalDate date)
    {
        if (date.getDayOfWeek() == DayOfWeek.SATURDAY)
        {
            return date.getDayOfMonth() == 1 ? date.plusDays(2) : date.minusDays(1);
        }
        if (date.getDayOfWeek() == DayOfWeek.SUNDAY)
        {
            return date.getDayOfMonth() == date.lengthOfMonth() ? date.minusDays(2) : date.plusDays(1);
        }
        return date;
    }

    private static boolean bit(final long bits, final int index)
    {
        return index >= 0 && index < 64 && (bits >>> index & 1) != 0;
    }
}
