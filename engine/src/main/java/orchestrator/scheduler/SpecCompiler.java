package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.CronSchedule;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;

/**
 * Thread safe: its configuration is final, and its one cache, the last definition built, is racy on purpose (any
 * value read is whole). Turns a {@link TaskSpec} into what the engine keeps of it: checks the whole spec and the task
 * name, reads and binds its cron expression, builds its {@link TaskDefinition} (or reuses the last one when it is
 * made of the same parts) and converts a one-time instant to epoch ms.
 */
final class SpecCompiler
{
    private static final Instant EARLIEST = Instant.ofEpochMilli(Long.MIN_VALUE);
    private static final Instant NEVER = Instant.ofEpochMilli(CronSchedule.NEVER);

    private final ZoneId zone;
    private final CronDialect cronDialect; // null: by field count
    private final MisfirePolicy defaultMisfire;
    private TaskDefinition lastDefinition; // any thread, racy: its fields are final, so any value read is whole

    SpecCompiler(final ZoneId zone, final CronDialect cronDialect, final MisfirePolicy defaultMisfire)
    {
        this.zone = zone;
        this.cronDialect = cronDialect;
        this.defaultMisfire = defaultMisfire;
    }

    /**
     * Checks what only the whole spec can tell.
     *
     * @param needCallback false for {@link Scheduler#reschedule}, which may keep the task's callback.
     */
    static void validate(final TaskSpec spec, final boolean needCallback)
    {
        final String name = spec.name;
        if (spec.kind == null)
        {
            throw new IllegalArgumentException("task '" + name + "': no schedule; set one of cron, fixedRate, " +
                "fixedDelay or once");
        }
        if (needCallback && !spec.hasCallback())
        {
            throw new IllegalArgumentException("task '" + name + "': no callback; set one of run(Runnable), " +
                "run(Consumer<FireContext>) or handler(name, payload)");
        }
        if (spec.kind == TaskSpec.Kind.ONCE && spec.initialDelay != null)
        {
            throw spec.invalid("initialDelay", spec.initialDelay, "a once(" + spec.at + ") task fires at its " +
                "instant; initialDelay is for cron and interval tasks");
        }
        if (spec.interruptOnTimeout && spec.timeout == null)
        {
            throw spec.invalid("interruptOnTimeout", true,
                "there is no timeout to interrupt at; set timeout(Duration)");
        }
    }

    /**
     * @return the definition the spec describes: its cron read in the default dialect and bound to the task name,
     *         the scheduler's misfire policy when the spec has none; the last definition built when it is made of
     *         the same parts, or else a new one.
     */
    TaskDefinition definitionOf(final TaskSpec spec)
    {
        CronSchedule cron = null;
        if (spec.kind == TaskSpec.Kind.CRON)
        {
            cron = bind(spec.name, spec.cronText != null ? parseCron(spec.cronText) : spec.cronSchedule);
        }
        final TaskDefinition last = lastDefinition;
        final boolean interval = spec.kind == TaskSpec.Kind.FIXED_RATE || spec.kind == TaskSpec.Kind.FIXED_DELAY;
        final MisfirePolicy policy = spec.misfire != null ? spec.misfire : defaultMisfire;
        final long period = interval ? spec.periodMs : 0;
        final boolean delay = spec.kind == TaskSpec.Kind.FIXED_DELAY;
        final long initialDelayMs = spec.initialDelay == null ? -1 : spec.initialDelay.toMillis();
        final long timeoutMs = spec.timeout == null ? 0 : spec.timeout.toMillis();
        if (last != null && last.hasParts(cron, spec.runnable, spec.handler, policy, period, delay, initialDelayMs,
            spec.consumer, spec.overlap, timeoutMs, spec.interruptOnTimeout, spec.onRestart))
        {
            return last;
        }
        final TaskDefinition definition = new TaskDefinition(cron, spec.runnable, spec.handler, policy, period, delay,
            initialDelayMs, spec.consumer, spec.overlap, timeoutMs, spec.interruptOnTimeout, spec.onRestart);
        lastDefinition = definition; // racy on purpose: any definition seen here is whole, and a miss only allocates
        return definition;
    }

    /**
     * @return the fire time of a one-time task in epoch ms; 0 for other kinds.
     */
    static long onceAtOf(final TaskSpec spec)
    {
        return spec.kind == TaskSpec.Kind.ONCE ? epochMilli(spec.name, spec.at) : 0;
    }

    /**
     * Refuses a one-time instant at or after the end of the epoch-millisecond range, which could never fire.
     *
     * @throws IllegalArgumentException naming the task, the field, the instant and the latest one accepted.
     */
    static void checkOnce(final TaskSpec spec, final Instant at)
    {
        if (!at.isBefore(NEVER))
        {
            throw spec.invalid("once", at, "it is too far ahead to schedule; the latest one-time instant is " +
                NEVER.minusMillis(1));
        }
    }

    /** @return a string cron read in the default dialect, or by its field count when none is set. */
    private CronSchedule parseCron(final String cron)
    {
        return cronDialect == null ? CronSchedule.parse(cron, zone) : CronSchedule.parse(cron, cronDialect, zone);
    }

    /**
     * Binds the schedule's {@code H} fields to the task name and refuses a schedule that can never fire.
     */
    private static CronSchedule bind(final String name, final CronSchedule schedule)
    {
        return schedule.forTask(name).requireCanFire();
    }

    /**
     * @return the instant in epoch ms; an instant before the epoch-millisecond range fires at the next
     *         {@code runPending()}, as any past instant does.
     * @throws IllegalArgumentException for an instant at or after the end of the range, which could never fire.
     */
    private static long epochMilli(final String name, final Instant at)
    {
        if (at.isBefore(EARLIEST))
        {
            return Long.MIN_VALUE;
        }
        if (!at.isBefore(NEVER))
        {
            throw new IllegalArgumentException("task '" + name + "': " + at + " is too far ahead to schedule; " +
                "the latest one-time instant is " + NEVER.minusMillis(1));
        }
        return at.toEpochMilli();
    }

    /**
     * Checks a task name: not null, not blank, and at most 1,024 characters, so that what the engine keeps per task
     * (live, and in the finished history that {@link Scheduler#tasks()} shows) is bounded by memory, not only by
     * count.
     *
     * @throws NullPointerException     when the name is null.
     * @throws IllegalArgumentException when it is blank, or longer than 1,024 characters (the message gives its length
     *                                  and the limit, never the name itself).
     */
    static void checkName(final String name)
    {
        final int maxLength = 1024;
        Objects.requireNonNull(name, "name");
        if (name.length() > maxLength)
        {
            throw new IllegalArgumentException("task name is " + name.length() + " characters long, over the limit of " +
                maxLength);
        }
        if (name.isBlank())
        {
            throw new IllegalArgumentException("task name must not be blank");
        }
    }
}
