package orchestrator.scheduler;

import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.RecordOpenException;

import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: any number of threads may run fires at once. Phase 2 of a fire: runs its {@code Runnable}, or opens
 * its sealed record and runs its handler on the plaintext, and writes the outcome into the fire. It never throws and
 * never lets logging or message building stand between a run and its completion: a callback that throws anything, an
 * exception whose {@code toString()} throws, or a logger that throws are all recorded as the run's failure.
 * <p>
 * With no listener and no {@code Consumer<FireContext>} callback, a run builds no {@link FireContext} and allocates
 * nothing; otherwise each callback run gets a new context, made on its thread, and the listeners are called around it
 * ({@link Listeners} catches what they throw).
 * <p>
 * Caveats: a callback that restores the interrupt flag has it cleared when it returns (each run of a fireAll batch
 * included), unless the thread was already interrupted before the fire (so an interrupt meant for the caller of
 * {@code runPending()} is kept).
 */
final class CallbackRunner
{
    /** The most characters of a failure's description that a task keeps as its {@link TaskInfo#lastError()}. */
    static final int MAX_DESCRIPTION = 1024;
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    private final ConcurrentHashMap<String, Consumer<byte[]>> handlers = new ConcurrentHashMap<>();
    private final TaskTable table;
    private final CallbackVault vault;
    private final BiConsumer<Fire, byte[]> runHandler = this::runHandler; // one object for every fire
    private final Listeners listeners;
    private final Clock clock;
    private volatile boolean stopped; // a close gave up waiting: no callback may start from then on

    CallbackRunner(final TaskTable table, final CallbackVault vault, final Listeners listeners, final Clock clock)
    {
        this.table = table;
        this.vault = vault;
        this.listeners = listeners;
        this.clock = clock;
    }

    void registerHandler(final String name, final Consumer<byte[]> handler)
    {
        if (handlers.putIfAbsent(name, handler) != null)
        {
            throw new IllegalArgumentException("a handler named '" + name + "' is already registered");
        }
    }

    void requireHandler(final String name)
    {
        if (!handlers.containsKey(name))
        {
            throw new IllegalArgumentException(
                "no handler named '" + name + "' is registered; call registerHandler first");
        }
    }

    /**
     * A close that gave up waiting for the callbacks is about to return: from now on no callback starts, neither a
     * fire still queued for a worker nor the next run of a {@code fireAll} catch-up; their fires count as missed and
     * are told to the listeners on the thread that would have run them, which holds no lock of the scheduler.
     */
    void stop()
    {
        stopped = true;
    }

    void run(final Fire fire)
    {
        final boolean interruptedBefore = Thread.currentThread().isInterrupted();
        try
        {
            final boolean cancelled = table.generationAcquire(fire.id) != fire.generation; // after its collection
            if (cancelled || stopped) // it must not fire; a coalesced run stands for its fires
            {
                release(fire);
                fire.notRun(Math.max(fire.runs, fire.fires), listeners.array());
                return;
            }
            if (fire.definition.handler() == null)
            {
                runRunnable(fire);
            }
            else
            {
                runSealed(fire);
            }
        }
        finally
        {
            clearCallbackInterrupt(interruptedBefore); // a callback's interrupt must not reach the next one or the caller
        }
    }

    /**
     * Releases the vault pin of a fire that will not run.
     */
    void release(final Fire fire)
    {
        if (fire.pin != 0)
        {
            final long pin = fire.pin;
            fire.pin = 0;
            vault.unpin(pin);
        }
    }

    private void runRunnable(final Fire fire)
    {
        final TaskListener[] listeners = this.listeners.array();
        if (listeners.length != 0 || fire.definition.contextCallback() != null)
        {
            runWithContext(fire, listeners, null);
            return;
        }
        final Runnable callback = fire.definition.callback();
        final boolean interruptedBefore = Thread.currentThread().isInterrupted();
        for (int i = fire.runs; i > 0 && mayRun(fire, i); i--)
        {
            if (i != fire.runs)
            {
                nextRun(fire, interruptedBefore);
            }
            fire.ran++;
            final FireEvent event = fire.timing.beforeRun(fire);
            try
            {
                callback.run();
            }
            catch (final Throwable ex)
            {
                failed(fire, ex);
            }
            fire.timing.afterRun(fire, event);
            clearCallbackInterrupt(interruptedBefore); // nor may it reach the next run of a fireAll batch
        }
    }

    /**
     * Before each run of a fire: whether it may start. Not when its task was cancelled, nor once a close gave up
     * (see {@link #stop()}); then the runs left are counted as missed in phase 3.
     *
     * @param left the runs left, this one included.
     */
    private boolean mayRun(final Fire fire, final int left)
    {
        final boolean cancelled = table.generationAcquire(fire.id) != fire.generation;
        if (cancelled || stopped)
        {
            fire.notRun(fire.ran == 0 ? Math.max(left, fire.fires) : left, listeners.array());
            return false;
        }
        return true;
    }

    /**
     * Between two runs of one fire (a {@code fireAll} catch-up): the next run stands for the task's next fire time,
     * and its run timeout counts from its own start.
     */
    private void nextRun(final Fire fire, final boolean interruptedBefore)
    {
        final long next = fire.definition.nextFireAfter(fire.scheduledAt);
        if (next != TaskDefinition.NEVER)
        {
            fire.scheduledAt = next;
        }
        if (fire.watched)
        {
            RunTimeouts.ended(fire, interruptedBefore);
            RunTimeouts.started(fire, fire.millis());
        }
    }

    private void runSealed(final Fire fire)
    {
        final Payload payload = fire.payload;
        final long pin = fire.pin;
        fire.pin = 0;
        try
        {
            vault.runOpened(payload.record(), pin, payload.recordId(), fire.taskName, payload.version(), runHandler,
                fire);
        }
        catch (final RecordOpenException ex)
        {
            fire.openFailure = "callback record failed to open: " + ex.reason().text();
            log(ERROR, "task '" + fire.taskName + "' is FAILED and will not run again: " + fire.openFailure, null);
        }
        catch (final Throwable ex) // the vault itself failed: the run is a failure, the engine goes on
        {
            fire.openFailure = "callback record could not be opened: " + describe(ex);
            log(ERROR, "task '" + fire.taskName + "' is FAILED and will not run again: " + fire.openFailure, ex);
        }
    }

    private void runHandler(final Fire fire, final byte[] plain)
    {
        final TaskListener[] listeners = this.listeners.array();
        if (listeners.length != 0)
        {
            runWithContext(fire, listeners, plain);
            return;
        }
        final Consumer<byte[]> handler = handlers.get(fire.definition.handler());
        final boolean interruptedBefore = Thread.currentThread().isInterrupted();
        for (int i = fire.runs; i > 0 && mayRun(fire, i); i--)
        {
            if (i != fire.runs)
            {
                nextRun(fire, interruptedBefore);
            }
            fire.ran++;
            final FireEvent event = fire.timing.beforeRun(fire);
            final byte[] given = given(fire, plain);
            try
            {
                handler.accept(given);
            }
            catch (final Throwable ex)
            {
                failed(fire, ex);
            }
            finally
            {
                wipe(given, plain);
            }
            fire.timing.afterRun(fire, event);
            clearCallbackInterrupt(interruptedBefore);
        }
    }

    /**
     * @return the array a handler's run receives: the opened payload itself for a single run; for each run of a
     *         {@code fireAll} catch-up a copy, so that a run that wipes or alters its array leaves the next run the
     *         payload.
     */
    private static byte[] given(final Fire fire, final byte[] plain)
    {
        return fire.runs > 1 ? plain.clone() : plain;
    }

    /** Wipes a run's copy of the payload; the opened payload itself is wiped by the vault once the fire is done. */
    private static void wipe(final byte[] given, final byte[] plain)
    {
        if (given != plain)
        {
            Arrays.fill(given, (byte)0);
        }
    }

    /**
     * The runs of a fire with a context: a {@code Consumer<FireContext>} callback, or listeners to call around it.
     *
     * @param plain the opened payload of a handler task; null for a plain task.
     */
    private void runWithContext(final Fire fire, final TaskListener[] listeners, final byte[] plain)
    {
        final TaskDefinition definition = fire.definition;
        final Consumer<byte[]> handler = plain == null ? null : handlers.get(definition.handler());
        final Consumer<FireContext> contextCallback = definition.contextCallback();
        final Runnable callback = definition.callback();
        final boolean interruptedBefore = Thread.currentThread().isInterrupted();
        for (int i = fire.runs; i > 0 && mayRun(fire, i); i--)
        {
            if (i != fire.runs)
            {
                nextRun(fire, interruptedBefore);
            }
            fire.ran++;
            final FireContext context = new FireContext(fire.taskName, Instant.ofEpochMilli(fire.scheduledAt),
                now(fire), fire.fires, fire.fence(), fire.nodeId());
            Listeners.onStart(listeners, context);
            Throwable failure = null;
            final FireEvent event = fire.timing.beforeRun(fire);
            final byte[] given = handler != null ? given(fire, plain) : null;
            try
            {
                if (handler != null)
                {
                    handler.accept(given);
                }
                else if (contextCallback != null)
                {
                    contextCallback.accept(context);
                }
                else
                {
                    callback.run();
                }
            }
            catch (final Throwable ex)
            {
                failure = ex;
                failed(fire, ex);
            }
            finally
            {
                if (given != null)
                {
                    wipe(given, plain);
                }
            }
            fire.timing.afterRun(fire, event);
            clearCallbackInterrupt(interruptedBefore);
            if (failure == null)
            {
                Listeners.onSuccess(listeners, context);
            }
            else
            {
                Listeners.onFailure(listeners, context, failure);
            }
        }
    }

    private Instant now(final Fire fire)
    {
        try
        {
            return clock.instant();
        }
        catch (final Throwable ex) // it must not stand between a run and its completion: timed from its fire time
        {
            return Instant.ofEpochMilli(fire.scheduledAt);
        }
    }

    /**
     * Clears an interrupt flag a callback set, unless the thread was interrupted before the fire: that interrupt is
     * the caller's.
     */
    private static void clearCallbackInterrupt(final boolean interruptedBefore)
    {
        if (!interruptedBefore && Thread.currentThread().isInterrupted())
        {
            Thread.interrupted();
        }
    }

    private static void failed(final Fire fire, final Throwable ex)
    {
        fire.failed++;
        fire.error = describe(ex);
        log(WARNING, "task '" + fire.taskName + "' threw from its callback; it keeps its schedule", ex);
    }

    /**
     * @return {@code ex.toString()}, or the class name when that throws; cut to {@link #MAX_DESCRIPTION} characters
     *         (and its full length noted), since a task and the finished history keep it.
     */
    static String describe(final Throwable ex)
    {
        String description;
        try
        {
            description = String.valueOf(ex);
        }
        catch (final Throwable broken)
        {
            description = ex.getClass().getName() + " (its toString() threw " + broken.getClass().getName() + ")";
        }
        if (description.length() > MAX_DESCRIPTION)
        {
            description = description.substring(0, MAX_DESCRIPTION) + "... (" + description.length() +
                " characters in all)";
        }
        return description;
    }

    /**
     * Logs and swallows whatever the logger throws: a full disk must not stop a fire from completing.
     */
    static void log(final System.Logger.Level level, final String message, final Throwable ex)
    {
        try
        {
            if (ex == null)
            {
                LOG.log(level, message);
            }
            else
            {
                LOG.log(level, message, ex);
            }
        }
        catch (final Throwable ignored)
        {
            // nothing left to report it to
        }
    }
}
