package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.jctools.queues.MpscUnboundedArrayQueue;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: any number of threads may call {@link #runPending(long, int)} at once, and workers hand fires back
 * from any thread. The three phases of {@code runPending()}:
 * <ol>
 * <li>collect (lock held, {@link FireCollector}): the wheel hands out due task ids; each task is re-armed for its
 * next fire at once, then claimed as a pooled {@link Fire} or, when its previous run is still going, counted as
 * missed;</li>
 * <li>dispatch (lock released): every fire goes through {@link Dispatcher#execute}, which runs it on this thread or
 * queues it for a worker; {@link CallbackRunner} runs the callback;</li>
 * <li>complete (lock held): counters and state; a one-time task is retired. Inline fires are completed by the
 * collecting thread; worker fires come back through an MPSC queue that every holder of the lock drains first.</li>
 * </ol>
 * A task is claimed (RUNNING flag) only in phase 1 and released only in phase 3, both under the lock, so it is never
 * claimed twice: a callback never runs concurrently with itself. Phase 1 also claims the ready runs of
 * {@link PendingRuns} (coalesced fires, {@code triggerNow}) and reports the runs past their timeout
 * ({@link RunTimeouts}); fires of a paused task are counted as missed there. Listeners hear of missed fires and
 * timeouts after the lock is released.
 */
final class FireCycle
{
    /**
     * The most fires one collection claims, and so the most one hold of the lock collects or completes. At 1M
     * tasks a fire's rows miss the cache, and a batch of 4,096 held the lock for 1 to 4 ms in each phase; 1,024 holds
     * it for 0.2 to 0.5 ms at the same throughput.
     */
    static final int BATCH_LIMIT = 1024;

    final CallbackRunner runner;
    final FireCollector collector;
    private final FireMetrics metrics;
    private final TaskRegistry registry;
    private final TaskTable table;
    private final TimerWheel wheel;
    private final TaskControl control;
    private final RunTimeouts timeouts;
    private final Listeners listeners;
    private final Clock clock;
    private final Dispatcher dispatcher;
    private final boolean inline;
    private final ProgressLog progress; // null on the in-memory store: nothing is written per fire
    private final ClusterNode cluster;  // null when not clustered: no claim gate, no fenced completions
    final String nodeId;
    private final MpscUnboundedArrayQueue<Fire> completions = new MpscUnboundedArrayQueue<>(1024);
    private final IdleSignal idleSignal = new IdleSignal();
    final FirePool pool = new FirePool(this);                          // guarded by lock

    FireCycle(final TaskRegistry registry, final CallbackRunner runner, final Dispatcher dispatcher,
        final long misfireThresholdMs)
    {
        this.registry = registry;
        this.table = registry.table;
        this.wheel = registry.wheel;
        this.control = registry.control;
        this.timeouts = registry.timeouts;
        this.listeners = registry.listeners;
        this.clock = registry.clock;
        this.runner = runner;
        this.dispatcher = dispatcher;
        this.inline = dispatcher.isInline();
        this.metrics = registry.metrics;
        this.progress = registry.progress;
        this.cluster = registry.cluster;
        this.nodeId = registry.nodeId;
        this.collector = new FireCollector(this, registry, inline, misfireThresholdMs);
    }

    /**
     * The three phases, repeated while more is due, up to {@code maxFires} due fires.
     *
     * @param now      the wall clock, epoch ms.
     * @param maxFires the most due fires to handle in this call.
     * @return callbacks started (inline) or handed to workers.
     */
    int runPending(final long now, final int maxFires)
    {
        final long nowNanos = System.nanoTime(); // 'now' in monotonic time: every collection of this call times from it
        int started = 0;
        int handled = 0;
        long lateTasks = 0; // over all the batches of this call, logged once
        long lateFires = 0;
        long oldestLate = 0;
        boolean more;
        do
        {
            final FireBatch batch;
            final int polled;
            CompletableFuture<Void> toAwait = null;
            registry.lock.lock();
            try
            {
                drainCompletions();
                if (progress != null)
                {
                    // what the last collections' fires did: an inline fire's claim and completion make one entry
                    toAwait = progress.flushIfFull(registry);
                }
                batch = pool.batch();
                batch.listeners = listeners.array();
                if (handled == 0 && !timeouts.isEmpty())
                {
                    batch.timedOut = timeouts.check(now, table, control);
                }
                final int limit = Math.min(BATCH_LIMIT, maxFires - handled);
                polled = collector.collect(now, nowNanos, batch, limit);
                more = polled == limit || wheel.behind() || registry.heldBack.hasDue(now) || control.pending.hasReady();
                if (progress != null && progress.claimsMustBeWritten())
                {
                    toAwait = progress.flush(registry); // covers the batch before it: the store keeps their order
                }
            }
            finally
            {
                registry.lock.unlock();
            }
            if (toAwait != null)
            {
                // a DROP task's running marker is written before it may run; otherwise the oldest unwritten batch
                // is, when more than ProgressLog.MAX_UNWRITTEN are: the caller keeps the store's pace. The claims of
                // other tasks go with the next batch (the next collection's, or this call's last), so an inline fire
                // writes one entry, its completion, and a fire on a worker its running marker
                ProgressLog.awaitWritten(toAwait);
            }
            handled += polled;
            batch.report(now);
            lateTasks += batch.lateTasks;
            lateFires += batch.lateFires;
            oldestLate = Math.max(oldestLate, batch.oldestLate);
            started += dispatch(batch);
            more = more || control.pending.anyReady(); // phase 3 of an inline run may have made its pending fires ready
        }
        while (more && handled < maxFires);
        FireBatch.logLate(lateTasks, lateFires, oldestLate);
        if (progress != null)
        {
            registry.flushProgress(); // the completions of inline runs
        }
        return started;
    }

    /**
     * Phase 2, then phase 3 for inline fires and for fires the dispatcher refused.
     *
     * @return callbacks started (inline) or handed to workers.
     */
    private int dispatch(final FireBatch batch)
    {
        final Fire[] fires = batch.fires;
        final int size = batch.size;
        int dispatched = 0;
        int handed = 0; // callbacks handed to workers, counted before each hand-off: then the fire is the worker's
        int runs = 0;
        int token = 0; // the hand-off token of the fire being dispatched
        Throwable thrown = null; // a dispatcher that threw other than refusing: rethrown once the batch is settled
        Fire withdrawn = null; // its hand-off may still call run() (and find it withdrawn): never pooled again
        try
        {
            while (dispatched < size)
            {
                runs = fires[dispatched].runs;
                token = fires[dispatched].handOff; // this thread's own write in phase 1
                dispatcher.execute(fires[dispatched]);
                handed += runs;
                dispatched++;
            }
        }
        catch (final RejectedExecutionException ex)
        {
            CallbackRunner.log(WARNING, "dispatcher refused " + (size - dispatched) +
                " claimed fire(s); they are counted as missed", null);
        }
        catch (final RuntimeException | Error ex)
        {
            thrown = ex;
            // the job may have started (an executor that throws after running it, even an Error): then it completes
            // through its run; if not, it must not stay claimed for good. Inline, only a RuntimeException comes
            // from a job that ran (an Error is taken as from before it)
            if (inline ? ex instanceof RuntimeException : !fires[dispatched].withdraw(token))
            {
                handed += runs;
                dispatched++;
                CallbackRunner.log(WARNING, "dispatcher threw after starting a fire; the " + (size - dispatched) +
                    " claimed fire(s) after it are counted as missed", ex);
            }
            else
            {
                withdrawn = inline ? null : fires[dispatched];
                CallbackRunner.log(WARNING, "dispatcher threw for " + (size - dispatched) +
                    " claimed fire(s); they are counted as missed", ex);
            }
        }
        int started = 0;
        final TaskListener[] told = batch.listeners; // read before the batch goes back to the spares
        MissedEvents refused = null; // told to them once the lock is released, as a collection's misses are
        table.gatherForRetire(fires, inline ? 0 : dispatched, size, wheel);
        registry.lock.lock();
        try
        {
            for (int i = inline ? 0 : dispatched; i < size; i++)
            {
                final Fire fire = fires[i];
                if (i >= dispatched)
                {
                    runner.release(fire);
                    final long missed = Math.max(fire.runs, fire.fires); // a coalesced run stands for its fires
                    table.rare.addMissed(fire.id, missed);
                    metrics.onMissed(fire.taskName, fire.firstAt, missed, FlightEvents.REFUSED);
                    batch.missed(fire.taskName, fire.firstAt, missed);
                }
                else
                {
                    started += fire.ran; // a fireAll catch-up runs its callback more than once
                }
                complete(fire);
                if (fire == withdrawn)
                {
                    pool.forgetLast(); // complete() pooled it: a later claim must not share it with a stale run
                }
            }
            if (batch.missed != null && !batch.missed.isEmpty())
            {
                refused = batch.missed; // the batch goes back to the spares: its events leave with this call
                batch.missed = null;
            }
            pool.put(batch);
        }
        finally
        {
            registry.lock.unlock();
        }
        if ((inline || dispatched < size) && size > 0)
        {
            idleSignal.signal(); // inline runs and refused fires were completed here
        }
        if (refused != null)
        {
            refused.deliver(told);
        }
        if (thrown instanceof Error)
        {
            throw (Error)thrown;
        }
        if (thrown != null)
        {
            throw (RuntimeException)thrown;
        }
        return inline ? started : handed;
    }

    /**
     * Any thread: a worker hands a finished fire back. The offer publishes the outcome fields to the drainer.
     */
    void onCompletion(final Fire fire)
    {
        final boolean fixedDelay = fire.definition.fixedDelay(); // read before the fire is handed back
        completions.offer(fire);
        idleSignal.signal();
        if (fixedDelay || control.pending.any()) // a fixed delay's next fire is filed when its completion is drained
        {
            registry.wakeDriver(); // a coalesced or triggered run may wait for this completion
        }
    }

    /**
     * @return the scheduler's clock in epoch ms; a clock that throws reads as {@link Long#MIN_VALUE}, so that it
     *         cannot stand between a run and its completion.
     */
    long millis()
    {
        try
        {
            return clock.millis();
        }
        catch (final Throwable ex)
        {
            return Long.MIN_VALUE;
        }
    }

    void drainCompletions() // lock held
    {
        Fire fire;
        while ((fire = completions.poll()) != null) // not relaxedPoll: an offer the producer index shows is awaited
        {
            complete(fire);
        }
    }

    /**
     * Phase 3 for one fire (lock held).
     */
    private void complete(final Fire fire)
    {
        final int id = fire.id;
        metrics.onComplete(fire);
        if (fire.claim != null)
        {
            cluster.completed(fire, millis());
        }
        if (progress != null)
        {
            progress.touch(id);
        }
        table.runs[id] += fire.ran;
        if (fire.skipped > 0) // a cancel came first, or a close gave up: the fires not run are missed
        {
            table.rare.addMissed(id, fire.skipped);
            metrics.onMissed(fire.taskName, fire.skippedFrom, fire.skipped,
                table.generation(id) != fire.generation ? FlightEvents.CANCELLED : FlightEvents.CLOSED);
        }
        if (fire.failed > 0)
        {
            table.rare.addFailures(id, fire.failed);
            table.rare.lastError(id, fire.error);
        }
        if (fire.openFailure != null) // counted as metrics counted it, even if the task was cancelled meanwhile
        {
            table.rare.addFailures(id, 1);
            table.rare.lastError(id, fire.openFailure);
        }
        table.clearFlag(id, TaskTable.RUNNING);
        if (fire.watched)
        {
            timeouts.unwatch(fire);
            table.clearFlag(id, TaskTable.RUNNING_LONG);
        }
        if (table.generation(id) != fire.generation) // cancelled while running: retire it now
        {
            registry.retire(id);
        }
        else if (fire.openFailure != null)
        {
            registry.finish(id, TaskState.FAILED);
        }
        else if (!wheel.contains(id) && !registry.heldBack.contains(id) && !control.isParked(id) &&
            !(table.definitions[id].fixedDelay() && control.fileFixedDelay(id, table.definitions[id],
            fire.endedAt())) && // phase 3 sets a fixed delay's next fire
            control.pending.fires(id) == 0) // a trigger accepted still runs
        {
            final boolean oneTimeFailed = !fire.definition.isRecurring() && fire.failed > 0;
            registry.finish(id, oneTimeFailed ? TaskState.FAILED : TaskState.COMPLETED);
        }
        else
        {
            table.state(id, table.hasFlag(id, TaskTable.PAUSED) ? TaskState.PAUSED : TaskState.SCHEDULED);
            control.pending.afterRun(id);
        }
        fire.reset();
        pool.put(fire);
    }

    /**
     * @return true when no fire is in flight (lock held).
     */
    boolean isIdle()
    {
        return pool.firesOut() == 0;
    }

    IdleSignal idleSignal()
    {
        return idleSignal;
    }
}
