package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.Aead;
import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.KeyProvider;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: every method may be called from any thread, including from inside a running callback. Runs cron,
 * interval and one-time tasks on time: describe each with a {@link TaskSpec} and {@link #schedule} it (or use a
 * {@code register*} shortcut), then call {@link #runPending()} in a loop or let {@link #start()} do it. Tasks can be
 * paused, resumed, triggered and rescheduled while running; {@link TaskListener}s hear every run.
 * <p>
 * Guarantees: a task's callback never runs on two threads at once (a fire that comes due while the previous run is
 * still going is dropped and counted as missed, or under {@link OverlapPolicy#COALESCE} folded into one run right after
 * it), nor do two tasks of one name (a task registered again under the name of one cancelled during its run treats
 * that run as its own); callbacks may register, cancel and read tasks; reads never wait for
 * a running callback; a callback that throws is logged and counted, never propagated, and its task keeps its
 * schedule; a task cancelled while due does not fire afterwards.
 * <p>
 * Caveats: fire times are computed in the scheduler's zone at 1 ms resolution. The wheel's time never moves
 * backwards: when the wall clock steps back, tasks wait until it catches up (nothing fires twice); when it steps
 * forward, each task it stepped over is late at the next {@code runPending()}, where its {@link MisfirePolicy}
 * decides (by default it fires once) and every fire that does not run is counted as missed. A one-time task
 * registered for an instant in the past fires at the next {@code runPending()} (unless its misfire policy is
 * {@link MisfirePolicy#SKIP}, which counts it as missed).
 */
public final class Scheduler implements AutoCloseable
{
    private final Clock clock;
    private final ZoneId zone;
    private final TaskRegistry registry;
    private final SpecCompiler specs;
    private final StoreBinding store;
    private final SchedulerLifecycle lifecycle;

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
        final Dispatcher dispatcher = Objects.requireNonNull(builder.dispatcher, "dispatcher");
        this.store = new StoreBinding(builder);
        try
        {
            this.clock = store.clock;
            this.zone = builder.zone != null ? builder.zone : clock.getZone();
            this.specs = new SpecCompiler(zone, builder.defaultDialect, builder.misfirePolicy);
            final KeyProvider key = builder.keyProvider != null ? builder.keyProvider : KeyProvider.random();
            final CallbackVault vault = store.vault(key, builder.aead);
            this.registry = new TaskRegistry(clock, builder, vault, store.cluster);
            this.lifecycle = new SchedulerLifecycle(this, registry, dispatcher, store, vault);
            store.attach(registry, zone);
        }
        catch (final RuntimeException | Error ex)
        {
            store.abandon(ex); // the journal's lock and thread are released: a later build may open it
            throw ex;
        }
    }

    /**
     * @return a builder with the defaults: inline {@link Dispatcher}, system clock, the clock's zone.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Registers a recurring task; a shortcut for {@code schedule(TaskSpec.named(name).cron(cron).run(callback))}.
     * The expression is read in the builder's {@link Builder#defaultDialect default
     * dialect}; without one, its field count decides: 5 fields are UNIX cron (minute first), 6 are Spring (seconds
     * first) unless Quartz would read them differently (then they are refused), 7 are Quartz (with year); macros such
     * as {@code @hourly} are UNIX.
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
        SpecCompiler.checkName(name);
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(callback, "callback");
        schedule(TaskSpec.named(name).cron(cron).run(callback));
    }

    /**
     * Registers the task a spec describes: one schedule, its options, one callback. Every {@code register*} method is
     * a shortcut onto this one. On a durable store the task is stored before this returns; a {@code Runnable} task
     * whose name the store holds from before a restart resumes its counters, paused state and next fire (its passed
     * fires are decided by its misfire policy), and a changed schedule replaces the stored one (logged).
     *
     * @param spec the task.
     * @throws InvalidCronExpressionException when a cron expression is malformed or can never fire.
     * @throws IllegalArgumentException       when the spec has no schedule or no callback, a live task already has
     *                                        its name (that task is left intact), its handler is unknown, its payload
     *                                        too large, its initial delay or interval leaves no fire (the message
     *                                        names {@code initialDelay} or the interval), or its name blank or too
     *                                        long (over 1,024 characters; on a cluster also over 2,048 bytes in
     *                                        UTF-8, or holding a NUL character), or, on a durable store, holding an
     *                                        unpaired surrogate, which UTF-8 cannot keep; the message says which
     *                                        field and why.
     * @throws NullPointerException           when the spec is null.
     * @throws IllegalStateException          when the scheduler is closed.
     * @throws orchestrator.scheduler.store.TaskStoreException when the durable store failed to store it (the task
     *                                        is then not registered).
     */
    public void schedule(final TaskSpec spec)
    {
        Objects.requireNonNull(spec, "spec");
        final String name = spec.name();
        SpecCompiler.checkName(name);
        SpecCompiler.validate(spec, true);
        checkOpen();
        if (spec.handler != null)
        {
            registry.cycle.runner.requireHandler(spec.handler);
        }
        store.register(name, specs.definitionOf(spec), SpecCompiler.onceAtOf(spec), spec.payload);
    }

    /**
     * Pauses a task: it keeps its schedule, but every fire that comes due while it is paused is counted as missed
     * (and told to {@link TaskListener#onMissed}), never run and never silent. A one-time fire that passes while
     * paused waits for {@link #resume}, where its misfire policy decides. A run already going (handed to a worker or
     * started) finishes. A coalesced run waiting for it ({@link OverlapPolicy#COALESCE}) does not start: the pause
     * counts its fires as missed (reason {@code paused}) and tells the listeners. Runs asked for by
     * {@link #triggerNow}, before or during the pause, still run. Idempotent. While paused, {@link #nextFireTime}
     * shows the first fire after now, never a passed one that will not run.
     *
     * @param name the task's name.
     * @return true when a live task of that name is now paused; false for an unknown or finished task, or a restored
     *         task still waiting for its handler.
     */
    public boolean pause(final String name)
    {
        Objects.requireNonNull(name, "name");
        final boolean paused = registry.control.pause(name);
        if (paused)
        {
            store.changed(name);
        }
        return paused;
    }

    /**
     * Resumes a paused task: its next fire runs as usual. Fires that came due while it was paused are counted as missed
     * (a one-time task's passed fire is decided by its misfire policy); its next fire is the first after now (a
     * fixed-delay task's, a delay after now), as {@link #nextFireTime} showed it while paused. Idempotent.
     *
     * @param name the task's name.
     * @return true when a live task of that name is now not paused; false for an unknown or finished task, or a
     *         restored task still waiting for its handler.
     */
    public boolean resume(final String name)
    {
        Objects.requireNonNull(name, "name");
        final boolean resumed = registry.control.resume(name);
        if (resumed)
        {
            store.changed(name);
        }
        return resumed;
    }

    /**
     * Runs a task once more, now: at the next {@code runPending()} (the driver is woken), or, if the task is running,
     * as soon as that run ends: never two runs of one task at once. Its schedule is not changed (a fixed-delay task's
     * next fire counts from the end of this run, as from any run's); a paused task runs too, as does a trigger made
     * before its pause (unlike a coalesced run, which a pause drops). Triggers that wait for
     * the same run are merged into one run, whose {@link FireContext#fires()} counts them.
     *
     * @param name the task's name.
     * @return true when a live task of that name will run; false for an unknown or finished task, or a restored task
     *         still waiting for its handler.
     * @throws IllegalStateException when the scheduler is closed.
     */
    public boolean triggerNow(final String name)
    {
        Objects.requireNonNull(name, "name");
        checkOpen();
        return registry.control.triggerNow(name, clock.millis());
    }

    /**
     * Gives a live task a new schedule and options, keeping its counters ({@code runs}, {@code missed},
     * {@code failures}), its paused state and its pending runs; its next fire is computed from now as for a new task,
     * except a fixed delay given while a run goes: it counts from the end of that run, as after any run (until then
     * {@link #nextFireTime} is empty).
     * Fires of the old schedule that had come due and were not collected yet are counted as missed.
     * A spec without a callback keeps the task's callback (and payload); one with a callback replaces it. A run
     * already going finishes with the old callback.
     *
     * @param name the task's name; the spec's name must be the same.
     * @param spec the new schedule and options, and optionally a new callback.
     * @return true when the task was rescheduled; false for an unknown or finished task, or a restored task still
     *         waiting for its handler.
     * @throws IllegalArgumentException as {@link #schedule(TaskSpec)}, or when the spec names another task.
     * @throws IllegalStateException    when the scheduler is closed.
     */
    public boolean reschedule(final String name, final TaskSpec spec)
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        if (!spec.name().equals(name))
        {
            throw new IllegalArgumentException("reschedule of task '" + name + "' was given a spec named '" +
                spec.name() + "'; a task keeps its name");
        }
        SpecCompiler.validate(spec, false);
        checkOpen();
        if (spec.handler != null)
        {
            registry.cycle.runner.requireHandler(spec.handler);
        }
        final TaskDefinition definition = specs.definitionOf(spec);
        final long onceAt = SpecCompiler.onceAtOf(spec);
        registry.firstFire(name, definition, clock.millis(), onceAt, spec.payload); // refuses what can never fire
        return store.reschedule(name, () ->
            registry.control.reschedule(name, definition, !spec.hasCallback(), spec.payload, onceAt));
    }

    /**
     * Adds a listener of every task's runs, misses and timeouts. With none added, runs build no {@link FireContext}.
     *
     * @param listener the listener; adding one twice makes it hear everything twice.
     */
    public void addListener(final TaskListener listener)
    {
        registry.listeners.add(listener);
    }

    /**
     * @param listener a listener given to {@link #addListener}.
     * @return true when it was removed (once, if added several times); runs already started may still call it.
     */
    public boolean removeListener(final TaskListener listener)
    {
        Objects.requireNonNull(listener, "listener");
        return registry.listeners.remove(listener);
    }

    /**
     * Registers a recurring task on a parsed schedule, which keeps its own dialect, zone and DST policy; a shortcut
     * for {@code schedule(TaskSpec.named(name).cron(schedule).run(callback))}.
     *
     * @param name     a unique, non-blank task name.
     * @param schedule the schedule.
     * @param callback what to run at each fire.
     * @throws InvalidCronExpressionException when the schedule can never fire.
     * @throws IllegalArgumentException       when a live task already has this name.
     */
    public void registerTask(final String name, final CronSchedule schedule, final Runnable callback)
    {
        SpecCompiler.checkName(name);
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(callback, "callback");
        schedule(TaskSpec.named(name).cron(schedule).run(callback));
    }

    /**
     * Registers a recurring task with its own misfire policy; a shortcut for
     * {@code schedule(TaskSpec.named(name).cron(schedule).misfire(misfire).run(callback))}.
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
        SpecCompiler.checkName(name);
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(misfire, "misfire");
        Objects.requireNonNull(callback, "callback");
        schedule(TaskSpec.named(name).cron(schedule).misfire(misfire).run(callback));
    }

    /**
     * Registers a task that fires once; a shortcut for {@code schedule(TaskSpec.named(name).once(at).run(callback))}.
     * An instant in the past (or now) fires at the next {@link #runPending()}, under
     * the default {@link MisfirePolicy#FIRE_ONCE}; a scheduler whose default policy is {@code SKIP} counts it as missed.
     *
     * @param name     a unique, non-blank task name.
     * @param at       when to fire.
     * @param callback what to run.
     * @throws IllegalArgumentException when a live task already has this name.
     */
    public void registerOnce(final String name, final Instant at, final Runnable callback)
    {
        SpecCompiler.checkName(name);
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(callback, "callback");
        schedule(TaskSpec.named(name).once(at).run(callback));
    }

    /**
     * Registers a named handler that tasks refer to with a payload. Handlers live for the scheduler's life. On a
     * durable store, the restored tasks that waited for this handler start now: their fires that passed while they
     * waited are decided by their misfire policy at the next {@link #runPending()}.
     *
     * @param name    a unique, non-blank handler name.
     * @param handler receives the task's opened payload; it must not keep the array, which is wiped after it returns.
     * @throws IllegalArgumentException when a handler already has this name, or, on a durable store, the name holds
     *                                  an unpaired surrogate, which the store's UTF-8 cannot keep.
     * @throws IllegalStateException    in production mode on a durable store, when a restored task waiting for this
     *                                  handler holds a plain record stored in test mode, which production mode does
     *                                  not open: switch on test mode first (the handler is not registered).
     */
    public void registerHandler(final String name, final Consumer<byte[]> handler)
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (name.isBlank())
        {
            throw new IllegalArgumentException("handler name must not be blank");
        }
        checkOpen();
        store.checkStorable("handler name", name);
        store.requireSealedWaiting(name); // production mode would fail each of them at its first fire
        registry.cycle.runner.registerHandler(name, handler);
        store.onHandler(name); // the stored tasks that waited for it start
    }

    /**
     * Registers a recurring task whose callback is a registered handler and a payload, stored sealed (encrypted and
     * authenticated) in production mode and opened only for the moment the handler runs; a shortcut for
     * {@code schedule(TaskSpec.named(name).cron(cron).handler(handler, payload))}.
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
        SpecCompiler.checkName(name);
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(handler, "handler");
        schedule(TaskSpec.named(name).cron(cron).handler(handler, payload));
    }

    /**
     * Registers a one-time task whose callback is a registered handler and a sealed payload; a shortcut for
     * {@code schedule(TaskSpec.named(name).once(at).handler(handler, payload))}.
     *
     * @param name    a unique, non-blank task name.
     * @param at      when to fire; an instant in the past fires at the next {@link #runPending()}.
     * @param handler the name of a handler given to {@link #registerHandler}.
     * @param payload the bytes the handler receives (copied); null means empty.
     * @throws IllegalArgumentException when the name is taken or the handler unknown.
     */
    public void registerOnce(final String name, final Instant at, final String handler, final byte[] payload)
    {
        SpecCompiler.checkName(name);
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(handler, "handler");
        schedule(TaskSpec.named(name).once(at).handler(handler, payload));
    }

    /**
     * Re-seals every stored payload under a new key while the scheduler keeps running; fires already collected
     * still open under the old key, which is wiped once the last of them has run. No fire is lost or run twice.
     * A pass stopped by a throwable keeps the old key too, so every payload opens; the next call completes it.
     *
     * @param next the new key; its bytes are copied, so the caller may destroy it afterwards.
     * @throws IllegalStateException in test mode, where payloads are not encrypted; on a durable store, while restored
     *                               tasks wait for their handler (register the handlers first); when the scheduler
     *                               is closed, also while the re-seal is under way (no task is failed for it).
     */
    public void rotateKey(final KeyProvider next)
    {
        Objects.requireNonNull(next, "next");
        checkOpen();
        store.requireNoneWaiting("rotateKey"); // their stored records could not be re-sealed
        registry.resealer.rotateKey(next);
        store.resealed();
    }

    /**
     * Cancels a task: it will not fire again, even if it is due right now; a run already started finishes, and a task
     * registered again under its name meanwhile does not start before it (its overlap policy decides). The fires
     * that came due and did not run yet (not collected, collected but not started, or a trigger or coalesced run still
     * pending) are counted as missed, with the reason {@code cancelled}, in the finished task's
     * {@link TaskInfo#missed()}. On a
     * durable store it is removed from the store before this returns, as is a restored task that waits for its
     * handler, or a stored {@code Runnable} task not registered again.
     *
     * @param name the task's name.
     * @return true when a live task, or a restored task waiting for its handler, was cancelled.
     * @throws orchestrator.scheduler.store.TaskStoreException when the durable store failed to remove it.
     */
    public boolean cancel(final String name)
    {
        Objects.requireNonNull(name, "name");
        return store.cancel(name);
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
        return runPending(Integer.MAX_VALUE);
    }

    /**
     * Runs due tasks as {@link #runPending()} does, but handles at most {@code maxFires} due fires in this call, so
     * that one call's work is bounded; the rest stay due for the next call. A task found late with several fires
     * passed counts as one due fire, however many of them its misfire policy runs (at most the cap of
     * {@link MisfirePolicy#fireAll}).
     *
     * @param maxFires the most due fires to handle, at least 1.
     * @return the number of callbacks started (inline dispatcher) or handed to workers, each run of a
     *         {@code fireAll} catch-up counted.
     * @throws IllegalArgumentException when {@code maxFires < 1}.
     * @throws IllegalStateException    when the scheduler is closed.
     */
    public int runPending(final int maxFires)
    {
        if (maxFires < 1)
        {
            throw new IllegalArgumentException("maxFires must be at least 1, was " + maxFires);
        }
        checkOpen();
        store.firing(); // a cluster node claims once it fires
        return registry.cycle.runPending(clock.millis(), maxFires);
    }

    /**
     * Looks one task up by name, in constant time.
     *
     * @param name a task's name.
     * @return the live task of that name, or else the most recent finished one still retained; empty when none.
     */
    public Optional<TaskInfo> task(final String name)
    {
        Objects.requireNonNull(name, "name");
        return store.task(name);
    }

    /**
     * @param name a task's name.
     * @return the task's next fire time, as {@link #task(String)} shows it; empty for unknown, cancelled and finished
     *         tasks, and while a one-time fire or a fixed-delay task runs (a fixed delay's next fire is set when its
     *         run ends). A paused task shows the first fire after now, as a resume now would file it (a fixed-delay
     *         task's, a delay after now): the fires passed while paused never run, they are counted as missed; a
     *         one-time task's passed fire is shown until resume decides it. So does a late task whose passed fires
     *         {@link MisfirePolicy#SKIP} will not run (none within the misfire threshold). A restored task that waits
     *         for its handler shows its stored next fire.
     */
    public Optional<Instant> nextFireTime(final String name)
    {
        Objects.requireNonNull(name, "name");
        final long next = registry.reads.nextFireTime(name);
        return next == CronSchedule.NEVER ? store.waitingNextFire(name) : Optional.of(Instant.ofEpochMilli(next));
    }

    /**
     * The health of a durable task store. After a write fails (a full disk, an I/O error) the journal refuses every
     * later write: durable calls ({@code schedule}, {@code cancel}, ...) throw
     * {@link orchestrator.scheduler.store.TaskStoreException}, while fires go on from memory and their progress is no
     * longer stored (a WARNING is logged once). Reopening the journal after a restart recovers everything acknowledged
     * before the failure.
     *
     * @return the store's first failure and how many progress batches failed since; empty while the store works, and
     *         always on the in-memory store.
     */
    public Optional<String> storeFailure()
    {
        return store.failure();
    }

    /**
     * @return an immutable snapshot of every live task and of the most recently finished ones; on a durable store,
     *         first the restored tasks that wait for their handler ({@link TaskInfo#lastError()} says which).
     */
    public List<TaskInfo> tasks()
    {
        return store.tasks();
    }

    /**
     * The engine's own metrics: runs, missed fires and failures of every task it ever had, and, while timings are on
     * ({@link Builder#recordTimings}), histograms of fire lateness and run time. The lock is held for a constant
     * time, whatever the number of tasks. On a durable store they count from zero at each restart, as a process's
     * counters do: a restored task's {@link TaskInfo} goes on from its stored counters, which are not added here.
     *
     * @return a snapshot, counted since the scheduler was built.
     */
    public SchedulerMetrics metrics()
    {
        return registry.metrics.snapshot();
    }

    /**
     * @return this node's id ({@link Builder#nodeId}).
     */
    public String nodeId()
    {
        return registry.nodeId != null ? registry.nodeId : DefaultNodeId.VALUE;
    }

    /**
     * Completions this cluster node wrote whose claim had been taken over meanwhile (the node was fenced: paused or
     * cut off past its lease); they changed nothing in the shared store. Each is also logged and added to the node's
     * {@code orchestrator_nodes.rejected}.
     *
     * @return the count since the scheduler was built; 0 when not clustered.
     */
    public long rejectedCompletions()
    {
        return store.rejectedCompletions();
    }

    /**
     * @return how many times this cluster node learnt at a heartbeat that it had been fenced (and rejoined); 0 when
     *         not clustered.
     */
    public long timesFenced()
    {
        return store.timesFenced();
    }

    /**
     * Test mode stores callback payloads in plain form instead of sealing them, and logs a warning when switched on.
     * Switching converts every stored payload to the new form at once (plain to sealed under the production key, or
     * back). It changes nothing else: timing, locking and error handling are the same in both modes.
     *
     * @param enabled true to switch test mode on.
     * @throws IllegalStateException when the scheduler is closed; on a durable store, when the mode would change while
     *                               restored tasks wait for their handler (register the handlers first) with stored
     *                               records the new mode could not open: as at a {@link #rotateKey key rotation},
     *                               they could not be re-sealed. Switching on test mode is refused only by sealed
     *                               records (so a journal written in test mode restarts in test mode), switching it
     *                               off by any.
     */
    public void setTestMode(final boolean enabled)
    {
        checkOpen();
        if (enabled != registry.resealer.isTestMode())
        {
            if (enabled)
            {
                store.requireNoneSealedWaiting("setTestMode"); // the switch retires the key they are sealed under
            }
            else
            {
                store.requireNoneWaiting("setTestMode"); // production mode opens no plain record, under a new key id
            }
        }
        if (enabled && !registry.resealer.isTestMode())
        {
            CallbackRunner.log(WARNING, "test mode is on: callback payloads are stored unencrypted", null);
        }
        registry.resealer.setTestMode(enabled);
        store.resealed();
    }

    /**
     * @return true when test mode is on; it is off by default (production mode: payloads sealed).
     */
    public boolean isTestMode()
    {
        return registry.resealer.isTestMode(); // kept as it was at close
    }

    /**
     * Starts a daemon driver thread that calls {@link #runPending()} at each deadline. Idempotent.
     *
     * @throws IllegalStateException when the scheduler is closed.
     */
    public void start()
    {
        lifecycle.start();
    }

    /**
     * Waits until no callback is running or queued and the bookkeeping of every finished run is done; once
     * {@link #start()} was called (until {@link #close(Duration) close}), also until no coalesced or triggered run is
     * left pending, since the driver runs them. Without a driver such a run waits for the next {@link #runPending()}
     * and is not waited for: call {@code runPending()} after this to run it; nor is it on the driver's own thread
     * (from a listener), where the driver runs it once this returns. Called from inside one of this scheduler's
     * callbacks, it cannot wait for that callback's own run, nor from a listener told of missed fires or timeouts for
     * the fires the same collection claimed, dispatched once it returns: it returns false at once.
     *
     * @param timeout the longest to wait; durations too long to count in nanoseconds wait without limit.
     * @return true when idle, false when the timeout passed first (at once from inside a callback).
     * @throws InterruptedException when interrupted while it has to wait (an interrupt pending at the call included);
     *                              the interrupt status is then cleared, as by {@link Object#wait()}. An idle
     *                              scheduler returns true without looking at it, leaving it set.
     */
    public boolean awaitIdle(final Duration timeout) throws InterruptedException
    {
        Objects.requireNonNull(timeout, "timeout");
        return lifecycle.awaitIdle(timeout);
    }

    /**
     * Stops the driver thread, if started, then closes the dispatcher, which runs what it had accepted, waiting as
     * long as that takes. Idempotent. An interrupt does not cut the wait short; it is re-asserted on return. Prefer
     * {@link #close(Duration)}, which cannot hang on a hung callback.
     */
    @Override
    public void close()
    {
        lifecycle.close();
    }

    /**
     * Stops the scheduler within a time limit: no new registration or {@code runPending()} is accepted, the driver
     * thread stops first, then the dispatcher's workers run what they had accepted and stop, and callbacks that other
     * threads' {@code runPending()} calls run inline are waited for too (a callback that closes its own scheduler does
     * not wait for itself). The workers are stopped even when the driver did not stop in time: no callback starts
     * once this returns: a fire still queued for a worker when the time is up, and the later runs of a
     * {@code fireAll} catch-up, are not run but counted as missed. Callbacks still running when the time is up are
     * logged by task name and left to finish on their own threads.
     *
     * @param timeout the longest to wait.
     * @return true when the driver and every callback stopped in time; false on timeout or interrupt (the interrupt
     *         flag is then kept set).
     */
    public boolean close(final Duration timeout)
    {
        Objects.requireNonNull(timeout, "timeout");
        return lifecycle.close(timeout);
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

    private void checkOpen()
    {
        lifecycle.checkOpen();
    }

    /** @return whether {@link #close} was called. */
    boolean isClosed()
    {
        return lifecycle.isClosed();
    }

    /**
     * NOT thread safe: configure on one thread, then {@link #build()}. Builds a {@link Scheduler}.
     */
    public static final class Builder
    {
        Dispatcher dispatcher = null;
        Clock clock = Clock.systemDefaultZone();
        ZoneId zone;
        int retainFinished = 10_000;
        MisfirePolicy misfirePolicy = MisfirePolicy.FIRE_ONCE;
        Duration misfireThreshold = Duration.ofSeconds(1);
        KeyProvider keyProvider;
        TaskStore store; // null: TaskStore.inMemory()
        Aead aead = CallbackVault.DEFAULT_AEAD;
        int maxPayloadBytes = 1 << 20;
        CronDialect defaultDialect;
        boolean recordTimings;
        String nodeId;
        ReentrantLock registryLock; // null: a plain ReentrantLock; set by measurement harnesses in this package

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
         * Reads every cron expression registered as a string in one dialect, e.g. {@code QUARTZ} for a code base
         * moving from Quartz, where {@code 0 0 12 ? * 2} means Monday (as SPRING it would mean Tuesday). Default: none,
         * and the dialect follows the field count (5 UNIX, 6 SPRING, 7 QUARTZ), refusing six fields that SPRING and
         * QUARTZ read differently. Schedules registered as {@link CronSchedule} keep their own dialect.
         *
         * @param dialect the dialect of every string cron registered on the scheduler.
         * @return this builder.
         */
        public Builder defaultDialect(final CronDialect dialect)
        {
            this.defaultDialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * @param count how many finished (completed, cancelled or failed) tasks {@link Scheduler#tasks()} keeps
         *              showing, oldest dropped first; default 10,000. Beyond 10,000 the history's memory grows with
         *              the tasks that finished, so {@code Integer.MAX_VALUE} keeps them all.
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
         * Where tasks are kept; default {@link TaskStore#inMemory()}, which is today's scheduler: nothing is written
         * anywhere. On a durable store ({@link TaskStore#journal}), {@link #build()} opens it and restores its tasks:
         * handler tasks wait (visible in {@link Scheduler#tasks()}) until their handler is registered, {@code Runnable}
         * tasks resume their counters and missed fires when their name is registered again. Registration, cancel,
         * pause, resume, reschedule and key rotation are durable when they return; fire progress is written in one
         * batch per collection without waiting. A durable store needs a key that outlives the process:
         * {@link #build()} refuses one with the default key or {@link KeyProvider#random()}, whose records could not
         * be opened after a restart. {@link Scheduler#close()} forces and releases the store.
         *
         * @param store the task store.
         * @return this builder.
         */
        public Builder store(final TaskStore store)
        {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * @param aead the cipher production mode seals payloads with; default {@link CallbackVault#DEFAULT_AEAD}.
         * @return this builder.
         */
        public Builder aead(final Aead aead)
        {
            this.aead = Objects.requireNonNull(aead, "aead");
            return this;
        }

        /**
         * @param bytes the largest handler payload a task may carry; default 1 MiB. Larger payloads are refused at
         *              registration with the size and the limit in the message.
         * @return this builder.
         */
        public Builder maxPayloadBytes(final int bytes)
        {
            if (bytes < 0)
            {
                throw new IllegalArgumentException("maxPayloadBytes must be >= 0, was " + bytes);
            }
            this.maxPayloadBytes = bytes;
            return this;
        }

        /**
         * Records the lateness and run time of every fire in the histograms of {@link Scheduler#metrics()}. Off by
         * default: it reads {@code System.nanoTime()} twice per run, which costs as much as a whole fire of an empty
         * callback; the counters of runs, missed fires and failures are kept either way. A bound
         * {@link SchedulerMeterBinder} switches timings on.
         *
         * @param record true to record timings from the first fire on.
         * @return this builder.
         */
        public Builder recordTimings(final boolean record)
        {
            this.recordTimings = record;
            return this;
        }

        /**
         * This scheduler's id as a cluster node ({@link TaskStore#postgres}): the owner of its claims and the key of
         * its lease row. Each live node needs its own id; a node restarted with the same id rejoins with a new epoch,
         * which fences what it held before. Also in {@link FireContext#nodeId()}.
         *
         * @param nodeId a non-blank id that keys a row of the cluster's nodes table: at most 2,048 bytes in UTF-8, no
         *               NUL character, no unpaired surrogate; default: the host name, "-" and the process id.
         * @return this builder.
         * @throws IllegalArgumentException when the id is blank or cannot key a row, saying why.
         */
        public Builder nodeId(final String nodeId)
        {
            Objects.requireNonNull(nodeId, "nodeId");
            if (nodeId.isBlank())
            {
                throw new IllegalArgumentException("a node id must not be blank");
            }
            StoredNames.requireClusterKey("node id", nodeId);
            this.nodeId = nodeId;
            return this;
        }

        String nodeId()
        {
            return nodeId != null ? nodeId : DefaultNodeId.VALUE; // the host name is looked up once, when needed
        }

        /**
         * @return a new scheduler.
         * @throws IllegalStateException on a durable store, when the key opens none of the stored records of the tasks
         *                               to restore: it is not the key they were sealed under.
         */
        public Scheduler build()
        {
            if (dispatcher == null)
            {
                dispatcher = new Dispatcher();
            }
            StoreBinding.requireLastingKey(store, keyProvider);
            return new Scheduler(this);
        }
    }
}
