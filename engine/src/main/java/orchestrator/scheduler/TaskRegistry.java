package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.cron.InvalidCronExpressionException;
import orchestrator.scheduler.vault.KeyProvider;
import org.agrona.collections.Object2ObjectHashMap;
import org.jctools.queues.MpscUnboundedArrayQueue;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: every method may be called from any thread, callbacks included. The registry of tasks by name and the
 * timer wheel they wait in, both guarded by one {@link ReentrantLock}, and the three phases of {@code runPending()}.
 */
final class TaskRegistry
{
    /*
     * Phase 1 (collect, lock held): the wheel hands out due tasks; each is re-armed for its next fire at once, so the
     * wheel never loses it, then claimed (running = true) or, if its previous run is still going, counted as missed.
     * Phase 2 (run, lock released): callbacks run inline or go to the dispatcher's workers. Phase 3 (update, lock
     * held): counters and state. With workers, phase 3 is the drain of the completion queue, which every operation
     * that takes the lock performs first, so a finished run is always accounted for before the next collection.
     *
     * `running` is only read and written under the lock and set in phase 1, cleared in phase 3: a task can
     * therefore never be claimed twice, which is what keeps a callback from running concurrently with itself.
     */
    static final int BATCH_LIMIT = 4096;
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    final ReentrantLock lock = new ReentrantLock();
    private final Object2ObjectHashMap<String, Task> live = new Object2ObjectHashMap<>();  // guarded by lock
    private final LinkedHashMap<String, Task> finished = new LinkedHashMap<>();            // guarded by lock
    private final ArrayDeque<DueBatch> spareBatches = new ArrayDeque<>();                  // guarded by lock
    private final TimerWheel wheel;                                                        // guarded by lock
    private final MpscUnboundedArrayQueue<Task> completions = new MpscUnboundedArrayQueue<>(1024);
    private final IdleSignal idleSignal = new IdleSignal();
    private final Clock clock;
    private final Dispatcher dispatcher;
    private final int retainFinished;
    private final MisfirePolicy defaultMisfire;
    private final SealedCallbacks sealed;
    private final long misfireThresholdMs;
    private long nextId;        // guarded by lock
    private int inFlight;       // guarded by lock: claimed in phase 1, not yet through phase 3
    private volatile Runnable onEarlierDeadline = () -> {};
    private volatile long plannedWake = Long.MAX_VALUE;

    TaskRegistry(final Clock clock, final Dispatcher dispatcher, final int retainFinished,
        final MisfirePolicy defaultMisfire, final long misfireThresholdMs, final SealedCallbacks sealed)
    {
        this.sealed = sealed;
        this.defaultMisfire = defaultMisfire;
        this.misfireThresholdMs = misfireThresholdMs;
        this.clock = clock;
        this.dispatcher = dispatcher;
        this.retainFinished = retainFinished;
        this.wheel = new TimerWheel(clock.millis());
    }

    Task register(final String name, final CronSchedule cron, final long onceAt, final MisfirePolicy misfire,
        final Runnable callback, final String handler, final byte[] payload)
    {
        final long now = clock.millis();
        final long first = cron == null ? onceAt : cron.nextAfterEpochMilli(now);
        if (first == Task.NEVER)
        {
            throw new InvalidCronExpressionException(cron.expression(), "expression", cron.expression(),
                "it has no fire time after " + java.time.Instant.ofEpochMilli(now));
        }
        final Task task;
        lock.lock();
        try
        {
            drainCompletions();
            if (live.containsKey(name))
            {
                throw new IllegalArgumentException("a task named '" + name + "' is already registered");
            }
            task = new Task(
                name, nextId++, cron, onceAt, callback, handler, misfire == null ? defaultMisfire : misfire, this);
            if (handler != null)
            {
                task.record = sealed.seal(task, payload);
            }
            live.put(name, task);
            finished.remove(name);
            wheel.schedule(task, first);
        }
        finally
        {
            lock.unlock();
        }
        if (first < plannedWake)
        {
            onEarlierDeadline.run();
        }
        return task;
    }

    boolean cancel(final String name)
    {
        lock.lock();
        try
        {
            drainCompletions();
            final Task task = live.remove(name);
            if (task == null)
            {
                return false;
            }
            task.cancelled = true;
            wheel.cancel(task);
            task.deadline = Task.NEVER;
            task.state = TaskState.CANCELLED;
            retire(task);
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * The three phases, repeated while a full batch came due.
     *
     * @return the number of callbacks started (inline) or handed to workers.
     */
    int runPending()
    {
        final long now = clock.millis();
        int started = 0;
        int polled;
        do
        {
            final DueBatch batch;
            lock.lock();
            try
            {
                drainCompletions();
                batch = spareBatches.isEmpty() ? new DueBatch(64) : spareBatches.pop();
                polled = collect(now, batch);
                if (batch.size == 0)
                {
                    release(batch);
                    continue;
                }
            }
            finally
            {
                lock.unlock();
            }
            started += dispatcher.isInline() ? runInline(batch) : dispatchToWorkers(batch);
        }
        while (polled == BATCH_LIMIT); // a full batch: more may be due
        return started;
    }

    /**
     * Phase 1: moves up to {@link #BATCH_LIMIT} due tasks out of the wheel and claims those that may run.
     *
     * @return how many tasks came due, claimed or not.
     */
    private int collect(final long now, final DueBatch batch) // lock held
    {
        final int due = wheel.poll(now, batch, BATCH_LIMIT);
        final Task[] tasks = batch.tasks;
        int claimed = 0;
        long lateTasks = 0;
        long lateFires = 0;
        long oldestFire = now;
        int overlapsStarted = 0;
        String firstOverlap = null;
        for (int i = 0; i < due; i++)
        {
            final Task task = tasks[i];
            tasks[i] = null;
            final long fire = task.deadline;
            long fires = 1;
            long latest = fire;
            long next = task.nextFireAfter(fire);
            while (next <= now)
            {
                fires++;
                latest = next;
                next = task.nextFireAfter(next);
            }
            if (next != Task.NEVER)
            {
                wheel.schedule(task, next);
            }
            else
            {
                task.deadline = Task.NEVER;
            }
            final int runs = task.misfire.runsFor(fires, now - latest <= misfireThresholdMs);
            if (runs < fires)
            {
                task.missed += fires - runs;
                lateTasks++;
                lateFires += fires - runs;
                oldestFire = Math.min(oldestFire, fire);
            }
            if (runs == 0)
            {
                continue;
            }
            if (task.running)
            {
                task.missed += runs;
                if (!task.inMissBurst)
                {
                    task.inMissBurst = true;
                    overlapsStarted++;
                    firstOverlap = firstOverlap == null ? task.name : firstOverlap;
                }
                continue;
            }
            task.inMissBurst = false;
            task.running = true;
            task.pendingRuns = runs;
            task.state = TaskState.RUNNING;
            if (task.handler != null)
            {
                sealed.pin(task);
            }
            inFlight++;
            tasks[claimed++] = task;
        }
        batch.size = claimed;
        if (lateFires > 0)
        {
            LOG.log(WARNING, "runPending came late: {0} task(s) missed {1} fire(s), the oldest due {2} ms ago",
                lateTasks, lateFires, now - oldestFire);
        }
        if (overlapsStarted > 0)
        {
            LOG.log(WARNING, "{0} task(s), ''{1}'' first, still running at their next fire: overlapping fires are " +
                "dropped and counted as missed until a run finishes in time", overlapsStarted, firstOverlap);
        }
        return due;
    }

    private int runInline(final DueBatch batch)
    {
        final Task[] tasks = batch.tasks;
        final int size = batch.size;
        int started = 0;
        for (int i = 0; i < size; i++)
        {
            if (runCallback(tasks[i]))
            {
                started++;
            }
        }
        lock.lock();
        try
        {
            for (int i = 0; i < size; i++)
            {
                complete(tasks[i]);
            }
            release(batch);
        }
        finally
        {
            lock.unlock();
        }
        idleSignal.signal();
        return started;
    }

    private int dispatchToWorkers(final DueBatch batch)
    {
        final Task[] tasks = batch.tasks;
        final int size = batch.size;
        int dispatched = 0;
        try
        {
            while (dispatched < size)
            {
                dispatcher.execute(tasks[dispatched]);
                dispatched++;
            }
        }
        catch (final RejectedExecutionException ex)
        {
            LOG.log(WARNING, "dispatcher refused {0} claimed fire(s); they are counted as missed", size - dispatched);
        }
        lock.lock();
        try
        {
            for (int i = dispatched; i < size; i++)
            {
                final Task task = tasks[i];
                sealed.release(task);
                task.ranThisFire = 0;
                task.failedThisFire = 0;
                task.missed += task.pendingRuns;
                complete(task);
            }
            release(batch);
        }
        finally
        {
            lock.unlock();
        }
        return dispatched;
    }

    private void release(final DueBatch batch) // lock held
    {
        batch.clear();
        spareBatches.push(batch);
    }

    /**
     * Phase 2 for one task, on whichever thread runs it.
     *
     * @return true when the callback was started.
     */
    boolean runCallback(final Task task)
    {
        task.failedThisFire = 0;
        if (task.cancelled) // cancelled after collection: it must not fire
        {
            sealed.release(task);
            task.ranThisFire = 0;
            return false;
        }
        task.ranThisFire = task.handler != null ? sealed.run(task) : runRunnable(task);
        return task.ranThisFire > 0;
    }

    private static int runRunnable(final Task task)
    {
        int ran = 0;
        for (int i = task.pendingRuns; i > 0 && !task.cancelled; i--)
        {
            ran++;
            try
            {
                task.callback.run();
            }
            catch (final Throwable ex)
            {
                task.failedThisFire++;
                task.lastRunError = ex.toString();
                LOG.log(WARNING, "task '" + task.name + "' threw from its callback; it keeps its schedule", ex);
            }
        }
        return ran;
    }

    void onWorkerCompletion(final Task task)
    {
        completions.offer(task); // the run's outcome fields are published to the draining thread by this offer
        idleSignal.signal();
    }

    private void drainCompletions() // lock held
    {
        Task task;
        while ((task = completions.relaxedPoll()) != null)
        {
            complete(task);
        }
    }

    private void complete(final Task task) // lock held: phase 3
    {
        task.running = false;
        inFlight--;
        task.runs += task.ranThisFire;
        if (task.failedThisFire > 0)
        {
            task.failures += task.failedThisFire;
            task.lastError = task.lastRunError;
        }
        if (task.cancelled)
        {
            return;
        }
        if (task.openFailure != null)
        {
            task.failures++;
            task.lastError = task.openFailure;
            task.state = TaskState.FAILED;
            wheel.cancel(task);
            task.deadline = Task.NEVER;
            live.remove(task.name, task);
            retire(task);
        }
        else if (task.deadline == Task.NEVER)
        {
            task.state = task.cron == null && task.failedThisFire > 0 ? TaskState.FAILED : TaskState.COMPLETED;
            live.remove(task.name, task);
            retire(task);
        }
        else
        {
            task.state = TaskState.SCHEDULED;
        }
    }

    private void retire(final Task task) // lock held
    {
        task.record = null; // a finished task never runs again: keep no ciphertext of it
        finished.remove(task.name);
        finished.put(task.name, task);
        if (finished.size() > retainFinished)
        {
            final Iterator<Task> eldest = finished.values().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    boolean awaitIdle(final long timeoutNanos) throws InterruptedException
    {
        return idleSignal.await(this::isIdle, timeoutNanos);
    }

    private boolean isIdle()
    {
        lock.lock();
        try
        {
            drainCompletions();
            return inFlight == 0;
        }
        finally
        {
            lock.unlock();
        }
    }

    long nextFireTime(final String name)
    {
        lock.lock();
        try
        {
            drainCompletions();
            final Task task = live.get(name);
            return task == null ? Task.NEVER : task.deadline;
        }
        finally
        {
            lock.unlock();
        }
    }

    List<TaskInfo> snapshot()
    {
        lock.lock();
        try
        {
            drainCompletions();
            final List<TaskInfo> infos = new ArrayList<>(live.size() + finished.size());
            for (final Task task : live.values())
            {
                infos.add(task.snapshot());
            }
            for (final Task task : finished.values())
            {
                infos.add(task.snapshot());
            }
            return List.copyOf(infos);
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * @return a time in epoch ms at or before the next fire of any task.
     */
    long nextDeadlineHint()
    {
        lock.lock();
        try
        {
            return wheel.nextDeadlineHint();
        }
        finally
        {
            lock.unlock();
        }
    }

    void setTestMode(final boolean enabled)
    {
        lock.lock();
        try
        {
            drainCompletions();
            sealed.setTestMode(live.values(), enabled);
        }
        finally
        {
            lock.unlock();
        }
    }

    boolean isTestMode()
    {
        lock.lock();
        try
        {
            return sealed.isTestMode();
        }
        finally
        {
            lock.unlock();
        }
    }

    void rotateKey(final KeyProvider next)
    {
        lock.lock();
        try
        {
            drainCompletions();
            if (sealed.isTestMode())
            {
                throw new IllegalStateException("test mode stores payloads in plain form: there is no key to rotate");
            }
            sealed.reseal(live.values(), next);
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
            drainCompletions();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * For tests and stress tests in this package.
     */
    Task find(final String name)
    {
        lock.lock();
        try
        {
            return live.get(name);
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
