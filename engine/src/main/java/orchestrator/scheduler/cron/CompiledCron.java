package orchestrator.scheduler.cron;

/**
 * Immutable, so safe to share between threads: a cron expression compiled to bit sets, which finds the next
 * matching local date-time by epoch arithmetic without allocating.
 */
final class CompiledCron
{
    /* Local date-times are counted as "local epoch seconds": seconds since 1970-01-01T00:00 of the local calendar,
     * with no zone. The search walks year -> month -> day -> hour -> minute -> second, taking the next set bit at
     * each level and carrying into the level above when a level has none left, so it visits at most a few
     * positions per level. The day level is one 31-bit mask per month from MonthDays, built from the day-of-month and
     * day-of-week rules for that month (L, L-n, nW, LW, L-nW, nL, n#m included), then ANDed, or ORed for UNIX when
     * neither field starts with '*'. Civil date conversion is Howard Hinnant's days_from_civil / civil_from_days
     * (CivilDays). Without a year field the calendar repeats every 400 years, so a search that passes 400 years finds
     * nothing and the expression never fires. FireCount counts matches over a range by the same calendar. */

    /** Returned when no local date-time matches. */
    static final long NEVER = Long.MAX_VALUE;

    /** Days in the 400-year Gregorian cycle, after which dates fall on the same weekdays again. */
    static final long CYCLE_DAYS = 146_097L;

    private static final int SEARCH_YEARS = 401;
    private static final int FIRST_YEAR = CronField.YEAR.min;
    private static final long SECONDS_PER_DAY = 86_400L;

    final long seconds;
    final long minutes;
    final long hours;
    final long daysOfMonth;
    final long months;
    final long daysOfWeek;
    /** Bit (year - 1970) for each allowed year, or null for any year. */
    final long[] years;
    final boolean daysOred;
    final boolean lastDay;
    final long lastDayOffsets;
    final long nearestWeekdays;
    /** Bit n: the weekday nearest to day (length - n); bit 0 is 'LW'. */
    final long lastWeekdayOffsets;
    final long lastDows;
    final long nthDows;
    final boolean domSpecials;
    final boolean dowSpecials;
    /** Matching times of day in a matching day. */
    final long matchesPerDay;
    /** Every day of every year matches, so counting needs no calendar. */
    final boolean everyDay;
    /** For each weekday w of the 1st of a month, the days 1-31 whose weekday is in {@link #daysOfWeek}. */
    final long[] dowDaysByFirstWeekday;

    CompiledCron(
        final long seconds,
        final long minutes,
        final long hours,
        final long daysOfMonth,
        final long months,
        final long daysOfWeek,
        final long[] years,
        final boolean daysOred,
        final boolean lastDay,
        final long lastDayOffsets,
        final long nearestWeekdays,
        final long lastWeekdayOffsets,
        final long lastDows,
        final long nthDows)
    {
        this.seconds = seconds;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        this.daysOfWeek = daysOfWeek;
        this.years = years;
        this.daysOred = daysOred;
        this.lastDay = lastDay;
        this.lastDayOffsets = lastDayOffsets;
        this.nearestWeekdays = nearestWeekdays;
        this.lastWeekdayOffsets = lastWeekdayOffsets;
        this.lastDows = lastDows;
        this.nthDows = nthDows;
        this.domSpecials = lastDay || lastDayOffsets != 0 || nearestWeekdays != 0 || lastWeekdayOffsets != 0;
        this.dowSpecials = lastDows != 0 || nthDows != 0;
        this.dowDaysByFirstWeekday = MonthDays.byFirstWeekday(daysOfWeek);
        this.matchesPerDay = (long)Long.bitCount(hours) * Long.bitCount(minutes) * Long.bitCount(seconds);
        final long allDays = 0xFFFF_FFFEL; // bits 1-31
        this.everyDay = years == null && (months & 0x1FFEL) == 0x1FFEL && !domSpecials && !dowSpecials &&
            (daysOred ? (daysOfMonth & allDays) == allDays || (daysOfWeek & 0x7F) == 0x7F :
                (daysOfMonth & allDays) == allDays && (daysOfWeek & 0x7F) == 0x7F);
    }

    /**
     * @param localSecond a local date-time as local epoch seconds.
     * @return the first matching local date-time at or after it, or {@link #NEVER}.
     */
    long nextOrSame(final long localSecond)
    {
        final long epochDay = Math.floorDiv(localSecond, 86_400L);
        final int secondOfDay = (int)(localSecond - epochDay * 86_400L);
        int h = secondOfDay / 3600;
        int mi = secondOfDay / 60 % 60;
        int s = secondOfDay % 60;

        final long date = CivilDays.civilFromDays(epochDay);
        long y = date >> 9;
        int m = (int)(date >> 5 & 15);
        int d = (int)(date & 31);

        final long[] years = this.years;
        final long lastYear = years == null ? y + SEARCH_YEARS : CronField.YEAR.max;
        final long months = this.months;
        final long hours = this.hours;
        final long minutes = this.minutes;
        final long seconds = this.seconds;

        monthLoop:
        for (;;)
        {
            if (y > lastYear)
            {
                return NEVER;
            }
            if (years != null && !yearAllowed(years, y))
            {
                final long next = nextYear(years, y);
                if (next < 0)
                {
                    return NEVER;
                }
                y = next;
                m = 1;
                d = 1;
                h = 0;
                mi = 0;
                s = 0;
            }
            final long monthBits = months & (-1L << m);
            if (monthBits == 0)
            {
                y++;
                m = 1;
                d = 1;
                h = 0;
                mi = 0;
                s = 0;
                continue;
            }
            final int nextMonth = Long.numberOfTrailingZeros(monthBits);
            if (nextMonth != m)
            {
                m = nextMonth;
                d = 1;
                h = 0;
                mi = 0;
                s = 0;
            }
            final long firstDay = CivilDays.daysFromCivil(y, m, 1);
            final long dayBits = MonthDays.dayMask(this, y, m, (int)Math.floorMod(firstDay + 4, 7L));
            for (;;)
            {
                final long candidates = dayBits & (-1L << d);
                if (candidates == 0)
                {
                    m++;
                    d = 1;
                    h = 0;
                    mi = 0;
                    s = 0;
                    continue monthLoop;
                }
                final int nextDay = Long.numberOfTrailingZeros(candidates);
                if (nextDay != d)
                {
                    d = nextDay;
                    h = 0;
                    mi = 0;
                    s = 0;
                }
                for (;;)
                {
                    final long hourBits = hours & (-1L << h);
                    if (hourBits == 0)
                    {
                        break;
                    }
                    final int nextHour = Long.numberOfTrailingZeros(hourBits);
                    if (nextHour != h)
                    {
                        h = nextHour;
                        mi = 0;
                        s = 0;
                    }
                    final long minuteBits = minutes & (-1L << mi);
                    if (minuteBits == 0)
                    {
                        h++;
                        mi = 0;
                        s = 0;
                        continue;
                    }
                    final int nextMinute = Long.numberOfTrailingZeros(minuteBits);
                    if (nextMinute != mi)
                    {
                        mi = nextMinute;
                        s = 0;
                    }
                    final long secondBits = seconds & (-1L << s);
                    if (secondBits == 0)
                    {
                        mi++;
                        s = 0;
                        continue;
                    }
                    s = Long.numberOfTrailingZeros(secondBits);
                    return (firstDay + d - 1) * 86_400L + h * 3600L + mi * 60L + s;
                }
                d++;
                h = 0;
                mi = 0;
                s = 0;
            }
        }
    }

    /**
     * @return the last matching local date-time (local epoch seconds) of an expression with a year field, or
     * {@link Long#MIN_VALUE} when none matches or there is no year field.
     */
    long lastMatch()
    {
        if (years == null || matchesPerDay == 0)
        {
            return Long.MIN_VALUE;
        }
        for (long y = CronField.YEAR.max; y >= FIRST_YEAR; y--)
        {
            if (!yearAllowed(years, y))
            {
                continue;
            }
            for (int m = 12; m >= 1; m--)
            {
                if ((months >>> m & 1) == 0)
                {
                    continue;
                }
                final long firstDay = CivilDays.daysFromCivil(y, m, 1);
                final long dayBits = MonthDays.dayMask(this, y, m, (int)Math.floorMod(firstDay + 4, 7L));
                if (dayBits != 0)
                {
                    final int d = 63 - Long.numberOfLeadingZeros(dayBits);
                    return (firstDay + d - 1) * SECONDS_PER_DAY + (63 - Long.numberOfLeadingZeros(hours)) * 3600L +
                        (63 - Long.numberOfLeadingZeros(minutes)) * 60L + 63 - Long.numberOfLeadingZeros(seconds);
                }
            }
        }
        return Long.MIN_VALUE;
    }

    /** @return true when the year matches the year field. */
    boolean yearAllowed(final long y)
    {
        return years == null || yearAllowed(years, y);
    }

    static boolean yearAllowed(final long[] years, final long y)
    {
        final long index = y - FIRST_YEAR;
        return index >= 0 && index < (long)years.length * 64 && (years[(int)(index >>> 6)] >>> index & 1) != 0;
    }

    static long nextYear(final long[] years, final long y)
    {
        for (long index = Math.max(0, y - FIRST_YEAR); index < (long)years.length * 64; index++)
        {
            if ((years[(int)(index >>> 6)] >>> index & 1) != 0)
            {
                return FIRST_YEAR + index;
            }
        }
        return -1;
    }
}
