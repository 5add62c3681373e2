package orchestrator.scheduler.cron;

import java.util.Locale;

/**
 * Stateless, safe from any thread: reads the text of a cron expression in one dialect into {@link CronFields},
 * with error messages that name the field, the value and the reason.
 */
final class CronParserSupport
{
    /* The text is split into fields by separators after a macro is expanded; the dialect fixes how many fields there
     * are and which they are. Each field is then read by FieldParser; only the rule that joins day-of-month and
     * day-of-week in QUARTZ ('?' in exactly one) is checked here. */

    private static final CronField[] UNIX_FIELDS =
        {CronField.MINUTE, CronField.HOUR, CronField.DAY_OF_MONTH, CronField.MONTH, CronField.DAY_OF_WEEK};
    private static final CronField[] SPRING_FIELDS =
        {CronField.SECOND, CronField.MINUTE, CronField.HOUR, CronField.DAY_OF_MONTH, CronField.MONTH, CronField.DAY_OF_WEEK};
    private static final CronField[] QUARTZ_FIELDS =
        {CronField.SECOND, CronField.MINUTE, CronField.HOUR, CronField.DAY_OF_MONTH, CronField.MONTH, CronField.DAY_OF_WEEK,
            CronField.YEAR};

    /** The advice in messages about text the UNIX dialect refuses and SPRING or QUARTZ accept. */
    static final String DIALECT_HINT = "use the SPRING (6 fields, seconds first) or QUARTZ (6-7 fields) dialect";

    private CronParserSupport()
    {
    }

    /**
     * @param expression the expression as given.
     * @param dialect    the dialect to read it in.
     * @return the parsed fields, with H atoms not yet bound.
     * @throws InvalidCronExpressionException when the text is not a valid expression of that dialect.
     */
    static CronFields parse(final String expression, final CronDialect dialect)
    {
        final String trimmed = stripSeparators(expression);
        final String text = trimmed.startsWith("@") ? expandMacro(expression, trimmed, dialect) : trimmed;
        final String[] parts = text.isEmpty() ? new String[0] : text.split("\\s+");
        final CronField[] layout = layout(expression, dialect, parts.length);

        final FieldSpec[] specs = new FieldSpec[CronField.values().length];
        for (int i = 0; i < layout.length; i++)
        {
            specs[layout[i].ordinal()] = FieldParser.parse(expression, dialect, layout[i], parts[i]);
        }
        if (specs[CronField.SECOND.ordinal()] == null)
        {
            specs[CronField.SECOND.ordinal()] = FieldSpec.single(CronField.SECOND, dialect, 0);
        }
        if (specs[CronField.YEAR.ordinal()] == null)
        {
            specs[CronField.YEAR.ordinal()] = FieldSpec.all(CronField.YEAR, dialect, 0, CronField.YEAR.max - CronField.YEAR.min);
        }

        final FieldSpec dom = specs[CronField.DAY_OF_MONTH.ordinal()];
        final FieldSpec dow = specs[CronField.DAY_OF_WEEK.ordinal()];
        if (dialect == CronDialect.QUARTZ && dom.question == dow.question)
        {
            throw new InvalidCronExpressionException(expression, CronField.DAY_OF_WEEK.label, dow.text,
                "QUARTZ needs '?' in exactly one of day-of-month ('" + dom.text + "') and day-of-week; " +
                "write e.g. '0 0 12 ? * MON' or '0 0 12 15 * ?'");
        }
        return new CronFields(expression, dialect, specs);
    }

    /**
     * @return true for the characters that separate fields: space, tab, line feed, vertical tab, form feed, carriage
     *         return (the regex class {@code \s}, which splits the fields). Other control characters and Unicode
     *         spaces are not separators, so an expression holding one is refused wherever it stands.
     */
    static boolean isSeparator(final char c)
    {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** @return the text without separators at either end (String.trim would drop every control character too). */
    static String stripSeparators(final String text)
    {
        int from = 0;
        int to = text.length();
        while (from < to && isSeparator(text.charAt(from)))
        {
            from++;
        }
        while (to > from && isSeparator(text.charAt(to - 1)))
        {
            to--;
        }
        return text.substring(from, to);
    }

    private static CronField[] layout(final String expression, final CronDialect dialect, final int count)
    {
        switch (dialect)
        {
            case UNIX:
                if (count != 5)
                {
                    throw fieldCount(expression, count,
                        "UNIX expects 5 fields (minute hour day-of-month month day-of-week)" +
                        (count == 6 || count == 7 ? "; with seconds first, " + DIALECT_HINT : ""));
                }
                return UNIX_FIELDS;
            case SPRING:
                if (count != 6)
                {
                    throw fieldCount(expression, count,
                        "SPRING expects 6 fields (second minute hour day-of-month month day-of-week)" +
                        (count == 5 ? "; for 5 fields use the UNIX dialect" : "") +
                        (count == 7 ? "; for a year field use the QUARTZ dialect" : ""));
                }
                return SPRING_FIELDS;
            default:
                if (count != 6 && count != 7)
                {
                    throw fieldCount(expression, count,
                        "QUARTZ expects 6 or 7 fields (second minute hour day-of-month month day-of-week [year])" +
                        (count == 5 ? "; for 5 fields use the UNIX dialect" : ""));
                }
                return count == 7 ? QUARTZ_FIELDS : SPRING_FIELDS;
        }
    }

    private static InvalidCronExpressionException fieldCount(final String expression, final int count, final String why)
    {
        return new InvalidCronExpressionException(expression, "expression", expression, why + " but found " + count);
    }

    private static String expandMacro(final String expression, final String macro, final CronDialect dialect)
    {
        if (dialect == CronDialect.QUARTZ)
        {
            throw new InvalidCronExpressionException(expression, "expression", macro,
                "macros are not part of the QUARTZ dialect; use the UNIX or SPRING dialect");
        }
        final String fields;
        switch (macro.toLowerCase(Locale.ROOT))
        {
            case "@yearly":
            case "@annually": fields = "0 0 1 1 *"; break;
            case "@monthly": fields = "0 0 1 * *"; break;
            case "@weekly": fields = "0 0 * * 0"; break;
            case "@daily":
            case "@midnight": fields = "0 0 * * *"; break;
            case "@hourly": fields = "0 * * * *"; break;
            case "@reboot":
                throw new InvalidCronExpressionException(expression, "expression", macro,
                    "@reboot is not a time schedule; run the task once at start-up instead");
            default:
                throw new InvalidCronExpressionException(expression, "expression", macro,
                    "unknown macro; expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly");
        }
        return dialect == CronDialect.UNIX ? fields : "0 " + fields;
    }
}
