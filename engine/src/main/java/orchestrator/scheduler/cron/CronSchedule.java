package orchestrator.scheduler.cron;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable and thread safe: a parsed cron expression bound to a time zone and a {@link DstPolicy}, which computes
 * fire times.
 * <p>
 * Caveats: an expression with Jenkins-style {@code H} fields is a template until {@link #forTask(String)} binds it
 * to a task name; the fire-time methods of an unbound template throw {@link IllegalStateException}. Fire times
 * have whole-second precision. {@link #parse} accepts expressions that can never fire; {@link #requireCanFire()}
 * refuses them.
 */
public final class CronSchedule
{
    /* The expression is read by CronParserSupport into CronFields (per-field values, H atoms unbound), compiled to
     * CompiledCron (bit sets; finds the next matching local date-time by epoch arithmetic) and read in the zone by
     * ZonedCron: for zones whose offset changes, resolved to instants by DstResolver over the primitive transition
     * table of ZoneTransitions.
     * nextAfterEpochMilli allocates nothing in any zone for fire times before 2200. countFiresBetween counts the
     * same fires by arithmetic, a month and an offset change at a time (FireCount.countBetween,
     * DstResolver.countBetween), so counting the fires missed over a clock jump of years costs microseconds. Parsed
     * schedules are cached by (expression, dialect, zone, policy) in a bounded ScheduleCache. */

    /** Returned by {@link #nextAfterEpochMilli(long)} when the schedule never fires again. */
    public static final long NEVER = Long.MAX_VALUE;

    /**
     * The longest expression {@link #parse} accepts, in characters, whitespace included. It bounds what a schedule,
     * the parse cache and a task keep per expression by memory, not only by count.
     */
    public static final int MAX_EXPRESSION_LENGTH = 1024;

    /** Characters of an over-long expression quoted in the exception that refuses it. */
    private static final int QUOTED_PREFIX = 32;

    private static final ScheduleCache CACHE = new ScheduleCache();

    private final CronFields fields;
    private final ZoneId zone;
    private final DstPolicy policy;
    private final String taskName;
    private final CompiledCron compiled;
    private final ZonedCron fires; // null for an unbound template

    private CronSchedule(
        final CronFields fields, final ZoneId zone, final DstPolicy policy, final String taskName, final CompiledCron compiled)
    {
        this.fields = fields;
        this.zone = zone;
        this.policy = policy;
        this.taskName = taskName;
        this.compiled = compiled;
        this.fires = compiled == null ? null : new ZonedCron(compiled, zone, policy, fields.intervalLike());
    }

    /**
     * Parses an expression, picking the dialect by field count: 5 is UNIX, 6 is SPRING, 7 is QUARTZ; a macro such as
     * {@code @hourly} is UNIX. The DST policy is {@link DstPolicy#CRON_DAEMON}.
     * <p>
     * Six fields are also Quartz's form without a year, and Quartz numbers the days of the week from 1 = Sunday where
     * Spring has 0 or 7 = Sunday: a six-field expression that QUARTZ also accepts and that means something else there
     * (e.g. {@code 0 0 12 ? * 2}: Tuesday in SPRING, Monday in QUARTZ) is refused; name the dialect with
     * {@link #parse(String, CronDialect, ZoneId)} or write day names ({@code MON}), which mean the same in both.
     *
     * @param expression the cron expression.
     * @param zone       the zone fire times are computed in.
     * @return the schedule, possibly shared with earlier callers of the same expression.
     * @throws InvalidCronExpressionException naming the field, value and reason when the expression is malformed, or
     *                                        six fields read differently by SPRING and QUARTZ, or the length and the limit when it is
     *                                        longer than {@link #MAX_EXPRESSION_LENGTH}.
     */
    public static CronSchedule parse(final String expression, final ZoneId zone)
    {
        return parse(expression, zone, DstPolicy.CRON_DAEMON);
    }

    /**
     * Parses an expression, picking the dialect by field count as {@link #parse(String, ZoneId)} does.
     *
     * @param expression the cron expression.
     * @param zone       the zone fire times are computed in.
     * @param policy     what fixed-hour jobs do at daylight-saving changes.
     * @return the schedule, possibly shared with earlier callers of the same arguments.
     * @throws InvalidCronExpressionException naming the field, value and reason when the expression is malformed, or
     *                                        six fields read differently by SPRING and QUARTZ, or the length and the limit when it is
     *                                        longer than {@link #MAX_EXPRESSION_LENGTH}.
     */
    public static CronSchedule parse(final String expression, final ZoneId zone, final DstPolicy policy)
    {
        checkLength(Objects.requireNonNull(expression, "expression"));
        final int count = fieldCount(expression);
        switch (count)
        {
            case 0:
            case 5: return parse(expression, CronDialect.UNIX, zone, policy);
            case 6: return parseSixFields(expression, zone, policy);
            case 7: return parse(expression, CronDialect.QUARTZ, zone, policy);
            default:
                throw new InvalidCronExpressionException(expression, "expression", expression,
                    "expected 5 fields (UNIX), 6 (SPRING, seconds first) or 7 (QUARTZ, with year) but found " + count);
        }
    }

    /** @return the expression read as SPRING, unless QUARTZ reads it too and differently (see {@link SixFieldGuess}). */
    private static CronSchedule parseSixFields(final String expression, final ZoneId zone, final DstPolicy policy)
    {
        final CronSchedule spring = parse(expression, CronDialect.SPRING, zone, policy);
        if (SixFieldGuess.quartzMayRead(expression))
        {
            final CronSchedule quartz;
            try
            {
                quartz = parse(expression, CronDialect.QUARTZ, zone, policy);
            }
            catch (final InvalidCronExpressionException notQuartz)
            {
                return spring;
            }
            SixFieldGuess.requireSameMeaning(spring.fields, quartz.fields);
        }
        return spring;
    }

    /**
     * Parses an expression in the given dialect with the {@link DstPolicy#CRON_DAEMON} policy.
     *
     * @throws InvalidCronExpressionException naming the field, value and reason when the expression is malformed, or
     *                                        the length and the limit when it is longer than
     *                                        {@link #MAX_EXPRESSION_LENGTH}.
     */
    public static CronSchedule parse(final String expression, final CronDialect dialect, final ZoneId zone)
    {
        return parse(expression, dialect, zone, DstPolicy.CRON_DAEMON);
    }

    /**
     * Parses an expression in the given dialect.
     *
     * @param expression the cron expression.
     * @param dialect    how to read it.
     * @param zone       the zone fire times are computed in.
     * @param policy     what fixed-hour jobs do at daylight-saving changes.
     * @return the schedule, possibly shared with earlier callers of the same arguments.
     * @throws InvalidCronExpressionException naming the field, value and reason when the expression is malformed, or
     *                                        the length and the limit when it is longer than
     *                                        {@link #MAX_EXPRESSION_LENGTH}.
     */
    public static CronSchedule parse(
        final String expression, final CronDialect dialect, final ZoneId zone, final DstPolicy policy)
    {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(policy, "policy");
        checkLength(expression);
        return CACHE.get(expression, dialect, zone, policy);
    }

    /**
     * @throws InvalidCronExpressionException naming the length and the limit, and quoting only the expression's first
     *                                        characters, when it is longer than {@link #MAX_EXPRESSION_LENGTH}.
     */
    private static void checkLength(final String expression)
    {
        if (expression.length() > MAX_EXPRESSION_LENGTH)
        {
            final String quoted = expression.substring(0, QUOTED_PREFIX) + "...";
            throw new InvalidCronExpressionException(quoted, "expression", quoted, "the expression is " +
                expression.length() + " characters long, over the limit of " + MAX_EXPRESSION_LENGTH +
                " (CronSchedule.MAX_EXPRESSION_LENGTH)");
        }
    }

    /** Parses without the cache. */
    static CronSchedule parseUncached(
        final String expression, final CronDialect dialect, final ZoneId zone, final DstPolicy policy)
    {
        final CronFields fields = CronParserSupport.parse(expression, dialect);
        return new CronSchedule(fields, zone, policy, null, fields.hasHash() ? null : fields.compile(0));
    }

    /** @return the shared parse cache, for tests and benchmarks. */
    static ScheduleCache cache()
    {
        return CACHE;
    }

    /** @return the number of whitespace-separated fields, 0 for a single {@code @macro}. */
    private static int fieldCount(final String expression)
    {
        int count = 0;
        boolean inField = false;
        for (int i = 0, n = expression.length(); i < n; i++)
        {
            final boolean space = CronParserSupport.isSeparator(expression.charAt(i));
            if (!space && !inField)
            {
                count++;
            }
            inField = !space;
        }
        return count == 1 && CronParserSupport.stripSeparators(expression).startsWith("@") ? 0 : count;
    }

    /**
     * @param after the instant to search from.
     * @return the first fire time strictly after {@code after}, in this schedule's zone, or empty when the schedule
     * never fires again.
     * @throws IllegalStateException when the expression has {@code H} fields not yet bound by {@link #forTask(String)}.
     */
    public Optional<ZonedDateTime> nextAfter(final ZonedDateTime after)
    {
        final long next = bound().nextAfterSecond(after.toEpochSecond());
        if (next == NEVER || next > Instant.MAX.getEpochSecond())
        {
            return Optional.empty();
        }
        return Optional.of(ZonedDateTime.ofInstant(Instant.ofEpochSecond(next), zone));
    }

    /**
     * The engine's hot path: allocates nothing in UTC and fixed-offset zones, nor in zones with daylight saving for
     * fire times before 2200.
     *
     * @param epochMilli the instant to search from, in milliseconds since the epoch.
     * @return the first fire time strictly after it in milliseconds since the epoch, or {@link #NEVER}.
     * @throws IllegalStateException when the expression has {@code H} fields not yet bound by {@link #forTask(String)}.
     */
    public long nextAfterEpochMilli(final long epochMilli)
    {
        return bound().nextAfterEpochMilli(epochMilli);
    }

    /**
     * Counts fire times without stepping through them, e.g. the fires missed over a forward clock jump: the cost grows
     * with the months and daylight-saving changes in the range, not with the fires (ten years of a weekday schedule
     * take microseconds; a schedule matching every day needs no calendar at all). Allocates nothing in UTC and
     * fixed-offset zones, nor in zones with daylight saving for ranges ending before 2200.
     * <p>
     * Caveat: for an expression with a year field whose last match falls within two days of a backward offset
     * change, the fires from three days before that last match on are stepped through one by one.
     *
     * @param afterEpochMilli the instant counting starts after, in milliseconds since the epoch.
     * @param upToEpochMilli  the last instant counted, in milliseconds since the epoch.
     * @return the number of fire times t with afterEpochMilli < t <= upToEpochMilli (exactly the fires
     * nextAfterEpochMilli would step through), 0 when upTo <= after.
     * @throws IllegalStateException when the expression has {@code H} fields not yet bound by {@link #forTask(String)}.
     */
    public long countFiresBetween(final long afterEpochMilli, final long upToEpochMilli)
    {
        return bound().countFiresBetween(afterEpochMilli, upToEpochMilli);
    }

    /**
     * @return the fire-time arithmetic of a bound schedule.
     * @throws IllegalStateException for a template whose {@code H} fields are not bound.
     */
    private ZonedCron bound()
    {
        final ZonedCron bound = fires;
        if (bound == null)
        {
            throw new IllegalStateException("'" + fields.expression + "' has H fields: bind them with forTask(taskName)");
        }
        return bound;
    }

    /**
     * Binds hash ({@code H}) fields to a task name, so that many tasks written {@code H * * * *} spread over the hour
     * and each keeps its minute across restarts. The hash is FNV-1a (64 bit) of the name's UTF-16 code units, mixed
     * per field; it does not depend on the JVM.
     *
     * @param taskName the name whose hash picks the values of {@code H} fields.
     * @return the schedule for that task; this schedule when it has no {@code H} field.
     */
    public CronSchedule forTask(final String taskName)
    {
        Objects.requireNonNull(taskName, "taskName");
        if (!fields.hasHash())
        {
            return this;
        }
        return new CronSchedule(fields, zone, policy, taskName, fields.compile(TaskHash.of(taskName)));
    }

    /**
     * @return this schedule when some date-time matches it (in the 400-year calendar cycle, or in its years).
     * @throws InvalidCronExpressionException with the reason when it can never fire, e.g. {@code 0 0 30 2 *}.
     * @throws IllegalStateException when the expression has {@code H} fields not yet bound by {@link #forTask(String)}.
     */
    public CronSchedule requireCanFire()
    {
        if (compiled == null)
        {
            throw new IllegalStateException("'" + fields.expression + "' has H fields: bind them with forTask(taskName)");
        }
        final InvalidCronExpressionException never = FireCheck.whyNever(fields, compiled);
        if (never != null)
        {
            throw never;
        }
        return this;
    }

    /** @return the expression as given. */
    public String expression()
    {
        return fields.expression;
    }

    /** @return the dialect the expression was read in. */
    public CronDialect dialect()
    {
        return fields.dialect;
    }

    /** @return the zone fire times are computed in. */
    public ZoneId zone()
    {
        return zone;
    }

    /** @return what fixed-hour fire times do at daylight-saving changes. */
    public DstPolicy dstPolicy()
    {
        return policy;
    }

    /** @return the task name {@code H} fields are bound to, or null when unbound or without {@code H}. */
    public String taskName()
    {
        return taskName;
    }

    /** @return true when the hour field is a wildcard or a step, so DST changes never shift or repeat-skip it. */
    public boolean intervalLike()
    {
        return fields.intervalLike();
    }

    /** @return a plain-English description, e.g. "every hour at minute 5". */
    public String describe()
    {
        return CronDescriptions.describe(fields, taskName == null ? null : TaskHash.of(taskName));
    }

    /** @return a copy computing fire times in another zone, same expression and policy. */
    public CronSchedule withZone(final ZoneId otherZone)
    {
        Objects.requireNonNull(otherZone, "otherZone");
        return otherZone.equals(zone) ? this : new CronSchedule(fields, otherZone, policy, taskName, compiled);
    }

    /** @return the compiled form, or null for an unbound template. */
    CompiledCron compiled()
    {
        return compiled;
    }

    @Override
    public String toString()
    {
        return fields.expression;
    }
}
