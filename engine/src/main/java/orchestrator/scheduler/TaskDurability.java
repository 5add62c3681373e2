package orchestrator.scheduler;

import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskStore;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: every method may be called from any thread. A scheduler's side of a durable {@link TaskStore}: restores
 * what the store holds, and writes registrations, cancellations, pauses, reschedules and re-seals through to it before
 * the call that made them returns. Fire progress goes through {@link ProgressLog} instead, in batches.
 * <p>
 * Caveats: writes of one task name are serialised by a stripe lock (held while waiting for the disk), so a
 * registration and a cancellation of one name reach the store in the order they took effect; different names write
 * concurrently and share the journal's forces.
 */
final class TaskDurability
{
    private static final int RESTORE_CHUNK = 4096;

    private final TaskStore store;
    private final TaskRegistry registry;
    private final ZoneId zone;
    private final NameStripes stripes = new NameStripes();
    private final LiveWrites writes;
    private final Object maps = new Object();
    private long touched; // kept so that the reads of TaskRestore.touch are not optimised away
    private Map<String, StoredTask> waiting = new LinkedHashMap<>(); // guarded by maps: for their handler
    private final Map<String, StoredTask> unclaimed = new HashMap<>();     // guarded by maps: Runnable, by name

    TaskDurability(final TaskStore store, final TaskRegistry registry, final ZoneId zone)
    {
        this.store = store;
        this.registry = registry;
        this.zone = zone;
        this.writes = new LiveWrites(store, registry, zone);
    }

    /**
     * Sorts what the opened store holds: handler tasks wait for their handler, {@code Runnable} tasks for the
     * application to register their name again. Finished handler tasks are not restored, and are dropped from the
     * store (a {@code Runnable} task's row stays: registered again, a finished one stays finished).
     */
    void restore(final List<StoredTask> stored)
    {
        int handlerTasks = 0;
        long recordIds = 0;
        final List<StoredTask> finished = new ArrayList<>();
        synchronized (maps)
        {
            final int capacity = (int)Math.min(1 << 30, stored.size() * 4L / 3 + 1); // room made for them at once
            waiting = waiting.isEmpty() ? new LinkedHashMap<>(capacity) : waiting;
            for (final StoredTask task : stored)
            {
                if (task.handler() != null)
                {
                    recordIds = Math.max(recordIds, task.recordId());
                    if (!isFinished(task.progress().state()))
                    {
                        waiting.put(task.name(), task);
                        handlerTasks++;
                    }
                    else
                    {
                        finished.add(task);
                    }
                }
                else
                {
                    unclaimed.put(task.name(), task);
                }
            }
        }
        registry.reserveRecordIds(StoredForms.recordIdsAfter(recordIds));
        int dropped = 0;
        for (final StoredTask task : finished)
        {
            // the row with the highest record id stays: it keeps record ids from going back at the next restart,
            // so that no new record ever takes the id of an old one (a sealed record is bound to its id and name)
            if (task.recordId() != recordIds)
            {
                store.removeLater(task.name()); // not waited for: a kill before it is forced leaves it for later
                dropped++;
            }
        }
        CallbackRunner.log(INFO, store + " restored " + handlerTasks + " handler task(s), which wait for their " +
            "handlers, and " + unclaimed.size() + " Runnable task(s), which resume when registered again; " +
            dropped + " finished handler task(s) dropped", null);
    }

    /**
     * Registers a task and stores it, durable when this returns: a {@code Runnable} task whose name the store holds
     * resumes its counters and missed fires (a changed schedule replaces the stored one, logged).
     */
    void register(final String name, final TaskDefinition definition, final long onceAt, final byte[] payload)
    {
        synchronized (stripes.of(name))
        {
            final StoredTask stored;
            synchronized (maps)
            {
                final StoredTask held = waiting.get(name);
                if (held != null)
                {
                    throw new IllegalArgumentException("a task named '" + name + "' was restored from " + store +
                        " and waits for handler '" + held.handler() + "'; cancel it first to replace it");
                }
                stored = definition.handler() == null ? unclaimed.get(name) : null;
            }
            if (stored != null)
            {
                final boolean same = StoredForms.sameSchedule(stored, definition, onceAt, zone);
                TaskRestore.restore(registry, name, definition, null, onceAt, stored.progress(), same);
                if (!same) // once it replaced it: a registration refused above keeps the stored schedule
                {
                    CallbackRunner.log(INFO, "task '" + name + "' is registered with schedule '" +
                        StoredForms.scheduleText(definition, onceAt) + "' instead of the stored '" + stored.schedule() +
                        "': the new schedule replaces it, the counters are kept", null);
                }
                synchronized (maps)
                {
                    unclaimed.remove(name);
                }
            }
            else
            {
                registry.register(name, definition, onceAt, payload);
                synchronized (maps)
                {
                    unclaimed.remove(name); // a handler task replaces a stored Runnable task of its name
                }
            }
            writes.writeLive(name, true);
        }
    }

    /**
     * Restores the tasks that waited for this handler.
     */
    void onHandler(final String handler)
    {
        final List<StoredTask> ready = new ArrayList<>();
        synchronized (maps)
        {
            for (final StoredTask task : waiting.values())
            {
                if (handler.equals(task.handler()))
                {
                    ready.add(task);
                }
            }
        }
        TaskRestore.reserve(registry, ready.size());
        for (int from = 0; from < ready.size(); from += RESTORE_CHUNK)
        {
            final List<StoredTask> chunk = ready.subList(from, Math.min(ready.size(), from + RESTORE_CHUNK));
            stripes.withAll(() -> restoreWaiting(chunk));
        }
    }

    /**
     * Restores a chunk of tasks that waited for their handler, under one hold of the registry's lock and of the maps'
     * monitor (the maps' lock is only ever taken last, so holding it longer orders nothing new): each acquisition is
     * a full fence that waits for the cache misses before it, and per task they took a third of the restart.
     */
    private void restoreWaiting(final List<StoredTask> chunk)
    {
        List<StoredTask> interrupted = null;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            final int size = chunk.size();
            touched ^= TaskRestore.touch(registry.table, chunk, 0, size);
            StoredTask previous = null;
            TaskDefinition definition = null;
            synchronized (maps)
            {
                for (int i = 0; i < size; i++)
                {
                    final StoredTask task = chunk.get(i);
                    if (i + TaskRestore.AHEAD < size)
                    {
                        touched ^= TaskRestore.touch(registry.table, chunk, i + TaskRestore.AHEAD,
                            i + TaskRestore.AHEAD + 1);
                    }
                    if (waiting.get(task.name()) != task)
                    {
                        continue; // cancelled meanwhile
                    }
                    try
                    {
                        definition = StoredForms.definition(task, previous, definition); // shared while parts repeat
                        previous = task;
                        if (TaskRestore.restoreHeld(registry, task.name(), definition, StoredForms.payload(task),
                            StoredForms.onceAt(task), task.progress(), true))
                        {
                            interrupted = interrupted == null ? new ArrayList<>() : interrupted;
                            interrupted.add(task);
                        }
                        waiting.remove(task.name());
                    }
                    catch (final RuntimeException ex)
                    {
                        CallbackRunner.log(WARNING, "task '" + task.name() + "' restored from " + store + " could " +
                            "not be started; it keeps waiting: " + ex, null);
                    }
                }
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        if (interrupted != null)
        {
            for (final StoredTask task : interrupted)
            {
                TaskRestore.afterInterrupted(registry, task.name(), task.onRestart(), task.progress());
            }
        }
        registry.wakeDriver();
    }

    /**
     * Cancels a live or waiting task and removes it from the store, durable when this returns.
     *
     * @return true when a live or waiting task of that name was cancelled.
     */
    boolean cancel(final String name)
    {
        synchronized (stripes.of(name))
        {
            boolean cancelled = registry.cancel(name);
            final boolean held;
            synchronized (maps)
            {
                cancelled |= waiting.remove(name) != null;
                held = unclaimed.remove(name) != null;
            }
            if (cancelled || held)
            {
                try
                {
                    store.remove(name);
                }
                catch (final RuntimeException ex)
                {
                    registry.progress.failed(ex);
                    throw ex;
                }
            }
            return cancelled;
        }
    }

    /**
     * Stores a live task whole again (after a pause, resume or reschedule), durable when this returns.
     */
    void changed(final String name)
    {
        synchronized (stripes.of(name))
        {
            writes.writeLive(name, false);
        }
    }

    /**
     * Stores every live handler task again, with its payload as now sealed (after a key rotation or a mode switch),
     * one force per chunk of tasks.
     */
    void resealed()
    {
        final List<String> names = new ArrayList<>();
        registry.lock.lock();
        try
        {
            for (int id = 0; id < registry.table.highWater(); id++)
            {
                if (registry.table.rare.payload(id) != null && registry.table.isLive(id))
                {
                    names.add(registry.table.names[id]);
                }
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        for (int from = 0; from < names.size(); from += Resealer.RESEAL_CHUNK)
        {
            final List<String> chunk = names.subList(from, Math.min(names.size(), from + Resealer.RESEAL_CHUNK));
            stripes.withAll(() -> writes.writeAll(chunk)); // each name's writes stay in the order they took effect
        }
    }

    /**
     * @throws IllegalStateException naming the handlers when restored tasks still wait for them.
     */
    void requireNoneWaiting(final String call)
    {
        requireNoneWaiting(call, false);
    }

    /**
     * @param sealedOnly true for a switch to test mode, which keeps plain records opening: only the waiting tasks
     *                   whose stored record is sealed (under a key the switch retires) stand in its way.
     * @throws IllegalStateException naming the handlers when such restored tasks still wait for them.
     */
    void requireNoneWaiting(final String call, final boolean sealedOnly)
    {
        synchronized (maps)
        {
            WaitingChecks.requireNone(call, sealedOnly, waiting.values());
        }
    }

    /**
     * @throws IllegalStateException naming the store and a task when a task waiting for {@code handler} holds a plain
     *                               (test-mode) record, which production mode does not open.
     */
    void requireSealed(final String handler)
    {
        synchronized (maps)
        {
            WaitingChecks.requireSealed(handler, waiting.values(), store);
        }
    }

    /**
     * @return the tasks that wait for their handler, as {@link Scheduler#tasks()} shows them.
     */
    List<TaskInfo> waitingTasks()
    {
        final List<TaskInfo> infos = new ArrayList<>();
        synchronized (maps)
        {
            for (final StoredTask task : waiting.values())
            {
                infos.add(StoredForms.waiting(task));
            }
        }
        return infos;
    }

    Optional<TaskInfo> waitingTask(final String name)
    {
        synchronized (maps)
        {
            final StoredTask task = waiting.get(name);
            return task == null ? Optional.empty() : Optional.of(StoredForms.waiting(task));
        }
    }

    /**
     * Hands the last progress to the store and closes it; a store that fails to close is logged.
     */
    /**
     * Writes the last progress and closes the store, waiting at most {@code timeout} for its writer.
     *
     * @return false when the store's writer did not stop in time (logged).
     */
    boolean close(final Duration timeout)
    {
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            registry.progress.flush(registry);
            registry.progress.close();
        }
        finally
        {
            registry.lock.unlock();
        }
        try
        {
            if (store.close(timeout))
            {
                return true;
            }
            CallbackRunner.log(WARNING, store + " did not stop writing within " + timeout + "; it keeps its " +
                "directory until its last writes are done", null);
        }
        catch (final RuntimeException ex)
        {
            CallbackRunner.log(WARNING, store + " did not close cleanly: " + ex, null);
        }
        return false;
    }

    static boolean isFinished(final TaskState state)
    {
        return state == TaskState.COMPLETED || state == TaskState.FAILED || state == TaskState.CANCELLED;
    }
}
