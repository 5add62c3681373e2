package orchestrator.scheduler.cron;

/**
 * Immutable, so safe to share between threads: thrown when a cron expression cannot be parsed or can
 * never fire. The message names the expression, the field, the offending value and the reason.
 */
public class InvalidCronExpressionException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    private final String expression;
    private final String field;
    private final String value;
    private final String reason;

    /**
     * @param expression the whole expression as given.
     * @param field      the field at fault, e.g. "minute" or "day-of-week"; "expression" when the fault is not in one field.
     * @param value      the offending text of that field.
     * @param reason     why it is refused, in plain words.
     */
    public InvalidCronExpressionException(
        final String expression, final String field, final String value, final String reason)
    {
        super("invalid cron expression '" + expression + "': " + field + " '" + value + "': " + reason);
        this.expression = expression;
        this.field = field;
        this.value = value;
        this.reason = reason;
    }

    /**
     * @return the whole expression as given; for an expression over {@link CronSchedule#MAX_EXPRESSION_LENGTH}, its
     * first characters followed by "...".
     */
    public String expression()
    {
        return expression;
    }

    /** @return the field at fault, e.g. "minute"; "expression" when the fault is not in one field. */
    public String field()
    {
        return field;
    }

    /** @return the offending text of the field. */
    public String value()
    {
        return value;
    }

    /** @return why the expression is refused. */
    public String reason()
    {
        return reason;
    }
}
