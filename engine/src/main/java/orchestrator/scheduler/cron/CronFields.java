package orchestrator.scheduler.cron;

import java.util.BitSet;

/**
 * Immutable, so safe to share between threads: a parsed expression, field by field, before {@code H} atoms are
 * bound to a task name; {@link #compile(long)} turns it into the form that computes fire times.
 */
final class CronFields
{
    final String expression;
    final CronDialect dialect;
    /** Indexed by {@link CronField#ordinal()}; every field present (implicit second 0, any year). */
    final FieldSpec[] specs;

    CronFields(final String expression, final CronDialect dialect, final FieldSpec[] specs)
    {
        this.expression = expression;
        this.dialect = dialect;
        this.specs = specs;
    }

    FieldSpec spec(final CronField field)
    {
        return specs[field.ordinal()];
    }

    boolean hasHash()
    {
        for (final FieldSpec spec : specs)
        {
            if (spec.hasHash())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return true when the hour field is a wildcard or a step ({@code *}, {@code *}{@code /2}, {@code 1-23/2},
     * {@code H/3}): such a job is interval-like across DST changes whatever the policy.
     */
    boolean intervalLike()
    {
        final String hour = spec(CronField.HOUR).text;
        return hour.startsWith("*") || hour.indexOf('/') >= 0;
    }

    /** @return true when day-of-month and day-of-week are ORed: UNIX, and neither field starts with '*'. */
    boolean daysOred()
    {
        return dialect == CronDialect.UNIX && !spec(CronField.DAY_OF_MONTH).star && !spec(CronField.DAY_OF_WEEK).star;
    }

    /**
     * @param taskHash the hash of the task name ({@link TaskHash#of(String)}); ignored when there is no H atom.
     * @return the compiled form.
     */
    CompiledCron compile(final long taskHash)
    {
        final BitSet years = spec(CronField.YEAR).bind(taskHash);
        final boolean anyYear = years.cardinality() == CronField.YEAR.max - CronField.YEAR.min + 1 &&
            spec(CronField.YEAR).text.equals("*");
        final FieldSpec dom = spec(CronField.DAY_OF_MONTH);
        final FieldSpec dow = spec(CronField.DAY_OF_WEEK);
        return new CompiledCron(
            bits(spec(CronField.SECOND).bind(taskHash)),
            bits(spec(CronField.MINUTE).bind(taskHash)),
            bits(spec(CronField.HOUR).bind(taskHash)),
            bits(dom.bind(taskHash)),
            bits(spec(CronField.MONTH).bind(taskHash)),
            bits(dow.bind(taskHash)),
            anyYear ? null : years.toLongArray(),
            daysOred(),
            dom.lastDay, dom.lastDayOffsets, dom.nearestWeekdays, dom.lastWeekdayOffsets,
            dow.lastDows, dow.nthDows);
    }

    private static long bits(final BitSet set)
    {
        final long[] words = set.toLongArray();
        return words.length == 0 ? 0 : words[0];
    }
}
