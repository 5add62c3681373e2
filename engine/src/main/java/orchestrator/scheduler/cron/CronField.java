package orchestrator.scheduler.cron;

/**
 * Immutable enum, safe from any thread: the fields of a cron expression, with their names in messages and ranges.
 */
enum CronField
{
    SECOND("second", 0, 59, 0, 59),
    MINUTE("minute", 0, 59, 0, 59),
    HOUR("hour", 0, 23, 0, 23),
    DAY_OF_MONTH("day-of-month", 1, 31, 1, 28),
    MONTH("month", 1, 12, 1, 12),
    DAY_OF_WEEK("day-of-week", 0, 7, 0, 6),
    YEAR("year", 1970, 2099, 1970, 2099);

    /** Name used in error messages, e.g. "day-of-month". */
    final String label;
    /** Smallest value written in the UNIX and SPRING dialects. */
    final int min;
    /** Largest value written in the UNIX and SPRING dialects. */
    final int max;
    /** Smallest value a bare {@code H} may pick. */
    final int hashMin;
    /** Largest value a bare {@code H} may pick (day-of-month stops at 28 so that every month has it). */
    final int hashMax;

    CronField(final String label, final int min, final int max, final int hashMin, final int hashMax)
    {
        this.label = label;
        this.min = min;
        this.max = max;
        this.hashMin = hashMin;
        this.hashMax = hashMax;
    }
}
