package orchestrator.scheduler.cron;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable and thread safe: a parsed cron expression bound to a time zone, which computes fire times.
 */
public final class CronSchedule
{
    /** Returned by {@link #nextAfterEpochMilli(long)} when the schedule never fires again. */
    public static final long NEVER = Long.MAX_VALUE;

    private final String expression;
    private final CronDialect dialect;
    private final ZoneId zone;
    private final ExecutionTime executionTime;

    private CronSchedule(final String expression, final CronDialect dialect, final ZoneId zone, final ExecutionTime executionTime)
    {
        this.expression = expression;
        this.dialect = dialect;
        this.zone = zone;
        this.executionTime = executionTime;
    }

    /**
     * Parses an expression, picking the dialect by field count: 5 is UNIX, 6 is SPRING, 7 is QUARTZ; a macro such as
     * {@code @hourly} is UNIX.
     *
     * @throws InvalidCronExpressionException naming the field, value and reason when the expression is malformed.
     */
    public static CronSchedule parse(final String expression, final ZoneId zone)
    {
        Objects.requireNonNull(expression, "expression");
        final String trimmed = expression.trim();
        if (trimmed.startsWith("@"))
        {
            return parse(expression, CronDialect.UNIX, zone);
        }
        final int fields = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
        switch (fields)
        {
            case 5: return parse(expression, CronDialect.UNIX, zone);
            case 6: return parse(expression, CronDialect.SPRING, zone);
            case 7: return parse(expression, CronDialect.QUARTZ, zone);
            default:
                throw new InvalidCronExpressionException(
                    expression, "expression", expression, "expected 5, 6 or 7 fields but found " + fields);
        }
    }

    /**
     * Parses an expression in the given dialect.
     *
     * @throws InvalidCronExpressionException naming the field, value and reason when the expression is malformed.
     */
    public static CronSchedule parse(final String expression, final CronDialect dialect, final ZoneId zone)
    {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(zone, "zone");
        final String text = expandMacro(expression.trim());
        final CronType type = dialect == CronDialect.UNIX ? CronType.UNIX :
            dialect == CronDialect.SPRING ? CronType.SPRING : CronType.QUARTZ;
        try
        {
            final var cron = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(type)).parse(text).validate();
            return new CronSchedule(expression, dialect, zone, ExecutionTime.forCron(cron));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new InvalidCronExpressionException(expression, "expression", expression, String.valueOf(ex.getMessage()));
        }
    }

    private static String expandMacro(final String text)
    {
        switch (text)
        {
            case "@yearly":
            case "@annually": return "0 0 1 1 *";
            case "@monthly": return "0 0 1 * *";
            case "@weekly": return "0 0 * * 0";
            case "@daily":
            case "@midnight": return "0 0 * * *";
            case "@hourly": return "0 * * * *";
            default: return text;
        }
    }

    /**
     * @param after the instant to search from.
     * @return the first fire time strictly after {@code after}, or empty when the schedule never fires again.
     */
    public Optional<ZonedDateTime> nextAfter(final ZonedDateTime after)
    {
        return executionTime.nextExecution(after.withZoneSameInstant(zone));
    }

    /**
     * @param epochMilli the instant to search from, in milliseconds since the epoch.
     * @return the first fire time strictly after it in milliseconds since the epoch, or {@link #NEVER}.
     */
    public long nextAfterEpochMilli(final long epochMilli)
    {
        final Optional<ZonedDateTime> next = nextAfter(Instant.ofEpochMilli(epochMilli).atZone(zone));
        return next.isPresent() ? next.get().toInstant().toEpochMilli() : NEVER;
    }

    /**
     * Binds hash ({@code H}) fields to a task name; a schedule with no hash field returns itself.
     *
     * @param taskName the name whose hash picks the values of {@code H} fields.
     * @return the schedule for that task.
     */
    public CronSchedule forTask(final String taskName)
    {
        return this;
    }

    /**
     * @return this schedule.
     * @throws InvalidCronExpressionException when the schedule can never fire.
     */
    public CronSchedule requireCanFire()
    {
        if (nextAfterEpochMilli(System.currentTimeMillis()) == NEVER)
        {
            throw new InvalidCronExpressionException(expression, "expression", expression, "it never fires");
        }
        return this;
    }

    /** @return the expression as given. */
    public String expression()
    {
        return expression;
    }

    /** @return the dialect the expression was read in. */
    public CronDialect dialect()
    {
        return dialect;
    }

    /** @return the zone fire times are computed in. */
    public ZoneId zone()
    {
        return zone;
    }

    @Override
    public String toString()
    {
        return expression;
    }
}
