package orchestrator.scheduler.cron;

import java.time.Month;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Stateless, safe from any thread: decides whether a compiled expression can ever fire and, when it cannot,
 * explains why in terms of its fields.
 */
final class FireCheck
{
    private static final long Y2000 = CivilDays.daysFromCivil(2000, 1, 1) * 86_400L;
    private static final long Y1970 = 0;

    private FireCheck()
    {
    }

    /**
     * @return null when some local date-time matches (over the 400-year calendar cycle, or the listed years),
     * otherwise an exception naming the field and the reason.
     */
    static InvalidCronExpressionException whyNever(final CronFields fields, final CompiledCron cron)
    {
        final FieldSpec yearSpec = fields.spec(CronField.YEAR);
        final boolean anyYear = yearSpec.text.equals("*") && !yearSpec.hasHash();
        if (cron.nextOrSame(anyYear ? Y2000 : Y1970) != CompiledCron.NEVER)
        {
            return null;
        }
        final String expression = fields.expression;
        final FieldSpec dom = fields.spec(CronField.DAY_OF_MONTH);
        final FieldSpec month = fields.spec(CronField.MONTH);
        final FieldSpec dow = fields.spec(CronField.DAY_OF_WEEK);

        if (!dom.hasDaySpecials() && !dom.star && !dom.question && cron.daysOfMonth != 0)
        {
            final int smallestDay = Long.numberOfTrailingZeros(cron.daysOfMonth);
            int longestMonth = 0;
            final StringJoiner names = new StringJoiner(" or ");
            for (int m = 1; m <= 12; m++)
            {
                if ((cron.months >>> m & 1) != 0)
                {
                    longestMonth = Math.max(longestMonth, m == 2 ? 29 : CivilDays.monthLength(2001, m));
                    names.add(Month.of(m).getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                }
            }
            if (smallestDay > longestMonth)
            {
                return new InvalidCronExpressionException(expression, CronField.DAY_OF_MONTH.label, dom.text,
                    "day-of-month " + dom.text + " never occurs in " + names + "; the expression can never fire");
            }
        }
        if (!anyYear)
        {
            return new InvalidCronExpressionException(expression, CronField.YEAR.label, yearSpec.text,
                "no date in year " + yearSpec.text + " matches day-of-month '" + dom.text + "', month '" + month.text +
                "' and day-of-week '" + dow.text + "'; the expression can never fire");
        }
        if ((cron.daysOfWeek & 0x7F) == 0x7F && !cron.dowSpecials) // day-of-week restricts nothing: not its fault
        {
            return new InvalidCronExpressionException(expression, CronField.DAY_OF_MONTH.label, dom.text,
                "day-of-month '" + dom.text + "' matches no date in month '" + month.text +
                "'; the expression can never fire");
        }
        return new InvalidCronExpressionException(expression, CronField.DAY_OF_WEEK.label, dow.text,
            "no date matches day-of-month '" + dom.text + "' and day-of-week '" + dow.text + "' in month '" +
            month.text + "'; the expression can never fire");
    }
}
