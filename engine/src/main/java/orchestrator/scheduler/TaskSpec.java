package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * NOT thread safe: build it on one thread, then hand it to {@link Scheduler#schedule(TaskSpec)} or
 * {@link Scheduler#reschedule(String, TaskSpec)}, which copy what they need (a spec may be reused or changed
 * afterwards without touching the task; a handler payload is sealed when scheduled). Everything a task is, in one
 * place: its name, exactly one schedule, options, and exactly one callback.
 * <pre>{@code
 * scheduler.schedule(TaskSpec.named("report")
 *     .cron("0 7 * * MON-FRI")
 *     .misfire(MisfirePolicy.SKIP)
 *     .overlap(OverlapPolicy.COALESCE)
 *     .timeout(Duration.ofMinutes(5))
 *     .run(ctx -> sendReport(ctx.scheduledAt())));
 * }</pre>
 * Schedules: {@link #cron(String)}, {@link #cron(CronSchedule)}, {@link #fixedRate(Duration)},
 * {@link #fixedDelay(Duration)}, {@link #once(Instant)}. Callbacks: {@link #run(Runnable)},
 * {@link #run(Consumer)}, {@link #handler(String, byte[])}.
 * <p>
 * Caveats: a lambda picks its {@code run} overload by arity ({@code () -> ...} is a {@code Runnable},
 * {@code ctx -> ...} a {@code Consumer<FireContext>}), but a method reference to an overloaded method (such as
 * {@code semaphore::release}) is ambiguous: write it as a lambda. A setter refuses a wrong value at once
 * ({@link IllegalArgumentException} naming the task, the field, the value and the reason; a
 * {@link NullPointerException} whose message is the setter's name, or {@code callback} for either {@code run}), as
 * does setting a second schedule or a second callback; a missing schedule or callback is refused by {@code schedule}.
 */
public final class TaskSpec
{
    enum Kind
    {
        CRON, FIXED_RATE, FIXED_DELAY, ONCE
    }

    // read by SpecCompiler and Scheduler when the spec is scheduled; written only by the setters below
    final String name;
    Kind kind;
    String cronText;
    CronSchedule cronSchedule;
    long periodMs;
    Duration period;
    Instant at;
    Duration initialDelay;
    MisfirePolicy misfire;
    OverlapPolicy overlap = OverlapPolicy.SKIP;
    Duration timeout;
    boolean interruptOnTimeout;
    InterruptedFirePolicy onRestart = InterruptedFirePolicy.RUN_AGAIN;
    Runnable runnable;
    Consumer<FireContext> consumer;
    String handler;
    byte[] payload;

    private TaskSpec(final String name)
    {
        this.name = name;
    }

    /**
     * Starts the spec of a task.
     *
     * @param name the task's unique, non-blank name (at most 1,024 characters, and on a cluster at most 2,048
     *             bytes in UTF-8; checked when scheduled).
     * @return a spec with no schedule and no callback yet.
     */
    public static TaskSpec named(final String name)
    {
        return new TaskSpec(Objects.requireNonNull(name, "name"));
    }

    /**
     * Fires on a cron expression read as {@link Scheduler#registerTask(String, String, Runnable)} reads it (the
     * scheduler's default dialect, or the field count).
     *
     * @param expression the cron expression, read in the scheduler's zone.
     * @return this spec.
     */
    public TaskSpec cron(final String expression)
    {
        Objects.requireNonNull(expression, "cron");
        schedule(Kind.CRON, expression);
        cronText = expression;
        return this;
    }

    /**
     * Fires on a parsed schedule, which keeps its own dialect, zone and DST policy.
     *
     * @param schedule the schedule.
     * @return this spec.
     */
    public TaskSpec cron(final CronSchedule schedule)
    {
        Objects.requireNonNull(schedule, "cron");
        schedule(Kind.CRON, schedule.expression());
        cronSchedule = schedule;
        return this;
    }

    /**
     * Fires every {@code period}, counted from the first fire, whatever the runs take (Spring's {@code fixedRate},
     * Quartz's {@code SimpleTrigger}, APScheduler's {@code interval}): fire {@code k} is due at
     * {@code first + k * period}. The first fire is one period after scheduling, unless {@link #initialDelay} says
     * otherwise. A fire due while the previous run is going follows the {@link #overlap overlap policy}; fires passed
     * while the scheduler was late follow the {@link #misfire misfire policy}.
     *
     * @param period at least 1 ms, counted at 1 ms resolution.
     * @return this spec.
     */
    public TaskSpec fixedRate(final Duration period)
    {
        final long ms = positiveMillis("fixedRate", period);
        schedule(Kind.FIXED_RATE, period);
        this.period = period;
        this.periodMs = ms;
        return this;
    }

    /**
     * Fires {@code delay} after the previous run ended (Spring's {@code fixedDelay}): the next fire is set when a run
     * completes (a {@link Scheduler#triggerNow triggered} run too), so runs never overlap and never queue up. The
     * first fire is one delay after scheduling, unless {@link #initialDelay} says otherwise. A fire that does not run
     * (paused, or late under {@link MisfirePolicy#SKIP}) is counted as missed and the next one is due {@code delay}
     * after it was found.
     *
     * @param delay at least 1 ms, counted at 1 ms resolution.
     * @return this spec.
     */
    public TaskSpec fixedDelay(final Duration delay)
    {
        final long ms = positiveMillis("fixedDelay", delay);
        schedule(Kind.FIXED_DELAY, delay);
        this.period = delay;
        this.periodMs = ms;
        return this;
    }

    /**
     * Fires once, at {@code at}; an instant in the past (or now) fires at the next {@code runPending()}, under the
     * default {@link MisfirePolicy#FIRE_ONCE}.
     *
     * @param at when to fire; before {@code Instant.ofEpochMilli(Long.MAX_VALUE)}, the end of the scheduler's range.
     *           The scheduler keeps fire times in epoch milliseconds: a finer instant is cut to its millisecond (it
     *           fires, and is reported, at that millisecond).
     * @return this spec.
     */
    public TaskSpec once(final Instant at)
    {
        Objects.requireNonNull(at, "once");
        SpecCompiler.checkOnce(this, at);
        schedule(Kind.ONCE, at);
        this.at = at;
        return this;
    }

    /**
     * Delays the first fire: an interval task first fires {@code delay} after it is scheduled ({@code Duration.ZERO}:
     * at the next {@code runPending()}); a cron task first fires at its first fire time at or after that. Not for
     * {@link #once} tasks, whose instant already says when.
     *
     * @param delay zero or more.
     * @return this spec.
     */
    public TaskSpec initialDelay(final Duration delay)
    {
        Objects.requireNonNull(delay, "initialDelay");
        if (delay.isNegative())
        {
            throw invalid("initialDelay", delay, "it must not be negative");
        }
        millis("initialDelay", delay);
        this.initialDelay = delay;
        return this;
    }

    /**
     * @param policy what to do with fires that passed while the scheduler was late; default: the scheduler's
     *               {@link Scheduler.Builder#misfirePolicy}.
     * @return this spec.
     */
    public TaskSpec misfire(final MisfirePolicy policy)
    {
        this.misfire = Objects.requireNonNull(policy, "misfire");
        return this;
    }

    /**
     * @param policy what to do with a fire due while the previous run is still going; default
     *               {@link OverlapPolicy#SKIP}.
     * @return this spec.
     */
    public TaskSpec overlap(final OverlapPolicy policy)
    {
        this.overlap = Objects.requireNonNull(policy, "overlap");
        return this;
    }

    /**
     * Sets a run timeout: a run still going this long after it started is reported once (a WARNING, a count in
     * {@link TaskInfo#timeouts()}, {@link TaskInfo#runningLong()} while it goes on, {@link TaskListener#onTimeout}),
     * and interrupted if {@link #interruptOnTimeout(boolean)} says so. It is checked by {@code runPending()} (the
     * driver after {@code start()}) on the scheduler's clock, so it needs worker dispatch, or another thread calling
     * {@code runPending()}, to be seen while the run goes on. It counts from the callback's start (a fire waiting for
     * a busy worker is not late yet) in the scheduler's clock's time: on a {@link ManualClock} only the clock's moves
     * count, so a run is reported once the clock has been moved past its timeout, however short it really was, and
     * never while the clock stands still, however long it hangs; a wall clock stepped forward or back moves the
     * timeout with it.
     *
     * @param timeout at least 1 ms.
     * @return this spec.
     */
    public TaskSpec timeout(final Duration timeout)
    {
        positiveMillis("timeout", timeout);
        this.timeout = timeout;
        return this;
    }

    /**
     * @param interrupt true to interrupt the thread of a run that passes its {@link #timeout(Duration) timeout}
     *                  (once); the callback decides what to do with the interrupt. Default false. Needs a timeout.
     * @return this spec.
     */
    public TaskSpec interruptOnTimeout(final boolean interrupt)
    {
        this.interruptOnTimeout = interrupt;
        return this;
    }

    /**
     * What a scheduler on a durable store does at restart with a fire of this task that was running when the
     * process died; ignored on the in-memory store.
     *
     * @param policy {@link InterruptedFirePolicy#RUN_AGAIN} (at least once, the default) or
     *               {@link InterruptedFirePolicy#DROP} (at most once).
     * @return this spec.
     */
    public TaskSpec onRestart(final InterruptedFirePolicy policy)
    {
        this.onRestart = Objects.requireNonNull(policy, "onRestart");
        return this;
    }

    /**
     * @param callback what to run at each fire.
     * @return this spec.
     */
    public TaskSpec run(final Runnable callback)
    {
        Objects.requireNonNull(callback, "callback");
        callback("a Runnable");
        this.runnable = callback;
        return this;
    }

    /**
     * @param callback what to run at each fire; it receives the run's {@link FireContext}.
     * @return this spec.
     */
    public TaskSpec run(final Consumer<FireContext> callback)
    {
        Objects.requireNonNull(callback, "callback");
        callback("a Consumer<FireContext>");
        this.consumer = callback;
        return this;
    }

    /**
     * Runs a handler registered with {@link Scheduler#registerHandler} on a payload stored sealed (encrypted and
     * authenticated) in production mode and opened only while the handler runs.
     *
     * @param handlerName the handler's name.
     * @param payload     the bytes the handler receives, null meaning empty. The spec keeps the array itself (no
     *                    plaintext copy is made): it is read, and sealed, when the spec is scheduled; the caller may
     *                    wipe it after that.
     * @return this spec.
     */
    public TaskSpec handler(final String handlerName, final byte[] payload)
    {
        Objects.requireNonNull(handlerName, "handler");
        callback("handler '" + handlerName + "'");
        this.handler = handlerName;
        this.payload = payload;
        return this;
    }

    /**
     * @return the task's name.
     */
    public String name()
    {
        return name;
    }

    @Override
    public String toString()
    {
        return "TaskSpec[" + name + ", " + describeSchedule() + ", overlap=" + overlap +
            (misfire != null ? ", misfire=" + misfire : "") + (timeout != null ? ", timeout=" + timeout : "") + "]";
    }

    boolean hasCallback()
    {
        return runnable != null || consumer != null || handler != null;
    }

    /**
     * Sets the kind of schedule, refusing a second one; the message is built only then.
     */
    private void schedule(final Kind kind, final Object value)
    {
        if (this.kind != null)
        {
            throw new IllegalArgumentException("task '" + name + "': two schedules, " + describeSchedule() + " and " +
                describe(kind, value) + "; set exactly one of cron, fixedRate, fixedDelay or once");
        }
        this.kind = kind;
    }

    private static String describe(final Kind kind, final Object value)
    {
        switch (kind)
        {
            case CRON: return "cron '" + value + "'";
            case FIXED_RATE: return "fixedRate " + value;
            case FIXED_DELAY: return "fixedDelay " + value;
            default: return "once " + value;
        }
    }

    private void callback(final String description)
    {
        if (hasCallback())
        {
            throw new IllegalArgumentException("task '" + name + "': two callbacks, " + describeCallback() + " and " +
                description + "; set exactly one of run(Runnable), run(Consumer<FireContext>) or handler");
        }
    }

    private String describeSchedule()
    {
        if (kind == null)
        {
            return "no schedule";
        }
        return describe(kind, kind == Kind.CRON ? (cronText != null ? cronText : cronSchedule.expression()) :
            kind == Kind.ONCE ? at : period);
    }

    private String describeCallback()
    {
        return runnable != null ? "a Runnable" : consumer != null ? "a Consumer<FireContext>" : "handler '" + handler + "'";
    }

    private long positiveMillis(final String field, final Duration value)
    {
        Objects.requireNonNull(value, field);
        if (value.isNegative() || value.isZero())
        {
            throw invalid(field, value, "it must be positive");
        }
        final long ms = millis(field, value);
        if (ms < 1)
        {
            throw invalid(field, value, "it must be at least 1 ms, the scheduler's resolution");
        }
        return ms;
    }

    private long millis(final String field, final Duration value)
    {
        try
        {
            return value.toMillis();
        }
        catch (final ArithmeticException tooLong)
        {
            throw invalid(field, value, "it is too long to count in milliseconds");
        }
    }

    IllegalArgumentException invalid(final String field, final Object value, final String why)
    {
        return new IllegalArgumentException("task '" + name + "': " + field + " " + value + " is refused: " + why);
    }
}
