package orchestrator.scheduler;

import org.agrona.collections.Long2LongHashMap;

/**
 * Thread safe: every operation takes the registry's lock; the columns are guarded by it. Task control, kept out of
 * the fire path's classes: {@link Scheduler#pause pause}, {@link Scheduler#resume resume},
 * {@link Scheduler#triggerNow triggerNow} and {@link Scheduler#reschedule reschedule}, plus the per-task state they
 * and the overlap and timeout options need, by task id beside {@link TaskTable}'s columns. Few tasks ever have any of
 * it, so it is kept in maps by id rather than in columns: a task that is never triggered, coalesced, parked or timed
 * out costs nothing here.
 * <p>
 * The runs a trigger or a coalesced overlap adds are kept in {@link PendingRuns}.
 */
final class TaskControl
{
    /*
     * Design. Paused is the TaskTable PAUSED flag: the task keeps its place in the wheel and its fires keep coming
     * due, so a paused task's fires are counted as missed by the collection (never silent) and resume needs no
     * arithmetic. The one exception is a fire with nothing after it (a one-time task): it is parked here with its
     * fire time instead, and resume puts it back into the wheel, where the misfire policy decides as for any late
     * fire.
     */
    private final TaskRegistry registry;
    final PendingRuns pending = new PendingRuns(); // guarded by lock
    // guarded by lock, keyed by task id: a last fire that passed while paused, and runs that passed their timeout
    private final Long2LongHashMap parkedAt = new Long2LongHashMap(TaskDefinition.NEVER);
    private final Long2LongHashMap timeouts = new Long2LongHashMap(0);

    TaskControl(final TaskRegistry registry)
    {
        this.registry = registry;
    }

    /**
     * A task was added under this id (lock held): its columns start empty.
     */
    void added(final int id)
    {
        pending.drop(id);
        unpark(id);
        if (!timeouts.isEmpty())
        {
            timeouts.remove(id);
        }
    }

    /**
     * The task under this id finished for good (lock held): nothing of it may run any more.
     */
    void finished(final int id)
    {
        if (pending.fires(id) > 0)
        {
            pending.drop(id);
            registry.cycle.idleSignal().signal(); // an awaitIdle may wait for the run dropped here
        }
        unpark(id);
    }

    boolean pause(final String name)
    {
        final TaskRegistry registry = this.registry;
        final long missedAt;
        final long missed;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            final int id = registry.table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return false;
            }
            registry.table.setFlag(id, TaskTable.PAUSED);
            if (registry.table.state(id) == TaskState.SCHEDULED)
            {
                registry.table.state(id, TaskState.PAUSED);
            }
            missedAt = pending.coalescedFirst(id);
            missed = pending.dropCoalesced(id);
            if (missed > 0)
            {
                registry.table.rare.addMissed(id, missed);
                registry.metrics.onMissed(name, missedAt, missed, FlightEvents.PAUSED);
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        if (missed > 0)
        {
            registry.cycle.idleSignal().signal(); // an awaitIdle may wait for the coalesced run dropped here
            Listeners.onMissed(registry.listeners.array(), name, missedAt, missed);
        }
        return true;
    }

    boolean resume(final String name)
    {
        final TaskRegistry registry = this.registry;
        long parked = TaskDefinition.NEVER;
        long missedAt = TaskDefinition.NEVER;
        long missed = 0;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            final int id = registry.table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return false;
            }
            if (registry.table.hasFlag(id, TaskTable.PAUSED))
            {
                // fires that came due while paused and were not collected yet are missed, as collected ones are
                final long now = registry.clock.millis();
                final long due = registry.heldBack.armedAt(registry.wheel, id);
                missed = due != TaskDefinition.NEVER && due <= now ? missDueWhilePaused(id, due, now) : 0;
                missedAt = due;
            }
            registry.table.clearFlag(id, TaskTable.PAUSED);
            if (registry.table.state(id) == TaskState.PAUSED)
            {
                registry.table.state(id, TaskState.SCHEDULED);
            }
            parked = parkedAt(id);
            if (parked != TaskDefinition.NEVER)
            {
                unpark(id);
                registry.wheel.schedule(id, parked); // due at once: its misfire policy decides
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        if (missed > 0)
        {
            Listeners.onMissed(registry.listeners.array(), name, missedAt, missed);
        }
        if (parked != TaskDefinition.NEVER)
        {
            registry.wakeDriver();
        }
        return true;
    }

    /**
     * At resume, counts as missed the fires of a paused task that came due from {@code due} on and were not collected
     * yet, and files its next fire (lock held). A last fire of a one-time task is left due: its misfire policy
     * decides, as for a fire parked while paused.
     *
     * @return the fires counted as missed.
     */
    private long missDueWhilePaused(final int id, final long due, final long now)
    {
        final TaskDefinition definition = registry.table.definitions[id];
        final long fires = definition.passedFires(due, now);
        final long next = definition.nextFireAfterPassed(due, now);
        if (next == TaskDefinition.NEVER && !definition.fixedDelay())
        {
            return 0;
        }
        registry.wheel.cancel(id);
        registry.heldBack.remove(id);
        if (next != TaskDefinition.NEVER)
        {
            registry.wheel.schedule(id, next);
        }
        return pausedFire(id, definition, due, fires, next, now) ? fires : 0;
    }

    /**
     * At a reschedule, the fires of the old schedule that came due and were not collected yet, or the fire parked while
     * paused, are counted as missed (lock held): the new schedule replaces them, but they are accounted for.
     *
     * @return how many were counted.
     */
    private long missDueAtReschedule(final int id, final TaskDefinition current, final long due, final long now)
    {
        final long count = current.passedFires(due, now); // a parked fire has none after it
        registry.table.rare.addMissed(id, count);
        registry.metrics.onMissed(registry.table.names[id], due, count, FlightEvents.RESCHEDULED);
        return count;
    }

    /**
     * At a cancel (lock held): the first fire that came due and was not collected yet (or the fire parked while
     * paused), or the first run still pending, whichever is earlier.
     *
     * @return its fire time, or {@link TaskDefinition#NEVER} when the cancel ends no fire that came due.
     */
    long unrunAtCancel(final int id, final long now)
    {
        final long parked = parkedAt(id);
        final long due = parked != TaskDefinition.NEVER ? parked : registry.heldBack.armedAt(registry.wheel, id);
        final long pendingFirst = pending.fires(id) > 0 ? pending.first(id) : TaskDefinition.NEVER;
        return Math.min(due <= now ? due : TaskDefinition.NEVER, pendingFirst);
    }

    /**
     * At a cancel (lock held), after {@link #unrunAtCancel} found a fire: the fires that came due and were not
     * collected yet and the runs still pending are counted as missed, as a reschedule counts the fires it replaces.
     *
     * @return how many were counted.
     */
    long missUnrunAtCancel(final int id, final long first, final long now)
    {
        final long parked = parkedAt(id);
        final long due = parked != TaskDefinition.NEVER ? parked : registry.heldBack.armedAt(registry.wheel, id);
        final long count = (due <= now ? registry.table.definitions[id].passedFires(due, now) : 0) + pending.fires(id);
        registry.table.rare.addMissed(id, count);
        registry.metrics.onMissed(registry.table.names[id], first, count, FlightEvents.CANCELLED);
        return count;
    }

    /**
     * One extra run as soon as possible: at the next collection, or when the current run completes.
     */
    boolean triggerNow(final String name, final long now)
    {
        final TaskRegistry registry = this.registry;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            final int id = registry.table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return false;
            }
            pending.trigger(id, now, registry.table.hasFlag(id, TaskTable.RUNNING));
        }
        finally
        {
            registry.lock.unlock();
        }
        registry.wakeDriver();
        return true;
    }

    /**
     * Replaces a task's definition, keeping its counters, state flags and pending runs; a new handler payload is
     * sealed outside the lock, and sealed again if a rotation or mode switch began meanwhile.
     *
     * @param payload the new handler payload (null: empty), used when the definition names a handler.
     * @return false for an unknown task.
     */
    boolean reschedule(final String name, final TaskDefinition definition, final boolean keepCallback,
        final byte[] payload, final long onceAt)
    {
        while (true)
        {
            final long epoch = registry.sealEpoch;
            final Payload sealed = keepCallback || definition.handler() == null ? null : registry.seal(name, payload);
            final Boolean done = reschedule(name, definition, keepCallback, sealed, onceAt, epoch);
            if (done != null)
            {
                return done;
            }
        }
    }

    /**
     * Replaces a task's definition, keeping its counters, state flags and pending runs (lock taken here).
     *
     * @param definition   the new definition; its callback parts are ignored when {@code keepCallback}.
     * @param keepCallback true to keep the task's callback (and sealed payload).
     * @param sealed       the new sealed payload of a handler task, or null.
     * @param onceAt       the instant of a one-time task.
     * @param epoch        the seal epoch the payload was sealed in; when it moved, returns null to seal again.
     * @return TRUE when replaced, FALSE for an unknown task, null to seal again.
     */
    private Boolean reschedule(final String name, final TaskDefinition definition, final boolean keepCallback,
        final Payload sealed, final long onceAt, final long epoch)
    {
        final TaskRegistry registry = this.registry;
        final TaskTable table = registry.table;
        final long first;
        long missed = 0;
        final long missedAt;
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            final int id = table.idOf(name);
            if (id == TaskTable.NO_ID)
            {
                return Boolean.FALSE;
            }
            if (sealed != null && epoch != registry.sealEpoch)
            {
                return null; // a rotation or mode switch began while the payload was sealed
            }
            final TaskDefinition current = table.definitions[id];
            final long now = registry.clock.millis();
            final long parked = parkedAt(id);
            final long due = parked != TaskDefinition.NEVER ? parked : registry.heldBack.armedAt(registry.wheel, id);
            missedAt = due <= now ? due : TaskDefinition.NEVER; // NEVER when none is due
            if (missedAt != TaskDefinition.NEVER)
            {
                missed = missDueAtReschedule(id, current, missedAt, now);
            }
            table.definitions[id] = keepCallback ? withCallbackOf(definition, current) : definition;
            if (!keepCallback)
            {
                table.rare.payload(id, sealed);
            }
            table.rare.onceAt(id, onceAt);
            registry.wheel.cancel(id);
            registry.heldBack.remove(id);
            unpark(id);
            // a fixed delay counts from a run's end: one given while a run goes is filed when that run ends (a
            // cluster's shared row takes the new schedule's first fire now, the run's claim moving the row there)
            first = definition.fixedDelay() && table.hasFlag(id, TaskTable.RUNNING) && registry.cluster == null ?
                TaskDefinition.NEVER : definition.firstFire(now, onceAt);
            if (first != TaskDefinition.NEVER)
            {
                registry.wheel.schedule(id, first);
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        if (missed > 0)
        {
            Listeners.onMissed(registry.listeners.array(), name, missedAt, missed);
        }
        registry.wakeDriver();
        return Boolean.TRUE;
    }

    private static TaskDefinition withCallbackOf(final TaskDefinition schedule, final TaskDefinition callback)
    {
        return new TaskDefinition(schedule.cron(), callback.callback(), callback.handler(), schedule.misfire(),
            schedule.periodMs(), schedule.fixedDelay(), schedule.initialDelayMs(), callback.contextCallback(),
            schedule.overlap(), schedule.timeoutMs(), schedule.interruptOnTimeout(), schedule.onRestart());
    }

    /**
     * A fire of a paused task came due (lock held): counted as missed, or parked if nothing follows it.
     *
     * @return true when it was counted as missed.
     */
    boolean pausedFire(final int id, final TaskDefinition definition, final long fire, final long fires,
        final long next, final long now)
    {
        final long delayed = definition.fixedDelay() ? definition.delayAfter(now) : TaskDefinition.NEVER;
        if (next == TaskDefinition.NEVER && delayed == TaskDefinition.NEVER) // its last fire: resume decides
        {
            parkedAt.put(id, fire);
            return false;
        }
        registry.table.rare.addMissed(id, fires);
        registry.metrics.onMissed(registry.table.names[id], fire, fires, FlightEvents.PAUSED);
        if (delayed != TaskDefinition.NEVER && !registry.wheel.contains(id))
        {
            registry.wheel.schedule(id, delayed);
        }
        return true;
    }

    /**
     * Files a fixed-delay task's next fire a delay after {@code time}, when its run ended or its fire was dropped
     * (lock held).
     *
     * @return false when the task is not a fixed-delay one, or that fire would be past the end of the range.
     */
    boolean fileFixedDelay(final int id, final TaskDefinition definition, final long time)
    {
        final long next = definition.fixedDelay() ? definition.delayAfter(time) : TaskDefinition.NEVER;
        if (next != TaskDefinition.NEVER)
        {
            registry.wheel.schedule(id, next);
        }
        return next != TaskDefinition.NEVER;
    }

    boolean isParked(final int id) // lock held
    {
        return !parkedAt.isEmpty() && parkedAt.containsKey(id);
    }

    long parkedAt(final int id) // lock held
    {
        return parkedAt.isEmpty() ? TaskDefinition.NEVER : parkedAt.get(id);
    }

    void countTimeout(final int id) // lock held
    {
        timeouts.put(id, timeouts.get(id) + 1);
    }

    long timeouts(final int id) // lock held
    {
        return timeouts.isEmpty() ? 0 : timeouts.get(id);
    }

    private void unpark(final int id)
    {
        if (!parkedAt.isEmpty())
        {
            parkedAt.remove(id);
        }
    }
}
