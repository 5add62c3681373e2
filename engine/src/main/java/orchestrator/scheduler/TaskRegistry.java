package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.KeyProvider;
import org.agrona.collections.Object2IntHashMap;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Thread safe: every method may be called from any thread, callbacks included. The tasks by name ({@link TaskTable})
 * and the wheel they wait in ({@link TimerWheel}), guarded by one {@link ReentrantLock}: registration, cancellation,
 * reads, and the re-sealing of payloads. The phases of {@code runPending()} are in {@link FireCycle}.
 * <p>
 * Caveats: no lock hold grows with the number of tasks: {@link #snapshot()} copies in chunks, payloads are sealed
 * and re-sealed outside the lock, and the wheel's work per poll is bounded.
 */
final class TaskRegistry
{
    static final int SNAPSHOT_CHUNK = 1024;

    final ReentrantLock lock;
    final TaskTable table = new TaskTable(1024);          // guarded by lock
    final TimerWheel wheel;                               // guarded by lock
    final HeldBack heldBack = new HeldBack();             // guarded by lock
    final CallbackVault vault;
    final FireMetrics metrics;
    final FireCycle cycle;
    private final FinishedTasks finished;                 // guarded by lock
    private final Object2IntHashMap<String> unretired = new Object2IntHashMap<>(TaskTable.NO_ID); // guarded by lock
    private final AtomicLong recordIds = new AtomicLong();
    private final Clock clock;
    private final int maxPayloadBytes;
    private TaskDefinition lastDefinition;                // guarded by lock: shared by consecutive registrations
    volatile long sealEpoch;                              // written under lock: moves at each rotation or mode switch
    final Resealer resealer;
    private volatile Runnable onEarlierDeadline = () -> {};
    private volatile long plannedWake = Long.MAX_VALUE;

    TaskRegistry(final Clock clock, final Scheduler.Builder builder, final CallbackVault vault)
    {
        this.lock = builder.registryLock != null ? builder.registryLock : new ReentrantLock();
        this.clock = clock;
        this.vault = vault;
        this.maxPayloadBytes = builder.maxPayloadBytes;
        this.wheel = new TimerWheel(clock.millis());
        this.finished = new FinishedTasks(builder.retainFinished);
        this.resealer = new Resealer(this);
        this.metrics = new FireMetrics(this, builder.recordTimings);
        this.cycle = new FireCycle(this, new CallbackRunner(table, vault), builder.dispatcher,
            saturatedMillis(builder.misfireThreshold));
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
     * @param onceAt the fire time of a one-time task (epoch ms); ignored when {@code cron} is set.
     */
    void register(final String name, final CronSchedule cron, final long onceAt, final MisfirePolicy misfire,
        final Runnable callback, final String handler, final byte[] payload)
    {
        if (payload != null && payload.length > maxPayloadBytes)
        {
            throw new IllegalArgumentException("payload of task '" + name + "' is " + payload.length +
                " bytes, over the limit of " + maxPayloadBytes + " (Scheduler.Builder.maxPayloadBytes)");
        }
        final long now = clock.millis();
        final long first = cron == null ? onceAt : cron.nextAfterEpochMilli(now);
        if (first == TaskDefinition.NEVER)
        {
            if (cron == null)
            {
                throw new IllegalArgumentException("task '" + name + "': a one-time task needs an instant before " +
                    Instant.ofEpochMilli(TaskDefinition.NEVER));
            }
            throw new InvalidCronExpressionException(cron.expression(), "expression", cron.expression(),
                "it has no fire time after " + Instant.ofEpochMilli(now));
        }
        final long recordId = handler == null ? 0 : recordIds.incrementAndGet();
        final byte[] bytes = payload == null ? new byte[0] : payload;
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
                if (definition == null || !definition.sameAs(cron, callback, handler, misfire))
                {
                    definition = new TaskDefinition(cron, callback, handler, misfire);
                    lastDefinition = definition;
                }
                final int id = table.add(name, definition, sealed, onceAt);
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

    boolean cancel(final String name)
    {
        lock.lock();
        try
        {
            cycle.drainCompletions();
            final int id = table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return false;
            }
            finish(id, TaskState.CANCELLED);
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Ends a live task for good (lock held): its name is freed at once; its id when no fire of it is in flight. Until
     * then it is found by name among the unretired tasks, so {@link #task(String)} sees it as {@link #snapshot()} does.
     */
    void finish(final int id, final TaskState state)
    {
        table.unname(id, state);
        wheel.cancel(id);
        heldBack.remove(id);
        if (!table.hasFlag(id, TaskTable.RUNNING))
        {
            retire(id);
        }
        else
        {
            unretired.put(table.names[id], id);
        }
    }

    /**
     * Moves an unnamed task to the finished history and frees its id (lock held).
     */
    void retire(final int id)
    {
        unretired.remove(table.names[id], id);
        finished.add(table, id);
        table.free(id);
    }

    /**
     * @return the next fire of the live task of that name, or {@link TaskDefinition#NEVER}.
     */
    long nextFireTime(final String name)
    {
        lock.lock();
        try
        {
            cycle.drainCompletions();
            final int id = table.idOf(name);
            return id == TaskTable.NO_ID ? TaskDefinition.NEVER : nextFire(id);
        }
        finally
        {
            lock.unlock();
        }
    }

    Optional<TaskInfo> task(final String name)
    {
        lock.lock();
        try
        {
            cycle.drainCompletions();
            final int id = table.idOf(name);
            if (id != TaskTable.NO_ID)
            {
                return Optional.of(info(id));
            }
            final int finishedRunning = unretired.getValue(name);
            return finishedRunning != TaskTable.NO_ID ? Optional.of(info(finishedRunning)) : finished.find(name);
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Every live task, then the finished ones; the live tasks are copied {@link #SNAPSHOT_CHUNK} ids per lock hold,
     * so each entry is one consistent state of its task but the list is not one instant of the whole registry. Only
     * the entries of a chunk are built under the lock; the list and the set of listed names, which grow with the
     * number of tasks, are filled after it is released, so no hold grows with the number of tasks. Each name is
     * listed once: the finished history leaves out every name already listed from a row, live or not, since a task
     * finished while its fire was in flight keeps its row until that fire completes, and may be retired into the
     * history between the hold that copied its row and the one that reads the history.
     */
    List<TaskInfo> snapshot()
    {
        final List<TaskInfo> infos = new ArrayList<>();
        final Set<String> listed = new HashSet<>();
        final TaskInfo[] chunk = new TaskInfo[SNAPSHOT_CHUNK];
        int from = 0;
        boolean last;
        do
        {
            int count = 0;
            lock.lock();
            try
            {
                cycle.drainCompletions();
                final int to = Math.min(table.highWater(), from + SNAPSHOT_CHUNK);
                for (int id = from; id < to; id++)
                {
                    if (table.names[id] != null)
                    {
                        chunk[count++] = info(id);
                    }
                }
                from = to;
                last = from >= table.highWater();
            }
            finally
            {
                lock.unlock();
            }
            for (int i = 0; i < count; i++)
            {
                infos.add(chunk[i]);
                listed.add(chunk[i].name()); // unretired rows too: their task may be in the history by the last hold
                chunk[i] = null;
            }
        }
        while (!last);
        lock.lock();
        try
        {
            finished.appendTo(infos, listed);
        }
        finally
        {
            lock.unlock();
        }
        return List.copyOf(infos);
    }

    private TaskInfo info(final int id) // lock held
    {
        final TaskDefinition definition = table.definitions[id];
        final String schedule = definition.isRecurring() ?
            definition.cron().expression() : Instant.ofEpochMilli(table.onceAt[id]).toString();
        final long next = nextFire(id);
        final TaskState state = table.state(id);
        final boolean finishedState = state == TaskState.CANCELLED || state == TaskState.COMPLETED ||
            state == TaskState.FAILED;
        return new TaskInfo(table.names[id], schedule,
            next == TaskDefinition.NEVER || finishedState ? Optional.empty() : Optional.of(Instant.ofEpochMilli(next)),
            state, table.runs[id], table.missed[id], table.failures[id], Optional.ofNullable(table.lastErrors[id]));
    }

    private long nextFire(final int id) // lock held
    {
        final long next = wheel.deadline(id);
        return next != TaskDefinition.NEVER ? next : heldBack.fireAt(id);
    }

    /**
     * @return a time in epoch ms at or before the next fire of any task.
     */
    long nextDeadlineHint()
    {
        lock.lock();
        try
        {
            return Math.min(wheel.nextDeadlineHint(), heldBack.earliest());
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

    /**
     * @return up to {@code limit} names of tasks whose fire is in flight, for a log line; scans the table.
     */
    List<String> runningTaskNames(final int limit)
    {
        final List<String> names = new ArrayList<>();
        lock.lock();
        try
        {
            for (int id = 0; id < table.highWater() && names.size() < limit; id++)
            {
                if (table.names[id] != null && table.hasFlag(id, TaskTable.RUNNING))
                {
                    names.add(table.names[id]);
                }
            }
        }
        finally
        {
            lock.unlock();
        }
        return names;
    }

    /**
     * For tests in this package: the stored record of a live handler task.
     */
    orchestrator.scheduler.vault.SealedRecord record(final String name)
    {
        return payload(name).record();
    }

    /**
     * For tests in this package: the stored payload of a live handler task.
     */
    Payload payload(final String name)
    {
        lock.lock();
        try
        {
            return table.payloads[table.idOf(name)];
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * For tests in this package: replaces the stored record of a live handler task, as an attacker with write
     * access to the store would.
     */
    void replaceRecord(final String name, final orchestrator.scheduler.vault.SealedRecord record)
    {
        lock.lock();
        try
        {
            final int id = table.idOf(name);
            final Payload old = table.payloads[id];
            table.payloads[id] = new Payload(record, old.recordId(), old.version());
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
