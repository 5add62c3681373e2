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
     * positions per level. The day level is one 31-bit mask per month, built from the day-of-month and
     * day-of-week rules for that month (L, L-n, nW, LW, L-nW, nL, n#m included), then ANDed, or ORed for UNIX when
     * neither field starts with '*'. Civil date conversion is Howard Hinnant's days_from_civil / civil_from_days.
     * Without a year field the calendar repeats every 400 years, so a search that passes 400 years finds nothing
     * and the expression never fires.
     * Counting (countBetween) is the same calendar walked a month at a time instead of a fire at a time: a matching
     * day holds popcount(hours) * popcount(minutes) * popcount(seconds) matches, a partial day at either end is
     * counted from prefix popcounts of the bit sets, and without a year field whole 400-year cycles (146,097 days,
     * a whole number of weeks) are counted once and multiplied. */

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
    private final boolean domSpecials;
    private final boolean dowSpecials;
    /** Matching times of day in a matching day. */
    private final long matchesPerDay;
    /** Every day of every year matches, so counting needs no calendar. */
    private final boolean everyDay;
    /** For each weekday w of the 1st of a month, the days 1-31 whose weekday is in {@link #daysOfWeek}. */
    private final long[] dowDaysByFirstWeekday = new long[7];

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
        for (int first = 0; first < 7; first++)
        {
            long mask = 0;
            for (int day = 1; day <= 31; day++)
            {
                if ((daysOfWeek >>> ((first + day - 1) % 7) & 1) != 0)
                {
                    mask |= 1L << day;
                }
            }
            dowDaysByFirstWeekday[first] = mask;
        }
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

        // civil_from_days
        final long z = epochDay + 719_468L;
        final long era = Math.floorDiv(z, 146_097L);
        final long doe = z - era * 146_097L;
        final long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        final long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        final long mp = (5 * doy + 2) / 153;
        int d = (int)(doy - (153 * mp + 2) / 5 + 1);
        int m = (int)(mp < 10 ? mp + 3 : mp - 9);
        long y = yoe + era * 400 + (m <= 2 ? 1 : 0);

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
            final long firstDay = daysFromCivil(y, m, 1);
            final long dayBits = dayMask(y, m, (int)Math.floorMod(firstDay + 4, 7L));
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
     * Counts without visiting each match: cost grows with the months in the range (capped by the 400-year cycle when
     * there is no year field), not with the matches. Allocates nothing.
     *
     * @param fromLocal the first local date-time counted, as local epoch seconds.
     * @param toLocal   the local date-time where counting stops, exclusive.
     * @return the number of matching local date-times l with fromLocal <= l < toLocal; 0 when toLocal <= fromLocal.
     */
    long countBetween(final long fromLocal, final long toLocal)
    {
        if (toLocal <= fromLocal || matchesPerDay == 0)
        {
            return 0;
        }
        final long fromDay = Math.floorDiv(fromLocal, SECONDS_PER_DAY);
        final long toDay = Math.floorDiv(toLocal, SECONDS_PER_DAY);
        // whole days [fromDay, toDay), less the part of fromDay before fromLocal, plus the part of toDay before toLocal
        long count = matchingDays(fromDay, toDay) * matchesPerDay;
        count -= matchesBefore(fromDay, (int)(fromLocal - fromDay * SECONDS_PER_DAY));
        count += matchesBefore(toDay, (int)(toLocal - toDay * SECONDS_PER_DAY));
        return count;
    }

    /** @return the matches on the given day strictly before the given second of that day. */
    private long matchesBefore(final long epochDay, final int secondOfDay)
    {
        if (secondOfDay == 0 || !dayMatches(epochDay))
        {
            return 0;
        }
        final long hours = this.hours;
        final long minutes = this.minutes;
        final long seconds = this.seconds;
        final int h = secondOfDay / 3600;
        final int mi = secondOfDay / 60 % 60;
        final int s = secondOfDay % 60;
        final long perMinute = Long.bitCount(seconds);
        final long perHour = Long.bitCount(minutes) * perMinute;
        long count = Long.bitCount(hours & ((1L << h) - 1)) * perHour;
        if ((hours >>> h & 1) != 0)
        {
            count += Long.bitCount(minutes & ((1L << mi) - 1)) * perMinute;
            if ((minutes >>> mi & 1) != 0)
            {
                count += Long.bitCount(seconds & ((1L << s) - 1));
            }
        }
        return count;
    }

    /** @return true when the date matches the year, month and day rules. */
    private boolean dayMatches(final long epochDay)
    {
        if (everyDay)
        {
            return true;
        }
        final long date = civilFromDays(epochDay);
        final long y = date >> 9;
        final int m = (int)(date >> 5 & 15);
        final int d = (int)(date & 31);
        if ((months >>> m & 1) == 0 || !yearAllowed(y))
        {
            return false;
        }
        return (dayMask(y, m, (int)Math.floorMod(epochDay - d + 1 + 4, 7L)) >>> d & 1) != 0;
    }

    /**
     * @param fromDay the first epoch day counted.
     * @param toDay   the epoch day where counting stops, exclusive.
     * @return the number of matching dates in [fromDay, toDay).
     */
    private long matchingDays(final long fromDay, final long toDay)
    {
        if (toDay <= fromDay)
        {
            return 0;
        }
        if (everyDay)
        {
            return toDay - fromDay;
        }
        long count = 0;
        long day = fromDay;
        if (years == null && toDay - day >= 2 * CYCLE_DAYS)
        {
            final long cycles = (toDay - day) / CYCLE_DAYS;
            count = cycles * matchingDays(0, CYCLE_DAYS);
            day += cycles * CYCLE_DAYS;
        }
        final long date = civilFromDays(day);
        long y = date >> 9;
        int m = (int)(date >> 5 & 15);
        int d = (int)(date & 31);

        final long[] years = this.years;
        final long months = this.months;
        for (;;)
        {
            if (years != null && !yearAllowed(years, y))
            {
                final long next = nextYear(years, y);
                if (next < 0)
                {
                    return count;
                }
                y = next;
                m = 1;
                d = 1;
            }
            final long firstOfMonth = daysFromCivil(y, m, 1);
            if (firstOfMonth >= toDay)
            {
                return count;
            }
            if ((months >>> m & 1) != 0)
            {
                final long dayBits = dayMask(y, m, (int)Math.floorMod(firstOfMonth + 4, 7L));
                final long lastDay = Math.min(31, toDay - firstOfMonth); // day lastDay is epoch day firstOfMonth + lastDay - 1
                count += Long.bitCount(dayBits & (-1L << d) & ((2L << lastDay) - 1));
            }
            d = 1;
            if (++m > 12)
            {
                m = 1;
                y++;
            }
        }
    }

    /**
     * @param y         the year.
     * @param m         the month, 1-12.
     * @param firstDow  the weekday of the 1st, 0 = Sunday.
     * @return bit d set for each day d of that month matching the day-of-month and day-of-week rules.
     */
    long dayMask(final long y, final int m, final int firstDow)
    {
        final int length = monthLength(y, m);
        final long lengthMask = (1L << (length + 1)) - 2;
        long dom = daysOfMonth;
        if (domSpecials)
        {
            dom |= domSpecialDays(length, firstDow);
        }
        long dow = dowDaysByFirstWeekday[firstDow];
        if (dowSpecials)
        {
            dow |= dowSpecialDays(length, firstDow);
        }
        return (daysOred ? dom | dow : dom & dow) & lengthMask;
    }

    private long domSpecialDays(final int length, final int firstDow)
    {
        long days = 0;
        if (lastDay)
        {
            days |= 1L << length;
        }
        for (long offsets = lastDayOffsets; offsets != 0; offsets &= offsets - 1)
        {
            final int day = length - Long.numberOfTrailingZeros(offsets);
            if (day >= 1)
            {
                days |= 1L << day;
            }
        }
        for (long offsets = lastWeekdayOffsets; offsets != 0; offsets &= offsets - 1)
        {
            final int day = length - Long.numberOfTrailingZeros(offsets);
            if (day >= 1)
            {
                days |= 1L << nearestWeekday(day, length, firstDow);
            }
        }
        for (long nearest = nearestWeekdays; nearest != 0; nearest &= nearest - 1)
        {
            final int day = Long.numberOfTrailingZeros(nearest);
            if (day > length)
            {
                break;
            }
            days |= 1L << nearestWeekday(day, length, firstDow);
        }
        return days;
    }

    /**
     * @return the weekday nearest to the day, never leaving the month (Quartz 'W'): a Saturday moves to the Friday
     * before, or to Monday the 3rd when it is the 1st; a Sunday to the Monday after, or to the Friday before when it is
     * the last day.
     */
    private static int nearestWeekday(final int day, final int length, final int firstDow)
    {
        final int dow = (firstDow + day - 1) % 7;
        if (dow == 6)
        {
            return day == 1 ? 3 : day - 1;
        }
        if (dow == 0)
        {
            return day == length ? day - 2 : day + 1;
        }
        return day;
    }

    private long dowSpecialDays(final int length, final int firstDow)
    {
        long days = 0;
        final int lastDow = (firstDow + length - 1) % 7;
        for (long last = lastDows; last != 0; last &= last - 1)
        {
            final int w = Long.numberOfTrailingZeros(last);
            days |= 1L << (length - (lastDow - w + 7) % 7);
        }
        for (long nth = nthDows; nth != 0; nth &= nth - 1)
        {
            final int bit = Long.numberOfTrailingZeros(nth);
            final int day = 1 + (bit / 5 - firstDow + 7) % 7 + 7 * (bit % 5);
            if (day <= length)
            {
                days |= 1L << day;
            }
        }
        return days;
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
                final long firstDay = daysFromCivil(y, m, 1);
                final long dayBits = dayMask(y, m, (int)Math.floorMod(firstDay + 4, 7L));
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

    private static boolean yearAllowed(final long[] years, final long y)
    {
        final long index = y - FIRST_YEAR;
        return index >= 0 && index < (long)years.length * 64 && (years[(int)(index >>> 6)] >>> index & 1) != 0;
    }

    private static long nextYear(final long[] years, final long y)
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

    static int monthLength(final long y, final int m)
    {
        if (m == 2)
        {
            return (y & 3) == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28;
        }
        return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
    }

    /** @return the proleptic Gregorian date of an epoch day (civil_from_days) as year << 9 | month << 5 | day. */
    private static long civilFromDays(final long epochDay)
    {
        final long z = epochDay + 719_468L;
        final long era = Math.floorDiv(z, 146_097L);
        final long doe = z - era * 146_097L;
        final long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        final long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        final long mp = (5 * doy + 2) / 153;
        final long d = doy - (153 * mp + 2) / 5 + 1;
        final long m = mp < 10 ? mp + 3 : mp - 9;
        final long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
        return y << 9 | m << 5 | d;
    }

    /** @return the epoch day of a proleptic Gregorian date (days_from_civil). */
    static long daysFromCivil(final long year, final int m, final int d)
    {
        final long y = m <= 2 ? year - 1 : year;
        final long era = Math.floorDiv(y, 400L);
        final long yoe = y - era * 400;
        final long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        final long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468L;
    }
}
