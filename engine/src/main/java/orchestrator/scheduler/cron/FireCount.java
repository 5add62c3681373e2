package orchestrator.scheduler.cron;

/**
 * Stateless, safe from any thread: counts the matches of a {@link CompiledCron} in a range of local date-times
 * without visiting each match, and without allocating.
 */
final class FireCount
{
    /* Counting is the calendar of CompiledCron.nextOrSame walked a month at a time instead of a fire at a time: a
     * matching day holds popcount(hours) * popcount(minutes) * popcount(seconds) matches, a partial day at either end
     * is counted from prefix popcounts of the bit sets, and without a year field whole 400-year cycles (146,097 days,
     * a whole number of weeks) are counted once and multiplied. */

    private static final long SECONDS_PER_DAY = 86_400L;

    private FireCount()
    {
    }

    /**
     * Counts without visiting each match: cost grows with the months in the range (capped by the 400-year cycle when
     * there is no year field), not with the matches. Allocates nothing.
     *
     * @param cron      the compiled expression.
     * @param fromLocal the first local date-time counted, as local epoch seconds.
     * @param toLocal   the local date-time where counting stops, exclusive.
     * @return the number of matching local date-times l with fromLocal <= l < toLocal; 0 when toLocal <= fromLocal.
     */
    static long countBetween(final CompiledCron cron, final long fromLocal, final long toLocal)
    {
        if (toLocal <= fromLocal || cron.matchesPerDay == 0)
        {
            return 0;
        }
        final long fromDay = Math.floorDiv(fromLocal, SECONDS_PER_DAY);
        final long toDay = Math.floorDiv(toLocal, SECONDS_PER_DAY);
        // whole days [fromDay, toDay), less the part of fromDay before fromLocal, plus the part of toDay before toLocal
        long count = matchingDays(cron, fromDay, toDay) * cron.matchesPerDay;
        count -= matchesBefore(cron, fromDay, (int)(fromLocal - fromDay * SECONDS_PER_DAY));
        count += matchesBefore(cron, toDay, (int)(toLocal - toDay * SECONDS_PER_DAY));
        return count;
    }

    /** @return the matches on the given day strictly before the given second of that day. */
    private static long matchesBefore(final CompiledCron cron, final long epochDay, final int secondOfDay)
    {
        if (secondOfDay == 0 || !dayMatches(cron, epochDay))
        {
            return 0;
        }
        final long hours = cron.hours;
        final long minutes = cron.minutes;
        final long seconds = cron.seconds;
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
    private static boolean dayMatches(final CompiledCron cron, final long epochDay)
    {
        if (cron.everyDay)
        {
            return true;
        }
        final long date = CivilDays.civilFromDays(epochDay);
        final long y = date >> 9;
        final int m = (int)(date >> 5 & 15);
        final int d = (int)(date & 31);
        if ((cron.months >>> m & 1) == 0 || !cron.yearAllowed(y))
        {
            return false;
        }
        return (MonthDays.dayMask(cron, y, m, (int)Math.floorMod(epochDay - d + 1 + 4, 7L)) >>> d & 1) != 0;
    }

    /**
     * @param cron    the compiled expression.
     * @param fromDay the first epoch day counted.
     * @param toDay   the epoch day where counting stops, exclusive.
     * @return the number of matching dates in [fromDay, toDay).
     */
    private static long matchingDays(final CompiledCron cron, final long fromDay, final long toDay)
    {
        if (toDay <= fromDay)
        {
            return 0;
        }
        if (cron.everyDay)
        {
            return toDay - fromDay;
        }
        final long[] years = cron.years;
        long count = 0;
        long day = fromDay;
        if (years == null && toDay - day >= 2 * CompiledCron.CYCLE_DAYS)
        {
            final long cycles = (toDay - day) / CompiledCron.CYCLE_DAYS;
            count = cycles * matchingDays(cron, 0, CompiledCron.CYCLE_DAYS);
            day += cycles * CompiledCron.CYCLE_DAYS;
        }
        final long date = CivilDays.civilFromDays(day);
        long y = date >> 9;
        int m = (int)(date >> 5 & 15);
        int d = (int)(date & 31);

        final long months = cron.months;
        for (;;)
        {
            if (years != null && !CompiledCron.yearAllowed(years, y))
            {
                final long next = CompiledCron.nextYear(years, y);
                if (next < 0)
                {
                    return count;
                }
                y = next;
                m = 1;
                d = 1;
            }
            final long firstOfMonth = CivilDays.daysFromCivil(y, m, 1);
            if (firstOfMonth >= toDay)
            {
                return count;
            }
            if ((months >>> m & 1) != 0)
            {
                final long dayBits = MonthDays.dayMask(cron, y, m, (int)Math.floorMod(firstOfMonth + 4, 7L));
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
}
