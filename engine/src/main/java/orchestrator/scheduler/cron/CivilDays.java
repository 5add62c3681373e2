package orchestrator.scheduler.cron;

/**
 * Stateless, safe from any thread: proleptic Gregorian calendar arithmetic on epoch days, allocation free.
 */
final class CivilDays
{
    /* Howard Hinnant's days_from_civil / civil_from_days: March-based years of 365 or 366 days, grouped in 400-year
     * eras of 146,097 days, so that the leap day falls at the end of a year and the month lengths follow a linear
     * formula. */

    private CivilDays()
    {
    }

    /** @return the number of days in month m (1-12) of year y. */
    static int monthLength(final long y, final int m)
    {
        if (m == 2)
        {
            return (y & 3) == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28;
        }
        return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
    }

    /** @return the proleptic Gregorian date of an epoch day (civil_from_days) as year << 9 | month << 5 | day. */
    static long civilFromDays(final long epochDay)
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
