package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import orchestrator.scheduler.vault.KeyProvider;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: every method may be called from any thread, including from inside a running callback. Runs cron and
 * one-time tasks on time: register tasks, then call {@link #runPending()} in a loop or let {@link #start()} do it.
 * <p>
 * Guarantees: a task's callback never runs on two threads at once (a fire that comes due while the previous run is
 * still going is dropped and counted as missed); callbacks may register, cancel and read tasks; reads never wait for
 * a running callback; a callback that throws is logged and counted, never propagated, and its task keeps its
 * schedule; a task cancelled while due does not fire afterwards.
 * <p>
 * Caveats: fire times are computed in the scheduler's zone at 1 ms resolution. The wheel's time never moves
 * backwards: when the wall clock steps back, tasks wait until it catches up (nothing fires twice); when it steps
 * forward, every task it stepped over fires once at the next {@code runPending()} and the fires it skipped are
 * counted as missed. A one-time task registered for an instant in the past fires at the next {@code runPending()}.
 */
public final class Scheduler implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    private final Clock clock;
    private final ZoneId zone;
    private final Dispatcher dispatcher;
    private final TaskRegistry registry;
    private final SealedCallbacks sealed;
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private Driver driver; // guarded by lifecycle

    /**
     * Creates a scheduler on the system clock and zone.
     *
     * @param dispatcher runs the callbacks; {@link #close()} closes it.
     */
    public Scheduler(final Dispatcher dispatcher)
    {
        this(builder().dispatcher(dispatcher));
    }

    private Scheduler(final Builder builder)
    {
        this.dispatcher = Objects.requireNonNull(builder.dispatcher, "dispatcher");
        this.clock = builder.clock;
        this.zone = builder.zone != null ? builder.zone : clock.getZone();
        this.sealed = new SealedCallbacks(builder.keyProvider != null ? builder.keyProvider : KeyProvider.random());
        this.registry = new TaskRegistry(clock, dispatcher, builder.retainFinished, builder.misfirePolicy,
            builder.misfireThreshold.toMillis(), sealed);
    }

    /**
     * @return a builder with the defaults: inline {@link Dispatcher}, system clock, the clock's zone.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Registers a recurring task. The expression's dialect follows its field count: 5 fields are UNIX cron (minute
     * first), 6 are Spring (seconds first), 7 are Quartz (with year); macros such as {@code @hourly} are UNIX.
     *
     * @param name     a unique, non-blank task name.
     * @param cron     the cron expression, read in this scheduler's zone.
     * @param callback what to run at each fire.
     * @throws InvalidCronExpressionException when the expression is malformed or can never fire.
     * @throws IllegalArgumentException       when a live task already has this name (that task is left intact).
     * @throws NullPointerException           naming the argument that was null.
     */
    public void registerTask(final String name, final String cron, final Runnable callback)
    {
        checkName(name);
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(callback, "callback");
        registerTask(name, CronSchedule.parse(cron, zone), callback);
    }

    /**
     * Registers a recurring task on a parsed schedule, which keeps its own dialect, zone and DST policy.
     *
     * @param name     a unique, non-blank task name.
     * @param schedule the schedule.
     * @param callback what to run at each fire.
     * @throws InvalidCronExpressionException when the schedule can never fire.
     * @throws IllegalArgumentException       when a live task already has this name.
     */
    public void registerTask(final String name, final CronSchedule schedule, final Runnable callback)
    {
        checkName(name);
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(callback, "callback");
        checkOpen();
        registry.register(name, bind(name, schedule), 0, null, callback, null, null);
    }

    /**
     * Registers a recurring task with its own misfire policy.
     *
     * @param name     a unique, non-blank task name.
     * @param schedule the schedule.
     * @param misfire  what to do with fires that passed while the scheduler was late.
     * @param callback what to run at each fire.
     * @throws InvalidCronExpressionException when the schedule can never fire.
     * @throws IllegalArgumentException       when a live task already has this name.
     */
    public void registerTask(
        final String name, final CronSchedule schedule, final MisfirePolicy misfire, final Runnable callback)
    {
        checkName(name);
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(misfire, "misfire");
        Objects.requireNonNull(callback, "callback");
        checkOpen();
        registry.register(name, bind(name, schedule), 0, misfire, callback, null, null);
    }

    /**
     * Registers a task that fires once. An instant in the past (or now) fires at the next {@link #runPending()}.
     *
     * @param name     a unique, non-blank task name.
     * @param at       when to fire.
     * @param callback what to run.
     * @throws IllegalArgumentException when a live task already has this name.
     */
    public void registerOnce(final String name, final Instant at, final Runnable callback)
    {
        checkName(name);
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(callback, "callback");
        checkOpen();
        registry.register(name, null, at.toEpochMilli(), null, callback, null, null);
    }

    /**
     * Registers a named handler that tasks refer to with a payload. Handlers live for the scheduler's life.
     *
     * @param name    a unique, non-blank handler name.
     * @param handler receives the task's opened payload; it must not keep the array, which is wiped after it returns.
     * @throws IllegalArgumentException when a handler already has this name.
     */
    public void registerHandler(final String name, final Consumer<byte[]> handler)
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (name.isBlank())
        {
            throw new IllegalArgumentException("handler name must not be blank");
        }
        sealed.registerHandler(name, handler);
    }

    /**
     * Registers a recurring task whose callback is a registered handler and a payload, stored sealed (encrypted and
     * authenticated) in production mode and opened only for the moment the handler runs.
     *
     * @param name    a unique, non-blank task name.
     * @param cron    the cron expression, read as {@link #registerTask(String, String, Runnable)} reads it.
     * @param handler the name of a handler given to {@link #registerHandler}.
     * @param payload the bytes the handler receives (copied; the caller may wipe its array); null means empty.
     * @throws InvalidCronExpressionException when the expression is malformed or can never fire.
     * @throws IllegalArgumentException       when the name is taken or the handler unknown.
     */
    public void registerTask(final String name, final String cron, final String handler, final byte[] payload)
    {
        checkName(name);
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        sealed.requireHandler(handler);
        registry.register(name, bind(name, CronSchedule.parse(cron, zone)), 0, null, null, handler, payload);
    }

    /**
     * Registers a one-time task whose callback is a registered handler and a sealed payload.
     *
     * @param name    a unique, non-blank task name.
     * @param at      when to fire; an instant in the past fires at the next {@link #runPending()}.
     * @param handler the name of a handler given to {@link #registerHandler}.
     * @param payload the bytes the handler receives (copied); null means empty.
     * @throws IllegalArgumentException when the name is taken or the handler unknown.
     */
    public void registerOnce(final String name, final Instant at, final String handler, final byte[] payload)
    {
        checkName(name);
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        sealed.requireHandler(handler);
        registry.register(name, null, at.toEpochMilli(), null, null, handler, payload);
    }

    /**
     * Re-seals every stored payload under a new key while the scheduler keeps running; fires already collected
     * still open under the old key, which is wiped once the last of them has run. No fire is lost or run twice.
     *
     * @param next the new key; its bytes are copied, so the caller may destroy it afterwards.
     * @throws IllegalStateException in test mode, where payloads are not encrypted.
     */
    public void rotateKey(final KeyProvider next)
    {
        Objects.requireNonNull(next, "next");
        checkOpen();
        registry.rotateKey(next);
    }

    /**
     * Cancels a task: it will not fire again, even if it is due right now; a run already started finishes.
     *
     * @param name the task's name.
     * @return true when a live task of that name was cancelled.
     */
    public boolean cancel(final String name)
    {
        Objects.requireNonNull(name, "name");
        return registry.cancel(name);
    }

    /**
     * Runs every task that is due: collects them under the lock, runs or dispatches their callbacks without it, and
     * records the outcome under it again.
     *
     * @return the number of callbacks started (inline dispatcher) or handed to workers.
     * @throws IllegalStateException when the scheduler is closed.
     */
    public int runPending()
    {
        checkOpen();
        return registry.runPending();
    }

    /**
     * @param name a task's name.
     * @return the task's next fire time; empty for unknown, cancelled and finished tasks.
     */
    public Optional<Instant> nextFireTime(final String name)
    {
        Objects.requireNonNull(name, "name");
        final long next = registry.nextFireTime(name);
        return next == CronSchedule.NEVER ? Optional.empty() : Optional.of(Instant.ofEpochMilli(next));
    }

    /**
     * @return an immutable snapshot of every live task and of the most recently finished ones.
     */
    public List<TaskInfo> tasks()
    {
        return registry.snapshot();
    }

    /**
     * Test mode stores callback payloads in plain form instead of sealing them, and logs a warning when switched on.
     * Switching converts every stored payload to the new form at once (plain to sealed under the production key, or
     * back). It changes nothing else: timing, locking and error handling are the same in both modes.
     *
     * @param enabled true to switch test mode on.
     */
    public void setTestMode(final boolean enabled)
    {
        checkOpen();
        if (enabled && !registry.isTestMode())
        {
            LOG.log(WARNING, "test mode is on: callback payloads are stored unencrypted");
        }
        registry.setTestMode(enabled);
    }

    /**
     * @return true when test mode is on; it is off by default (production mode: payloads sealed).
     */
    public boolean isTestMode()
    {
        return registry.isTestMode();
    }

    /**
     * Starts a daemon driver thread that calls {@link #runPending()} at each deadline. Idempotent.
     *
     * @throws IllegalStateException when the scheduler is closed.
     */
    public void start()
    {
        synchronized (lifecycle)
        {
            checkOpen();
            if (driver == null)
            {
                driver = new Driver(this, registry, clock);
                driver.start();
                LOG.log(INFO, "scheduler driver started");
            }
        }
    }

    /**
     * Waits until no callback is running or queued and the bookkeeping of every finished run is done.
     *
     * @param timeout the longest to wait.
     * @return true when idle, false when the timeout passed first.
     * @throws InterruptedException when interrupted while waiting.
     */
    public boolean awaitIdle(final Duration timeout) throws InterruptedException
    {
        Objects.requireNonNull(timeout, "timeout");
        return registry.awaitIdle(timeout.toNanos());
    }

    /**
     * Stops the driver thread, if started, then closes the dispatcher, which runs what it had accepted. Idempotent.
     */
    @Override
    public void close()
    {
        final Driver driver;
        synchronized (lifecycle)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            driver = this.driver;
        }
        if (driver != null)
        {
            driver.stop();
        }
        dispatcher.close();
        registry.settle();
        sealed.close();
    }

    /**
     * @return the zone fire times are computed in.
     */
    public ZoneId zone()
    {
        return zone;
    }

    /**
     * @return the clock this scheduler reads.
     */
    public Clock clock()
    {
        return clock;
    }

    TaskRegistry registry()
    {
        return registry;
    }

    /**
     * Binds the schedule's {@code H} fields to the task name and refuses a schedule that can never fire.
     */
    private static CronSchedule bind(final String name, final CronSchedule schedule)
    {
        return schedule.forTask(name).requireCanFire();
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("scheduler is closed");
        }
    }

    private static void checkName(final String name)
    {
        Objects.requireNonNull(name, "name");
        if (name.isBlank())
        {
            throw new IllegalArgumentException("task name must not be blank");
        }
    }

    /**
     * NOT thread safe: configure on one thread, then {@link #build()}. Builds a {@link Scheduler}.
     */
    public static final class Builder
    {
        private Dispatcher dispatcher = null;
        private Clock clock = Clock.systemDefaultZone();
        private ZoneId zone;
        private int retainFinished = 10_000;
        private MisfirePolicy misfirePolicy = MisfirePolicy.FIRE_ONCE;
        private Duration misfireThreshold = Duration.ofSeconds(1);
        private KeyProvider keyProvider;

        private Builder()
        {
        }

        /**
         * @param dispatcher runs the callbacks; default: a new inline {@link Dispatcher}.
         * @return this builder.
         */
        public Builder dispatcher(final Dispatcher dispatcher)
        {
            this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
            return this;
        }

        /**
         * @param clock the time source; default: the system clock. Use a {@link ManualClock} in tests.
         * @return this builder.
         */
        public Builder clock(final Clock clock)
        {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * @param zone the zone cron expressions are read in; default: the clock's zone.
         * @return this builder.
         */
        public Builder zone(final ZoneId zone)
        {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /**
         * @param count how many finished (completed, cancelled or failed) tasks {@link Scheduler#tasks()} keeps
         *              showing, oldest dropped first; default 10,000.
         * @return this builder.
         */
        public Builder retainFinished(final int count)
        {
            if (count < 0)
            {
                throw new IllegalArgumentException("retainFinished must be >= 0, was " + count);
            }
            this.retainFinished = count;
            return this;
        }

        /**
         * @param policy the misfire policy of tasks registered without one; default {@link MisfirePolicy#FIRE_ONCE}.
         * @return this builder.
         */
        public Builder misfirePolicy(final MisfirePolicy policy)
        {
            this.misfirePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param threshold how late a fire may be found and still count as on time under {@link MisfirePolicy#SKIP};
         *                  default 1 s.
         * @return this builder.
         */
        public Builder misfireThreshold(final Duration threshold)
        {
            Objects.requireNonNull(threshold, "threshold");
            if (threshold.isNegative())
            {
                throw new IllegalArgumentException("misfireThreshold must not be negative, was " + threshold);
            }
            this.misfireThreshold = threshold;
            return this;
        }

        /**
         * @param keyProvider the key production mode seals payloads with; default: a random 256-bit key made at
         *                    build time, which lives only in this process.
         * @return this builder.
         */
        public Builder keyProvider(final KeyProvider keyProvider)
        {
            this.keyProvider = Objects.requireNonNull(keyProvider, "keyProvider");
            return this;
        }

        /**
         * @return a new scheduler.
         */
        public Scheduler build()
        {
            if (dispatcher == null)
            {
                dispatcher = new Dispatcher();
            }
            return new Scheduler(this);
        }
    }
}
