package orchestrator.scheduler;

import orchestrator.scheduler.store.ProgressBatch;
import orchestrator.scheduler.store.TaskProgress;
import orchestrator.scheduler.store.TaskStore;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.System.Logger.Level.WARNING;

/**
 * NOT thread safe: guarded by the registry's lock, except {@link #awaitWritten}. The fire progress a scheduler on a
 * durable store owes its store: the ids a collection or a completion touched, and the instant of each claimed fire,
 * handed to {@link TaskStore#recordProgress} in batches, in the order the lock was taken: at the end of each
 * {@code runPending()}, before a collection once {@value #FULL_BATCH} tasks are touched, and after a collection that
 * claimed a {@code DROP} task (whose running marker must be written before it runs). An inline fire's claim and
 * completion are read together, as one entry; a fire handed to a worker is written with its running marker.
 * <p>
 * Caveats: the batch is handed over with the lock held, so batches reach the store in the order their state was read
 * (a later batch never carries older counters); the store only queues it, the disk write happens on its own thread.
 * At most {@value #MAX_UNWRITTEN} batches may wait unwritten when a caller goes on: {@link #flush} then hands back
 * the oldest to wait for, so a caller faster than the store is held to the store's pace instead of queuing without
 * limit.
 */
final class ProgressLog
{
    /*
     * A touched id is read when the batch is built, not when it is touched: one entry per task per batch, with its
     * counters as they are then. A task that ends (completes, fails) is written at once by ended(): its id may be
     * freed and reused before the batch is built. A cancelled task is removed from the store by the API call instead.
     */
    /** Batches a caller may leave unwritten behind it (written, not forced: the store's own thread writes them). */
    static final int MAX_UNWRITTEN = 2;
    /** Touched tasks at which a collection hands its progress over without waiting for the end of the call. */
    static final int FULL_BATCH = 1 << 14;
    private static final int KEPT_BATCHES = 4;             // handed-over batches kept for reuse once released
    private static final int KEPT_BATCH_CAPACITY = 1 << 16; // a larger one (the first batch after a restore) is dropped

    private final TaskStore store;
    private final ArrayDeque<CompletableFuture<Void>> unwritten = new ArrayDeque<>(); // handed over, maybe not written
    private final ArrayDeque<ProgressBatch> handedOver = new ArrayDeque<>(); // oldest first, reused once released
    private ProgressBatch idle;                          // filled but never handed over (empty, or the store closed)
    private int[] touched = new int[1024];
    private int touchedCount;
    private boolean[] marked = new boolean[1024];
    private long[] runningAt = new long[1024];   // the instant of the fire the id's task was claimed for
    private long[] rerunAt = filled(1024);       // an interrupted fire restored under RUN_AGAIN, until it is claimed
    private long[] deferredNext = new long[1024]; // the task's next fire, put in the wheel once that rerun is claimed
    private final List<TaskProgress> ended = new ArrayList<>(); // rare: one-time tasks that completed or failed
    private boolean waitForWrite;                // a DROP task was claimed: its marker must be written before it runs
    private boolean closed;
    private final Object failureLock = new Object();
    private volatile Throwable failure;          // written once under failureLock, read by any thread
    private final AtomicLong failedBatches = new AtomicLong();

    ProgressLog(final TaskStore store)
    {
        this.store = store;
    }

    private static long[] filled(final int capacity)
    {
        final long[] array = new long[capacity];
        Arrays.fill(array, TaskProgress.NOT_RUNNING);
        return array;
    }

    /** A collection or completion changed this task's progress. */
    void touch(final int id)
    {
        if (id >= marked.length)
        {
            final int capacity = Math.max(id + 1, marked.length * 2);
            marked = Arrays.copyOf(marked, capacity);
            runningAt = Arrays.copyOf(runningAt, capacity);
            final int from = rerunAt.length;
            rerunAt = Arrays.copyOf(rerunAt, capacity);
            Arrays.fill(rerunAt, from, capacity, TaskProgress.NOT_RUNNING);
            deferredNext = Arrays.copyOf(deferredNext, capacity);
        }
        if (!marked[id])
        {
            marked[id] = true;
            if (touchedCount == touched.length)
            {
                touched = Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = id;
        }
    }

    /** The task was claimed for the fire at {@code fire}: its batch entry carries the running marker. */
    void running(final TaskRegistry registry, final int id, final long fire, final TaskDefinition definition)
    {
        touch(id);
        runningAt[id] = fire;
        if (rerunAt[id] != TaskProgress.NOT_RUNNING)
        {
            rerunAt[id] = TaskProgress.NOT_RUNNING; // the interrupted fire runs now: this claim's marker stands for it
            if (deferredNext[id] != TaskProgress.NEVER && !registry.wheel.contains(id))
            {
                registry.wheel.schedule(id, deferredNext[id]); // only now may the schedule's own fires come due
            }
        }
        waitForWrite |= definition.onRestart() == InterruptedFirePolicy.DROP;
    }

    /**
     * Hands the progress touched so far to the store once it holds {@value #FULL_BATCH} tasks (lock held), so that a
     * long {@code runPending()} writes as it goes in batches of a bounded size and few hand-overs.
     *
     * @return as {@link #flush}, or null when nothing was handed over.
     */
    CompletableFuture<Void> flushIfFull(final TaskRegistry registry)
    {
        return touchedCount >= FULL_BATCH ? flush(registry) : null;
    }

    /**
     * @return whether a task claimed since the last flush has a running marker that must be written before the fire
     *         runs (a {@code DROP} task); other claims may wait for the next batch.
     */
    boolean claimsMustBeWritten()
    {
        return waitForWrite;
    }

    /** @return where a live task stands now (lock held), with the running marker of a claimed fire. */
    TaskProgress entry(final TaskRegistry registry, final int id)
    {
        final ProgressBatch one = new ProgressBatch(1);
        entry(registry, id, one);
        return one.get(0);
    }

    /** Adds where a live task stands now to {@code batch} (lock held), with the running marker of a claimed fire. */
    void entry(final TaskRegistry registry, final int id, final ProgressBatch batch)
    {
        final TaskTable table = registry.table;
        final boolean running = table.hasFlag(id, TaskTable.RUNNING) && id < runningAt.length;
        final long rerun = id < rerunAt.length ? rerunAt[id] : TaskProgress.NOT_RUNNING;
        final long next = registry.nextFire(id); // the deferred one, unless a reschedule put the task in the wheel
        final TaskState state = table.hasFlag(id, TaskTable.PAUSED) ? TaskState.PAUSED : table.state(id); // paused
        batch.add(id, table.names[id], state, next, table.runs[id], table.rare.missed(id), table.rare.failures(id),
            running ? runningAt[id] : rerun);
    }

    /**
     * A restored task's interrupted fire at {@code fire} waits to run again: until it is claimed, every entry of the
     * task keeps that fire's marker and {@code next} as its next fire, so a kill before the run leaves it interrupted
     * still; the task's own schedule enters the wheel at {@code next} only when the rerun is claimed, so that no later
     * fire can take the marker's place first.
     */
    void rerunPending(final int id, final long fire, final long next)
    {
        touch(id);
        rerunAt[id] = fire;
        deferredNext[id] = next;
    }

    /**
     * @return the next fire of a restored task whose interrupted fire waits to run again (its schedule enters the
     *         wheel once that rerun is claimed); {@link TaskProgress#NEVER} for any other task.
     */
    long deferredNext(final int id)
    {
        return rerunPending(id) ? deferredNext[id] : TaskProgress.NEVER;
    }

    /** @return true while a restored task's interrupted fire waits to run again (its running marker stays stored). */
    boolean rerunPending(final int id)
    {
        return id < rerunAt.length && rerunAt[id] != TaskProgress.NOT_RUNNING;
    }

    /**
     * The task ended for good: a completed or failed one is written with the next batch even if its id is freed; a
     * cancelled one is removed from the store by the cancelling call.
     */
    void ended(final TaskRegistry registry, final int id, final TaskState state)
    {
        if (id < rerunAt.length)
        {
            rerunAt[id] = TaskProgress.NOT_RUNNING;
        }
        if (state == TaskState.CANCELLED)
        {
            return;
        }
        final TaskTable table = registry.table;
        ended.add(new TaskProgress(table.names[id], state, TaskProgress.NEVER, table.runs[id], table.rare.missed(id),
            table.rare.failures(id), TaskProgress.NOT_RUNNING));
    }

    /**
     * Hands what was touched since the last flush to the store as one batch (lock held).
     *
     * @return a write to wait for once the lock is released, or null: the batch's own when a DROP task was claimed
     *         (its marker is written before the fire is dispatched), otherwise the oldest unwritten batch's when more
     *         than {@value #MAX_UNWRITTEN} are unwritten (backpressure).
     */
    CompletableFuture<Void> flush(final TaskRegistry registry)
    {
        if (touchedCount == 0 && ended.isEmpty())
        {
            return null;
        }
        final TaskTable table = registry.table;
        final ProgressBatch batch = spareBatch(touchedCount + ended.size());
        for (final TaskProgress end : ended)
        {
            if (table.idOf(end.name()) != TaskTable.NO_ID)
            {
                continue; // a task registered under its name since: its write, already handed over, supersedes this
            }
            batch.add(ProgressBatch.NO_SLOT, end.name(), end.state(), end.nextFire(), end.runs(), end.missed(),
                end.failures(), end.runningFire());
        }
        ended.clear();
        for (int i = 0; i < touchedCount; i++)
        {
            final int id = touched[i];
            marked[id] = false;
            if (table.isNamedAndLive(id))
            {
                entry(registry, id, batch);
            }
        }
        touchedCount = 0;
        final boolean mustWait = waitForWrite;
        waitForWrite = false;
        if (closed || batch.isEmpty())
        {
            idle = batch;
            return null;
        }
        CompletableFuture<Void> written;
        try
        {
            written = store.recordProgress(batch);
        }
        catch (final RuntimeException ex)
        {
            written = CompletableFuture.failedFuture(ex);
        }
        written.whenComplete((done, failure) -> onWritten(failure));
        if (batch.capacity() <= KEPT_BATCH_CAPACITY)
        {
            if (handedOver.size() == KEPT_BATCHES)
            {
                handedOver.pollFirst(); // not released yet (a slow or failed store): left to the garbage collector
            }
            handedOver.addLast(batch);
        }
        CompletableFuture<Void> oldest;
        while ((oldest = unwritten.peekFirst()) != null && oldest.isDone())
        {
            unwritten.pollFirst();
        }
        unwritten.addLast(written);
        if (mustWait)
        {
            return written; // the batches before it are written first: the store keeps their order
        }
        return unwritten.size() > MAX_UNWRITTEN ? unwritten.peekFirst() : null;
    }

    /** @return an empty batch: the one never handed over, the oldest one the store released, or a new one. */
    private ProgressBatch spareBatch(final int capacity)
    {
        final ProgressBatch spare = idle;
        if (spare != null)
        {
            idle = null;
            spare.clear();
            return spare;
        }
        final ProgressBatch oldest = handedOver.peekFirst();
        if (oldest != null && oldest.isReleased()) // the store's reads of it happen before this read
        {
            handedOver.pollFirst();
            oldest.clear();
            return oldest;
        }
        return new ProgressBatch(capacity);
    }

    /** Any thread: waits until a batch is written (not forced); a failure was logged by {@link #onWritten}. */
    static void awaitWritten(final CompletableFuture<Void> written)
    {
        try
        {
            written.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException ex)
        {
            // logged once by onWritten; the fire runs from memory
        }
    }

    /** After the store closed, nothing more is handed to it (lock held). */
    void close()
    {
        closed = true;
    }

    private void onWritten(final Throwable thrown)
    {
        if (thrown != null)
        {
            failedBatches.incrementAndGet();
            if (failed(thrown))
            {
                CallbackRunner.log(WARNING, "the task store failed to record fire progress; the scheduler keeps " +
                    "firing from memory, and a restart recovers from the last progress written: " + thrown, null);
            }
        }
    }

    /**
     * Any thread: the store failed (a progress batch, or a durable call).
     *
     * @return true for the first failure.
     */
    boolean failed(final Throwable thrown)
    {
        final Throwable cause = thrown instanceof CompletionException && thrown.getCause() != null ?
            thrown.getCause() : thrown;
        synchronized (failureLock)
        {
            if (failure == null)
            {
                failure = cause;
                return true;
            }
            return false;
        }
    }

    /** Any thread: the store's first failure, or null. */
    Throwable failure()
    {
        return failure;
    }

    /** Any thread: progress batches the store failed to write. */
    long failedBatches()
    {
        return failedBatches.get();
    }
}
