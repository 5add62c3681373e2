package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.KeyProvider;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Thread safe: every method may be called from any thread, callbacks included. The tasks by name ({@link TaskTable})
 * and the wheel they wait in ({@link TimerWheel}), guarded by one {@link ReentrantLock}: registration, cancellation,
 * and the re-sealing of payloads; the reads are in {@link TaskReads}. The phases of {@code runPending()} are in
 * {@link FireCycle}.
 * <p>
 * Caveats: no lock hold grows with the number of tasks: {@link TaskReads#snapshot()} copies in chunks, payloads are
 * sealed and re-sealed outside the lock, and the wheel's work per poll is bounded.
 */
final class TaskRegistry
{
    private static final byte[] NO_BYTES = new byte[0];

    final ReentrantLock lock;
    final TaskTable table = new TaskTable(1024);          // guarded by lock
    final TimerWheel wheel;                               // guarded by lock
    final HeldBack heldBack = new HeldBack();             // guarded by lock
    final CallbackVault vault;
    final FireMetrics metrics;
    final FireCycle cycle;
    final TaskReads reads;
    private final FinishedTasks finished;                 // guarded by lock
    final UnretiredTasks unretired = new UnretiredTasks(); // guarded by lock
    private final AtomicLong recordIds = new AtomicLong();
    final Clock clock;
    final TaskControl control = new TaskControl(this);
    final RunTimeouts timeouts = new RunTimeouts();   // guarded by lock
    final Listeners listeners = new Listeners();
    private final int maxPayloadBytes;
    private TaskDefinition lastDefinition;                // guarded by lock: shared by consecutive registrations
    volatile long sealEpoch;                              // written under lock: moves at each rotation or mode switch
    final Resealer resealer;
    final ProgressLog progress;                           // guarded by lock; null on the in-memory store
    final ClusterNode cluster;                            // null when not clustered
    final String nodeId;                                  // null: the default, looked up when first asked
    private volatile Runnable onEarlierDeadline = () -> {};
    private volatile long plannedWake = Long.MAX_VALUE;

    TaskRegistry(final Clock clock, final Scheduler.Builder builder, final CallbackVault vault,
        final ClusterNode cluster)
    {
        this.lock = builder.registryLock != null ? builder.registryLock : new ReentrantLock();
        this.clock = clock;
        this.vault = vault;
        this.maxPayloadBytes = builder.maxPayloadBytes;
        this.wheel = new TimerWheel(clock.millis());
        this.finished = new FinishedTasks(builder.retainFinished);
        this.resealer = new Resealer(this);
        this.metrics = new FireMetrics(this, builder.recordTimings);
        this.cluster = cluster;
        this.nodeId = cluster != null ? cluster.nodeId() : builder.nodeId;
        this.progress = builder.store != null && builder.store.isDurable() && cluster == null ?
            new ProgressLog(builder.store) : null;
        this.cycle = new FireCycle(this, new CallbackRunner(table, vault, listeners, clock), builder.dispatcher,
            saturatedMillis(builder.misfireThreshold));
        this.reads = new TaskReads(this, finished, unretired);
    }

    /**
     * @return the duration in ms, or {@link Long#MAX_VALUE} for a duration too long to count in ms (it is never negative).
     */
    private static long saturatedMillis(final java.time.Duration duration)
    {
        try
        {
            return duration.toMillis();
        }
        catch (final ArithmeticException tooLong)
        {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Registers a task: its payload is sealed before the lock is taken.
     *
     * @param onceAt the fire time of a one-time task (epoch ms); ignored for recurring tasks.
     */
    void register(final String name, final TaskDefinition proposed, final long onceAt, final byte[] payload)
    {
        final String handler = proposed.handler();
        final long now = clock.millis();
        final long first = firstFire(name, proposed, now, onceAt, payload);
        final long recordId = handler == null ? 0 : recordIds.incrementAndGet();
        final byte[] bytes = payload == null ? NO_BYTES : payload;
        while (true)
        {
            final long epoch = sealEpoch;
            final Payload sealed = handler == null ? null : new Payload(vault.seal(recordId, name, 0, bytes), recordId, 0);
            lock.lock();
            try
            {
                cycle.drainCompletions();
                if (table.idOf(name) != TaskTable.NO_ID)
                {
                    throw new IllegalArgumentException("a task named '" + name + "' is already registered");
                }
                if (epoch != sealEpoch)
                {
                    continue; // a rotation or mode switch began while we sealed: seal again
                }
                TaskDefinition definition = lastDefinition;
                if (definition == null || !definition.sameAs(proposed))
                {
                    definition = proposed;
                    lastDefinition = definition;
                }
                final int id = table.add(name, definition, sealed, onceAt);
                control.added(id);
                wheel.schedule(id, first);
                break;
            }
            finally
            {
                lock.unlock();
            }
        }
        if (first < plannedWake)
        {
            onEarlierDeadline.run();
        }
    }

    /**
     * @return the first fire of a task about to be registered or rescheduled at {@code now}.
     * @throws IllegalArgumentException when the payload is too large or the task could never fire.
     */
    long firstFire(final String name, final TaskDefinition definition, final long now, final long onceAt,
        final byte[] payload)
    {
        if (payload != null && payload.length > maxPayloadBytes)
        {
            throw new IllegalArgumentException("payload of task '" + name + "' is " + payload.length +
                " bytes, over the limit of " + maxPayloadBytes + " (Scheduler.Builder.maxPayloadBytes)");
        }
        final long first = definition.firstFire(now, onceAt);
        if (first == TaskDefinition.NEVER)
        {
            final CronSchedule cron = definition.cron();
            final long delayMs = definition.initialDelayMs();
            if (delayMs > 0 && (cron == null || cron.nextAfterEpochMilli(now) != TaskDefinition.NEVER))
            {
                // the schedule fires, but not after the delay: the delay is at fault, not the expression
                throw new IllegalArgumentException("task '" + name + "': initialDelay " +
                    java.time.Duration.ofMillis(delayMs) + " is refused: " + (cron != null ?
                    "cron '" + cron.expression() + "' has no fire time at or after " :
                    "the first fire would be at or after ") + delayedInstant(now, delayMs));
            }
            if (cron != null)
            {
                throw new InvalidCronExpressionException(cron.expression(), "expression", cron.expression(),
                    "it has no fire time after " + Instant.ofEpochMilli(now));
            }
            throw new IllegalArgumentException("task '" + name + "': " + (definition.isRecurring() ? // an interval
                definition.describe() + " is refused: its first fire would be at or after " :
                "a one-time task needs an instant before ") + Instant.ofEpochMilli(TaskDefinition.NEVER));
        }
        return first;
    }

    /**
     * @return {@code now + delayMs} as an instant, or the end of the epoch-millisecond range when that passes it.
     */
    private static Instant delayedInstant(final long now, final long delayMs)
    {
        final long at = now + delayMs;
        return Instant.ofEpochMilli(at < now || at >= TaskDefinition.NEVER ? TaskDefinition.NEVER : at);
    }

    /**
     * Seals a new payload for a task outside the lock; the caller checks {@link #sealEpoch} under the lock.
     */
    Payload seal(final String name, final byte[] payload)
    {
        final long recordId = recordIds.incrementAndGet();
        return new Payload(vault.seal(recordId, name, 0, payload == null ? NO_BYTES : payload), recordId, 0);
    }

    /**
     * Wakes the driver, if started, to look at the wheel and the ready queue again.
     */
    void wakeDriver()
    {
        onEarlierDeadline.run();
    }

    boolean cancel(final String name)
    {
        final long first;
        long missed = 0;
        lock.lock();
        try
        {
            cycle.drainCompletions();
            final int id = table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return false;
            }
            final long now = cycle.millis(); // a clock that throws reads as long ago: nothing counts as due
            first = control.unrunAtCancel(id, now); // fires that came due, or runs pending: the cancel ends them
            if (first != TaskDefinition.NEVER)
            {
                missed = control.missUnrunAtCancel(id, first, now);
            }
            finish(id, TaskState.CANCELLED);
        }
        finally
        {
            lock.unlock();
        }
        if (missed > 0)
        {
            Listeners.onMissed(listeners.array(), name, first, missed);
        }
        return true;
    }

    /**
     * Undoes a registration that a durable store refused: the task leaves no trace, not even in the finished history,
     * unless a fire of it already started (then it is cancelled as usual).
     */
    void undoRegistration(final String name)
    {
        lock.lock();
        try
        {
            cycle.drainCompletions();
            final int id = table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return;
            }
            if (table.hasFlag(id, TaskTable.RUNNING))
            {
                finish(id, TaskState.CANCELLED);
                return;
            }
            table.unname(id, TaskState.CANCELLED);
            control.finished(id);
            wheel.cancel(id);
            heldBack.remove(id);
            table.free(id);
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Ends a live task for good (lock held): its name is freed at once; its id when no fire of it is in flight. Until
     * then it is found by name among the unretired tasks, so {@link TaskReads#task(String)} sees it as
     * {@link TaskReads#snapshot()} does.
     */
    void finish(final int id, final TaskState state)
    {
        if (progress != null)
        {
            progress.ended(this, id, state);
        }
        table.unname(id, state);
        control.finished(id);
        wheel.cancel(id);
        heldBack.remove(id);
        if (!table.hasFlag(id, TaskTable.RUNNING))
        {
            retire(id);
        }
        else
        {
            unretired.add(table.names[id], id);
        }
    }

    /**
     * Moves an unnamed task to the finished history and frees its id (lock held).
     */
    void retire(final int id)
    {
        final String name = table.names[id];
        final boolean superseded = unretired.isSuperseded(name, id); // a newer task of its name ended first
        if (unretired.retire(name, id) && table.idOf(name) != TaskTable.NO_ID)
        {
            control.pending.afterRun(table.idOf(name)); // the task registered again under its name may run now
        }
        if (!superseded)
        {
            finished.add(table, id, control.timeouts(id)); // the history keeps the newest task of a name last
        }
        table.free(id);
    }

    long nextFire(final int id) // lock held
    {
        final long next = wheel.deadline(id);
        if (next != TaskDefinition.NEVER)
        {
            return next;
        }
        final long held = heldBack.fireAt(id);
        final long parked = held != TaskDefinition.NEVER ? held : control.parkedAt(id);
        // a restored task whose interrupted fire waits to run again enters the wheel once that rerun is claimed
        return parked != TaskDefinition.NEVER || progress == null ? parked : progress.deferredNext(id);
    }

    /**
     * @return a time in epoch ms at or before the next fire of any task.
     */
    long nextDeadlineHint()
    {
        lock.lock();
        try
        {
            if (control.pending.hasReady())
            {
                return clock.millis(); // now: a ready run waits for no deadline
            }
            final long next = Math.min(wheel.nextDeadlineHint(), heldBack.earliest());
            return timeouts.isEmpty() ? next : Math.min(next, timeouts.nextDeadline());
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Records the outcome of every completed run; after the dispatcher has closed, that is all of them.
     */
    void settle()
    {
        lock.lock();
        try
        {
            cycle.drainCompletions();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Hands the progress touched since the last collection to the store (durable stores only); waits, without the
     * lock, while more batches than the progress log allows are unwritten.
     */
    void flushProgress()
    {
        final CompletableFuture<Void> oldest;
        lock.lock();
        try
        {
            cycle.drainCompletions();
            oldest = progress.flush(this);
        }
        finally
        {
            lock.unlock();
        }
        if (oldest != null)
        {
            ProgressLog.awaitWritten(oldest);
        }
    }

    /**
     * Record ids handed out from now on are above {@code recordId}: ids of restored payloads are not reused.
     */
    void reserveRecordIds(final long recordId)
    {
        recordIds.accumulateAndGet(recordId, Math::max);
    }

    boolean isIdle()
    {
        lock.lock();
        try
        {
            cycle.drainCompletions();
            return cycle.isIdle();
        }
        finally
        {
            lock.unlock();
        }
    }

    void onEarlierDeadline(final Runnable wakeUp)
    {
        onEarlierDeadline = wakeUp;
    }

    void plannedWake(final long epochMilli)
    {
        plannedWake = epochMilli;
    }
}
