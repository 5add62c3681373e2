package orchestrator.scheduler.cron;

import java.util.BitSet;

/**
 * Stateless, safe from any thread: decides whether a six-field expression given without a dialect may be read as
 * SPRING, or means something else to Quartz and must be refused until the caller names the dialect.
 */
final class SixFieldGuess
{
    /* Six fields are both Spring's form and Quartz's form without a year, and the two number the days of the week
     * differently: Spring (like the cron daemon) 0-7 with 0 and 7 = Sunday, Quartz 1-7 with 1 = Sunday. So a
     * Quartz user's '0 0 12 ? * 2' (Monday) would silently fire on Tuesdays if read as SPRING. The guess compares
     * the two readings instead of looking for particular syntax: when both dialects accept the text and every field
     * selects the same values and day rules, the text means the same in both and SPRING is as good as QUARTZ;
     * otherwise it is refused. Quartz accepts only expressions with '?' in exactly one of day-of-month and
     * day-of-week, so the common Spring forms ('0 0/5 * * * *', '0 0 9 * * MON-FRI') are recognised as
     * unambiguous without a second parse (and without an exception per call). Day names, '*', '?', 'L', 'LW', 'nW',
     * 'MON#2', 'FRIL' read the same in both; numbers, steps (a step on '*' starts from Monday in Spring, from Sunday
     * in Quartz) and a lone 'L' (Saturday in Quartz, refused by Spring) do not. */

    private static final String[] DAY_NAMES = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    private SixFieldGuess()
    {
    }

    /**
     * @param expression a six-field expression.
     * @return true when QUARTZ could accept it at all: exactly one of day-of-month and day-of-week is '?'.
     */
    static boolean quartzMayRead(final String expression)
    {
        final String[] parts = expression.trim().split("\\s+");
        return parts.length == 6 && parts[3].equals("?") != parts[5].equals("?");
    }

    /**
     * @param spring the expression read as SPRING.
     * @param quartz the same expression read as QUARTZ.
     * @throws InvalidCronExpressionException naming the first field the two readings disagree on, and how to choose.
     */
    static void requireSameMeaning(final CronFields spring, final CronFields quartz)
    {
        for (final CronField field : CronField.values())
        {
            final FieldSpec s = spring.spec(field);
            final FieldSpec q = quartz.spec(field);
            if (!sameMeaning(s, q))
            {
                throw new InvalidCronExpressionException(spring.expression, field.label, s.text, reason(field, s, q));
            }
        }
    }

    private static boolean sameMeaning(final FieldSpec s, final FieldSpec q)
    {
        if (s.field == CronField.DAY_OF_WEEK && (s.hasHash() || q.hasHash()) && s.text.chars().anyMatch(Character::isDigit))
        {
            return false; // H(1-5): the bounds are day numbers; a bare H or H/n picks the same days in both
        }
        return s.bind(0).equals(q.bind(0)) && s.lastDay == q.lastDay && s.lastDayOffsets == q.lastDayOffsets &&
            s.nearestWeekdays == q.nearestWeekdays && s.lastWeekdayOffsets == q.lastWeekdayOffsets &&
            s.lastDows == q.lastDows && s.nthDows == q.nthDows;
    }

    private static String reason(final CronField field, final FieldSpec s, final FieldSpec q)
    {
        final String means = field == CronField.DAY_OF_WEEK && !s.hasDaySpecials() && !q.hasDaySpecials() && !s.hasHash() ?
            " means " + days(s.bind(0)) + " in SPRING (0 and 7 = Sunday) but " + days(q.bind(0)) + " in QUARTZ (1 = Sunday)" :
            " means one thing in SPRING (day-of-week 0 and 7 = Sunday) and another in QUARTZ (1 = Sunday)";
        return "a six-field expression without a named dialect is read as SPRING, but this " + field.label + means +
            "; name the dialect with CronSchedule.parse(expression, CronDialect.QUARTZ, zone) (or SPRING), or set " +
            "Scheduler.builder().defaultDialect(CronDialect.QUARTZ), or write day names (MON), which mean the same in both";
    }

    private static String days(final BitSet internal)
    {
        if (internal.cardinality() == 7)
        {
            return "every day";
        }
        final StringBuilder out = new StringBuilder();
        for (int d = internal.nextSetBit(0); d >= 0; d = internal.nextSetBit(d + 1))
        {
            out.append(out.length() == 0 ? "" : ",").append(DAY_NAMES[d]);
        }
        return out.toString();
    }
}
