package orchestrator.scheduler;

import org.agrona.collections.IntArrayQueue;
import org.agrona.collections.Long2LongHashMap;

/**
 * NOT thread safe: guarded by the registry's lock, but for {@link #anyReady()} and {@link #any()}, which any thread may
 * read. The runs a task owes beyond its wheel's fires: a coalesced overlap ({@link OverlapPolicy#COALESCE}) or a
 * {@code triggerNow} adds to the task's pending fires. A task that is not running goes into the ready queue, which the
 * next collection claims after the wheel's due tasks, as one run standing for all its pending fires; a running task is
 * queued when its run completes ({@link #afterRun}), so a pending run never overlaps the current one. A pause drops a
 * task's coalesced fires ({@link #dropCoalesced}) and keeps its triggers.
 * <p>
 * Few tasks ever have pending fires, so they are kept in maps by task id rather than in columns. A stale id in the
 * ready queue (its task cancelled, its id reused) is harmless: the entry only says "look at the task's pending
 * fires", which the cancellation cleared.
 */
final class PendingRuns
{
    private static final int NO_ID = -1;

    private final IntArrayQueue ready = new IntArrayQueue(64, NO_ID);
    // keyed by task id: fires waiting for one extra run, the latest and the first of them (epoch ms)
    private final Long2LongHashMap fires = new Long2LongHashMap(0);
    private final Long2LongHashMap latest = new Long2LongHashMap(Long.MIN_VALUE);
    private final Long2LongHashMap first = new Long2LongHashMap(Long.MAX_VALUE);
    // keyed by task id: how many of its pending fires are coalesced (the rest are triggers), the first of them, and
    // the first and latest of its triggers, so that a pause can drop the coalesced ones and keep the triggers
    private final Long2LongHashMap coalesced = new Long2LongHashMap(0);
    private final Long2LongHashMap coalescedFirst = new Long2LongHashMap(Long.MAX_VALUE);
    private final Long2LongHashMap triggerFirst = new Long2LongHashMap(Long.MAX_VALUE);
    private final Long2LongHashMap triggerLatest = new Long2LongHashMap(Long.MIN_VALUE);
    private volatile int tasks;         // written under the lock: tasks with pending fires, read by workers
    private volatile boolean anyReady;  // written under the lock: the ready queue is not empty

    /**
     * A {@code triggerNow} for a task: one more run, queued at once unless the task's run is going.
     */
    void trigger(final int id, final long now, final boolean running)
    {
        addFires(id, 1, now, now);
        triggerFirst.put(id, Math.min(triggerFirst.get(id), now));
        triggerLatest.put(id, Math.max(triggerLatest.get(id), now));
        if (!running)
        {
            ready.offerInt(id);
            anyReady = true;
        }
    }

    /**
     * Fires that came due while the task's run is going, under {@link OverlapPolicy#COALESCE}.
     *
     * @param from the first of them, epoch ms.
     * @param at   the latest of them, epoch ms.
     */
    void add(final int id, final long count, final long from, final long at)
    {
        addFires(id, count, from, at);
        coalesced.put(id, coalesced.get(id) + count);
        coalescedFirst.put(id, Math.min(coalescedFirst.get(id), from));
    }

    /**
     * A pause (lock held): a paused task starts no run for fires of its schedule, so its coalesced fires are dropped;
     * its triggers stay pending, since a trigger runs a paused task too.
     *
     * @return how many coalesced fires were dropped, 0 for none; {@link #coalescedFirst(int)} must be read before.
     */
    long dropCoalesced(final int id)
    {
        final long count = coalesced.isEmpty() ? 0 : coalesced.remove(id);
        if (count == 0)
        {
            return 0;
        }
        final long left = fires.get(id) - count;
        if (left == 0)
        {
            drop(id);
            return count;
        }
        coalescedFirst.remove(id);
        fires.put(id, left);
        first.put(id, triggerFirst.get(id));
        latest.put(id, triggerLatest.get(id));
        return count;
    }

    /**
     * @return the first of the task's coalesced fires, epoch ms (only while it has some).
     */
    long coalescedFirst(final int id)
    {
        return coalescedFirst.get(id);
    }

    private void addFires(final int id, final long count, final long from, final long at)
    {
        final long pending = fires.get(id);
        if (pending == 0)
        {
            tasks++; // volatile write under the lock
        }
        fires.put(id, pending + count);
        latest.put(id, Math.max(latest.get(id), at));
        first.put(id, Math.min(first.get(id), from));
    }

    /**
     * The task's run completed and it lives on: its pending fires, if any, may now run.
     */
    void afterRun(final int id)
    {
        if (!fires.isEmpty() && fires.get(id) > 0)
        {
            ready.offerInt(id);
            anyReady = true;
        }
    }

    /**
     * Any thread: true when the ready queue may hold ids.
     */
    boolean anyReady()
    {
        return anyReady;
    }

    boolean hasReady()
    {
        return !ready.isEmpty();
    }

    /**
     * @return the next ready id, or -1.
     */
    int pollReady()
    {
        final int id = ready.isEmpty() ? NO_ID : ready.pollInt();
        if (ready.isEmpty() && anyReady)
        {
            anyReady = false;
        }
        return id;
    }

    long fires(final int id)
    {
        return fires.isEmpty() ? 0 : fires.get(id);
    }

    /**
     * @return the first of the task's pending fires, epoch ms (only while it has some).
     */
    long first(final int id)
    {
        return first.get(id);
    }

    /**
     * Takes the task's pending fires for one run.
     *
     * @return the latest of them, epoch ms.
     */
    long take(final int id)
    {
        final long at = latest.get(id);
        drop(id);
        return at;
    }

    /**
     * Forgets the task's pending fires: it ended, or its id was taken by a new task.
     */
    void drop(final int id)
    {
        if (!fires.isEmpty() && fires.remove(id) != 0)
        {
            tasks--;
            latest.remove(id);
            first.remove(id);
            coalesced.remove(id);
            coalescedFirst.remove(id);
            triggerFirst.remove(id);
            triggerLatest.remove(id);
        }
    }

    /**
     * Any thread: true when some task has fires waiting for its run to complete, so a completion must wake the
     * driver.
     */
    boolean any()
    {
        return tasks > 0;
    }

    /**
     * At close: the fires still pending for a run that will not come now are counted as missed, so that every fire
     * that came due ends as run or missed. A restored interrupted fire waiting to run again
     * ({@link InterruptedFirePolicy#RUN_AGAIN}) is not counted: its running marker stays stored, and the next restart
     * runs it again.
     *
     * @param told gathers them for the listeners, told once the lock is released.
     */
    void missAtClose(final TaskRegistry registry, final MissedEvents told)
    {
        if (fires.isEmpty())
        {
            return;
        }
        final TaskTable table = registry.table;
        fires.forEachLong((key, pending) ->
        {
            final int id = (int)key;
            final boolean rerun = registry.progress != null && registry.progress.rerunPending(id);
            final long count = rerun ? pending - 1 : pending; // the rerun is the first; triggers merged into it follow
            final long at = rerun ? latest.get(key) : first.get(key);
            if (table.isLive(id) && count > 0)
            {
                table.rare.addMissed(id, count);
                registry.metrics.onMissed(table.names[id], at, count, FlightEvents.CLOSED);
                told.add(table.names[id], at, count);
                if (registry.progress != null)
                {
                    registry.progress.touch(id); // the store's last batch, written as it closes, counts them
                }
            }
        });
        fires.clear();
        latest.clear();
        first.clear();
        coalesced.clear();
        coalescedFirst.clear();
        triggerFirst.clear();
        triggerLatest.clear();
        tasks = 0;
    }
}
