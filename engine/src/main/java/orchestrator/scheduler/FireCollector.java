package orchestrator.scheduler;

/**
 * NOT thread safe: called by {@link FireCycle} with the registry's lock held. Phase 1 of {@code runPending()}: the
 * wheel hands out due task ids (and {@link HeldBack} those the clock has reached again); each task is re-armed for its
 * next fire at once, its passed fires are counted and its misfire policy decides how many run; then it is claimed as
 * a pooled {@link Fire} from {@link FirePool}, or, when its previous run is still going, counted as missed or
 * coalesced. The ready runs of {@link PendingRuns} (coalesced fires, {@code triggerNow}) are claimed after the due
 * ones, within the same limit. On a cluster, a fire starts only under a claim of this node ({@link ClusterClaims}).
 */
final class FireCollector
{
    private final FireCycle cycle;
    private final TaskRegistry registry;
    private final TaskTable table;
    private final TimerWheel wheel;
    private final TaskControl control;
    private final FireMetrics metrics;
    private final ProgressLog progress; // null on the in-memory store: nothing is written per fire
    private final ClusterNode cluster;  // null when not clustered: no claim gate
    private final boolean inline;
    private final long misfireThresholdMs;

    FireCollector(
        final FireCycle cycle, final TaskRegistry registry, final boolean inline, final long misfireThresholdMs)
    {
        this.cycle = cycle;
        this.registry = registry;
        this.table = registry.table;
        this.wheel = registry.wheel;
        this.control = registry.control;
        this.metrics = registry.metrics;
        this.progress = registry.progress;
        this.cluster = registry.cluster;
        this.inline = inline;
        this.misfireThresholdMs = misfireThresholdMs;
    }

    /**
     * Phase 1 (lock held): moves up to {@code limit} due tasks out of the wheel and claims those that may run.
     *
     * @param now      the wall clock, epoch ms, as {@code runPending()} read it.
     * @param nowNanos {@code System.nanoTime()} read with it, from which the lateness of the claimed fires counts.
     * @return how many tasks came due, claimed or not.
     */
    int collect(final long now, final long nowNanos, final FireBatch batch, final int limit)
    {
        final int[] ids = batch.ids;
        metrics.onCollect(now, nowNanos);
        final int fromWheel = wheel.poll(now, ids, limit);
        table.gatherForCollect(ids, fromWheel, wheel);
        final int due = fromWheel + registry.heldBack.poll(now, ids, batch.heldFires, fromWheel, limit - fromWheel);
        int claimed = 0;
        boolean coalesced = false;
        TaskDefinition lastDefinition = null;
        long lastFire = 0;
        long lastNext = 0;
        long lastCount = 0;
        for (int i = 0; i < due; i++)
        {
            final int id = ids[i];
            final long fire = i < fromWheel ? wheel.lastDeadline(id) : batch.heldFires[i];
            if (fire > now) // the clock stepped back below this fire: it waits for the clock to catch up
            {
                registry.heldBack.hold(id, fire);
                continue;
            }
            if (progress != null)
            {
                progress.touch(id);
            }
            final TaskDefinition definition = table.definitions[id];
            if (definition != lastDefinition || fire != lastFire) // tasks sharing both share the arithmetic
            {
                lastDefinition = definition;
                lastFire = fire;
                lastNext = definition.nextFireAfter(fire);
                lastCount = 1;
                if (lastNext <= now)
                {
                    lastCount += definition.firesBetween(lastNext, now) + 1;
                    lastNext = definition.nextFireAfter(lastNext, now);
                }
            }
            final long fires = lastCount;
            if (lastNext != TaskDefinition.NEVER)
            {
                wheel.schedule(id, lastNext);
            }
            if (cluster != null)
            {
                final Fire started = admitClustered(id, definition, fire, now);
                if (started != null)
                {
                    batch.fires[claimed++] = started;
                }
                else if (lastNext == TaskDefinition.NEVER && !definition.fixedDelay())
                {
                    cluster.endings.lastInstantPassed(table.names[id]); // the row tells how the task ended
                }
                continue; // a fire this node holds no claim for belongs to another node: not counted here
            }
            if (table.hasFlag(id, TaskTable.PAUSED))
            {
                if (control.pausedFire(id, definition, fire, fires, lastNext, now))
                {
                    batch.missed(table.names[id], fire, fires);
                }
                continue;
            }
            final int runs = definition.misfire().runsFor(fires, onTime(definition, fire, fires, lastNext, now));
            // SKIP runs the fire found within the threshold, not the older ones it counts as missed
            final boolean skipToOnTime = runs == 1 && fires > 1 && definition.misfire() == MisfirePolicy.SKIP;
            final long runAt = skipToOnTime ? firstOnTime(definition, fire, now) : fire;
            if (runs < fires)
            {
                // the runs stand for the earliest fires, or SKIP's for an on-time one: the missed start at the oldest
                final long firstMissed = skipToOnTime ? fire : definition.fireAfter(fire, runs);
                table.rare.addMissed(id, fires - runs);
                metrics.onMissed(table.names[id], firstMissed, fires - runs, FlightEvents.LATE);
                batch.lateTasks++;
                batch.lateFires += fires - runs;
                batch.oldestLate = Math.max(batch.oldestLate, now - fire);
                batch.missed(table.names[id], firstMissed, fires - runs);
            }
            if (runs == 0)
            {
                afterDroppedFire(id, definition, lastNext, now); // no run completes to file what follows
                continue;
            }
            if (table.hasFlag(id, TaskTable.RUNNING) || registry.unretired.runsUnderNameOf(table, id))
            {
                if (definition.overlap() == OverlapPolicy.COALESCE)
                {
                    // runs once more when the current run completes, for the latest of the fires it runs for
                    control.pending.add(id, runs, runAt, definition.fireAfter(runAt, runs - 1));
                    coalesced = true;
                    continue;
                }
                table.rare.addMissed(id, runs);
                batch.missed(table.names[id], fire, runs);
                metrics.onMissed(table.names[id], fire, runs, FlightEvents.OVERLAP);
                if (!table.hasFlag(id, TaskTable.RUNNING))
                {
                    afterDroppedFire(id, definition, lastNext, now); // no run of its own will file what follows
                }
                if (!table.hasFlag(id, TaskTable.MISS_BURST))
                {
                    table.setFlag(id, TaskTable.MISS_BURST);
                    batch.overlapsStarted++;
                    batch.firstOverlap = batch.firstOverlap == null ? table.names[id] : batch.firstOverlap;
                }
                continue;
            }
            table.clearFlag(id, TaskTable.MISS_BURST);
            table.setFlag(id, TaskTable.RUNNING);
            table.state(id, TaskState.RUNNING);
            batch.fires[claimed++] = claim(id, definition, runAt, runs);
        }
        if (coalesced)
        {
            // the run may have completed since the drain before this collection, its worker finding no pending fire
            // to wake the driver for. It offered its completion, then read the pending count; the count was written,
            // then this drain reads the queue (all sequentially consistent): one side sees the other. The run's
            // completion makes its coalesced run ready, claimed below
            cycle.drainCompletions();
        }
        int ready = 0;
        while (due + ready < limit && control.pending.hasReady())
        {
            final int id = control.pending.pollReady();
            ready++;
            if (control.pending.fires(id) == 0 || !table.isLive(id) || table.hasFlag(id, TaskTable.RUNNING) ||
                registry.unretired.runsUnderNameOf(table, id))
            {
                continue; // taken, cancelled, or running: its completion (or its old run's) makes it ready again
            }
            final long pendingFires = control.pending.fires(id);
            final long first = control.pending.first(id);
            final long others = pendingFires > 1 ? control.pending.latestButTrigger(id) : TaskDefinition.NEVER;
            final long latest = control.pending.take(id);
            final ClusterClaims.Held admitted = cluster != null ?
                cluster.claims.admitTriggered(table.names[id], latest, table.hasFlag(id, TaskTable.PAUSED)) : null;
            final boolean refused = admitted == ClusterClaims.SKIP;
            if (refused && pendingFires == 1)
            {
                cycle.idleSignal().signal(); // an awaitIdle may wait for the pending run taken here
                continue; // a late claim that may not start now: dropped, or triggered again later
            }
            // a refused claim's instant is the latest: the triggers merged with it (an application's) run locally
            final ClusterClaims.Held held = refused ? null : admitted;
            final long fires = refused ? pendingFires - 1 : pendingFires;
            final long at = refused ? others : latest;
            if (table.definitions[id].fixedDelay())
            {
                wheel.cancel(id); // a fixed delay counts from the end of every run: this run's completion files it
                registry.heldBack.remove(id);
            }
            table.clearFlag(id, TaskTable.MISS_BURST);
            table.setFlag(id, TaskTable.RUNNING);
            table.state(id, TaskState.RUNNING);
            final Fire extra = claim(id, table.definitions[id], at, held != null ? held.runs : 1);
            extra.fires = fires;
            extra.firstAt = first;
            extra.claim = held;
            batch.fires[claimed++] = extra;
        }
        batch.size = claimed;
        return due + ready;
    }

    /**
     * A fire of a task dropped with no run of its own to complete and file what follows (lock held): skipped late, or
     * overlapping the run of an ended task of its name. A fixed delay's next fire counts from the one dropped; a task
     * with no fire left ends once its triggers ran.
     */
    private void afterDroppedFire(final int id, final TaskDefinition definition, final long next, final long now)
    {
        if (!control.fileFixedDelay(id, definition, now) && next == TaskDefinition.NEVER &&
            control.pending.fires(id) == 0)
        {
            registry.finish(id, TaskState.COMPLETED);
        }
    }

    /**
     * The cluster's gate (lock held): a fire of the wheel starts only under a live claim of this node for its instant
     * (or an earlier one, which it then stands for), and only while the node's lease is fresh. A claim past the
     * misfire threshold is left to the cluster thread, which runs it by the task's misfire policy.
     *
     * @return the claimed fire, or null.
     */
    private Fire admitClustered(final int id, final TaskDefinition definition, final long fire, final long now)
    {
        if (table.hasFlag(id, TaskTable.RUNNING) || table.hasFlag(id, TaskTable.PAUSED) ||
            registry.unretired.runsUnderNameOf(table, id))
        {
            return null; // its claim waits; the cluster thread triggers it when it is late
        }
        final ClusterClaims.Held held = cluster.claims.admit(table.names[id], fire, now - misfireThresholdMs);
        if (held == null)
        {
            return null;
        }
        table.clearFlag(id, TaskTable.MISS_BURST);
        table.setFlag(id, TaskTable.RUNNING);
        table.state(id, TaskState.RUNNING);
        final Fire claimed = claim(id, definition, held.fireAt, 1);
        claimed.claim = held;
        return claimed;
    }

    /**
     * For a read (lock held): whether the collection at {@code now} runs none of a task's fires passed from
     * {@code fire} on, under {@link MisfirePolicy#SKIP} with none within the misfire threshold.
     */
    boolean skipsAll(final TaskDefinition definition, final long fire, final long now)
    {
        if (definition.misfire() != MisfirePolicy.SKIP)
        {
            return false;
        }
        final long fires = definition.passedFires(fire, now);
        return !onTime(definition, fire, fires, definition.nextFireAfterPassed(fire, now), now);
    }

    /**
     * @param fire  the oldest of a task's passed fires.
     * @param fires how many fires passed from {@code fire} on, at least 1.
     * @param next  the task's first fire after them, or {@link TaskDefinition#NEVER}.
     * @return true when the latest of them is within the misfire threshold of {@code now}.
     */
    boolean onTime(final TaskDefinition definition, final long fire, final long fires, final long next, final long now)
    {
        return fires == 1 ?
            Long.compareUnsigned(now - fire, misfireThresholdMs) <= 0 : // fire <= now: exact even past Long.MAX_VALUE
            latestOnTime(definition, next, now);
    }

    /**
     * @return true when the latest of several passed fires is within the misfire threshold of {@code now}.
     */
    private boolean latestOnTime(final TaskDefinition definition, final long next, final long now)
    {
        if (definition.isFixedRate())
        {
            return next != TaskDefinition.NEVER &&
                Long.compareUnsigned(now - (next - definition.periodMs()), misfireThresholdMs) <= 0;
        }
        return definition.firesBetween(onTimeAfter(now), now) > 0;
    }

    /**
     * @param fire the task's oldest passed fire; a later one is within the misfire threshold of {@code now}.
     * @return the first of the task's fires within the threshold of {@code now}.
     */
    private long firstOnTime(final TaskDefinition definition, final long fire, final long now)
    {
        final long after = onTimeAfter(now);
        if (after < fire)
        {
            return fire;
        }
        final long first = definition.nextFireAfter(fire, after);
        return first == TaskDefinition.NEVER || first > now ? fire : first;
    }

    /**
     * @return the instant after which a fire is within the misfire threshold of {@code now}; {@link Long#MIN_VALUE}
     *         when the threshold reaches back past the start of the range.
     */
    private long onTimeAfter(final long now)
    {
        final long after = now - misfireThresholdMs - 1;
        return after > now ? Long.MIN_VALUE : after; // it wrapped around below Long.MIN_VALUE
    }

    /**
     * Takes a pooled fire for a task phase 1 has claimed (lock held).
     */
    private Fire claim(final int id, final TaskDefinition definition, final long fire, final int runs)
    {
        final Fire claimed = cycle.pool.fire();
        claimed.id = id;
        claimed.generation = table.generation(id);
        claimed.taskName = table.names[id];
        claimed.definition = definition;
        claimed.scheduledAt = fire;
        claimed.firstAt = fire;
        claimed.runs = runs;
        claimed.handBack = !inline;
        claimed.claimed();
        if (definition.timeoutMs() > 0)
        {
            registry.timeouts.watch(claimed);
        }
        final Payload payload = table.rare.payload(id);
        if (payload != null)
        {
            claimed.payload = payload;
            claimed.pin = registry.vault.pin(payload.record());
        }
        metrics.onClaim(claimed);
        if (progress != null)
        {
            progress.running(registry, id, fire, definition);
        }
        return claimed;
    }
}
