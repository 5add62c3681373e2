package orchestrator.scheduler.cron;

/**
 * Stateless, safe from any thread: the days of one month that match the day-of-month and day-of-week rules of a
 * {@link CompiledCron}, as a bit mask, computed without allocating.
 */
final class MonthDays
{
    /* A month's mask is built from the plain day-of-month bits and the weekday bits laid over the month by the weekday
     * of its 1st (precomputed for the seven possible 1sts), plus the special days of each field: L, L-n, nW, LW, L-nW
     * for day-of-month, nL and n#m for day-of-week. The two fields are then ANDed, or ORed for UNIX when neither
     * field starts with '*', and cut to the month's length. */

    private MonthDays()
    {
    }

    /**
     * @param daysOfWeek the day-of-week bits, bit 0 = Sunday.
     * @return for each weekday w of the 1st of a month (0 = Sunday), the days 1-31 whose weekday is in daysOfWeek.
     */
    static long[] byFirstWeekday(final long daysOfWeek)
    {
        final long[] masks = new long[7];
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
            masks[first] = mask;
        }
        return masks;
    }

    /**
     * @param cron      the compiled expression.
     * @param y         the year.
     * @param m         the month, 1-12.
     * @param firstDow  the weekday of the 1st, 0 = Sunday.
     * @return bit d set for each day d of that month matching the day-of-month and day-of-week rules.
     */
    static long dayMask(final CompiledCron cron, final long y, final int m, final int firstDow)
    {
        final int length = CivilDays.monthLength(y, m);
        final long lengthMask = (1L << (length + 1)) - 2;
        long dom = cron.daysOfMonth;
        if (cron.domSpecials)
        {
            dom |= domSpecialDays(cron, length, firstDow);
        }
        long dow = cron.dowDaysByFirstWeekday[firstDow];
        if (cron.dowSpecials)
        {
            dow |= dowSpecialDays(cron, length, firstDow);
        }
        return (cron.daysOred ? dom | dow : dom & dow) & lengthMask;
    }

    private static long domSpecialDays(final CompiledCron cron, final int length, final int firstDow)
    {
        long days = 0;
        if (cron.lastDay)
        {
            days |= 1L << length;
        }
        for (long offsets = cron.lastDayOffsets; offsets != 0; offsets &= offsets - 1)
        {
            final int day = length - Long.numberOfTrailingZeros(offsets);
            if (day >= 1)
            {
                days |= 1L << day;
            }
        }
        for (long offsets = cron.lastWeekdayOffsets; offsets != 0; offsets &= offsets - 1)
        {
            final int day = length - Long.numberOfTrailingZeros(offsets);
            if (day >= 1)
            {
                days |= 1L << nearestWeekday(day, length, firstDow);
            }
        }
        for (long nearest = cron.nearestWeekdays; nearest != 0; nearest &= nearest - 1)
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

    private static long dowSpecialDays(final CompiledCron cron, final int length, final int firstDow)
    {
        long days = 0;
        final int lastDow = (firstDow + length - 1) % 7;
        for (long last = cron.lastDows; last != 0; last &= last - 1)
        {
            final int w = Long.numberOfTrailingZeros(last);
            days |= 1L << (length - (lastDow - w + 7) % 7);
        }
        for (long nth = cron.nthDows; nth != 0; nth &= nth - 1)
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
}
