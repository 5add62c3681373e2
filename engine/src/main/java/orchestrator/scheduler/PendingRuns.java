package orchestrator.scheduler;

import java.util.ArrayList;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayQueue;

/**
 * NOT thread safe: guarded by the registry's lock, but for {@link #anyReady()} and {@link #any()}, which any thread may
 * read. The runs a task owes beyond its wheel's fires: a coalesced overlap ({@link OverlapPolicy#COALESCE}) or a
 * {@code triggerNow} adds to the task's pending fires. A task that is not running goes into the ready queue, which the
 * next collection claims after the wheel's due tasks, as one run standing for all its pending fires; a running task is
 * queued when its run completes ({@link #afterRun}), so a pending run never overlaps the current one. A pause drops a
 * task's coalesced fires ({@link #dropCoalesced}) and keeps its triggers.
 * <p>
 * Few tasks ever have pending fires, so they are kept in a map by task id rather than in columns, each task's in a
 * pooled {@link Owed} (no allocation once the pool holds as many as tasks ever owe runs at once). A stale id in the
 * ready queue (its task cancelled, its id reused) is harmless: the entry only says "look at the task's pending
 * fires", which the cancellation cleared.
 */
final class PendingRuns
{
    private static final int NO_ID = -1;

    private final IntArrayQueue ready = new IntArrayQueue(64, NO_ID);
    private final Int2ObjectHashMap<Owed> owed = new Int2ObjectHashMap<>(); // keyed by task id
    private final ArrayList<Owed> spare = new ArrayList<>();
    private volatile int tasks;         // written under the lock: tasks with pending fires, read by workers
    private volatile boolean anyReady;  // written under the lock: the ready queue is not empty

    /**
     * NOT thread safe: the fires one task waits to run, epoch ms, its coalesced fires apart from its triggers so that a
     * pause can drop the first and keep the second.
     */
    private static final class Owed
    {
        long coalesced;
        long coalescedFirst;
        long coalescedLatest;
        long triggers;
        long triggerFirst;
        long triggerLatest;
        long triggerBeforeLatest; // the latest trigger but the latest one: a cluster's claim refused leaves it

        Owed()
        {
            dropCoalesced();
            dropTriggers();
        }

        void dropCoalesced()
        {
            coalesced = 0;
            coalescedFirst = Long.MAX_VALUE;
            coalescedLatest = Long.MIN_VALUE;
        }

        void dropTriggers()
        {
            triggers = 0;
            triggerFirst = Long.MAX_VALUE;
            triggerLatest = Long.MIN_VALUE;
            triggerBeforeLatest = Long.MIN_VALUE;
        }

        long fires()
        {
            return coalesced + triggers;
        }
    }

    /**
     * A {@code triggerNow} for a task: one more run, queued at once unless the task's run is going.
     */
    void trigger(final int id, final long now, final boolean running)
    {
        final Owed owed = owe(id);
        owed.triggers++;
        owed.triggerFirst = Math.min(owed.triggerFirst, now);
        if (now >= owed.triggerLatest)
        {
            owed.triggerBeforeLatest = owed.triggerLatest;
            owed.triggerLatest = now;
        }
        else
        {
            owed.triggerBeforeLatest = Math.max(owed.triggerBeforeLatest, now);
        }
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
        final Owed owed = owe(id);
        owed.coalesced += count;
        owed.coalescedFirst = Math.min(owed.coalescedFirst, from);
        owed.coalescedLatest = Math.max(owed.coalescedLatest, at);
    }

    /**
     * A pause (lock held): a paused task starts no run for fires of its schedule, so its coalesced fires are dropped;
     * its triggers stay pending, since a trigger runs a paused task too.
     *
     * @return how many coalesced fires were dropped, 0 for none; {@link #coalescedFirst(int)} must be read before.
     */
    long dropCoalesced(final int id)
    {
        final Owed owed = owedBy(id);
        final long count = owed == null ? 0 : owed.coalesced;
        if (count > 0)
        {
            if (owed.triggers == 0)
            {
                drop(id);
            }
            else
            {
                owed.dropCoalesced();
            }
        }
        return count;
    }

    /**
     * @return the first of the task's coalesced fires, epoch ms; {@link Long#MAX_VALUE} for none.
     */
    long coalescedFirst(final int id)
    {
        final Owed owed = owedBy(id);
        return owed == null ? Long.MAX_VALUE : owed.coalescedFirst;
    }

    /**
     * The task's run completed and it lives on: its pending fires, if any, may now run.
     */
    void afterRun(final int id)
    {
        if (owedBy(id) != null)
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
        final Owed owed = owedBy(id);
        return owed == null ? 0 : owed.fires();
    }

    /**
     * @return the first of the task's pending fires, epoch ms (only while it has some).
     */
    long first(final int id)
    {
        final Owed owed = this.owed.get(id);
        return Math.min(owed.coalescedFirst, owed.triggerFirst);
    }

    /**
     * @return the latest of the task's pending fires but its latest trigger, epoch ms (only while it has more than
     *         one): on a cluster, the instant of the triggers merged with a late claim whose run is refused.
     */
    long latestButTrigger(final int id)
    {
        final Owed owed = this.owed.get(id);
        return Math.max(owed.coalescedLatest, owed.triggerBeforeLatest);
    }

    /**
     * Takes the task's pending fires for one run.
     *
     * @return the latest of them, epoch ms.
     */
    long take(final int id)
    {
        final Owed owed = this.owed.get(id);
        final long at = Math.max(owed.coalescedLatest, owed.triggerLatest);
        drop(id);
        return at;
    }

    /**
     * Forgets the task's pending fires: it ended, or its id was taken by a new task.
     */
    void drop(final int id)
    {
        final Owed owed = this.owed.isEmpty() ? null : this.owed.remove(id);
        if (owed != null)
        {
            tasks = this.owed.size(); // volatile write under the lock
            release(owed);
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
        final TaskTable table = registry.table;
        owed.forEachInt((id, owed) ->
        {
            final boolean rerun = registry.progress != null && registry.progress.rerunPending(id);
            final long pending = owed.fires();
            final long count = rerun ? pending - 1 : pending; // the rerun is the first; triggers merged into it follow
            final long at = rerun ?
                Math.max(owed.coalescedLatest, owed.triggerLatest) : Math.min(owed.coalescedFirst, owed.triggerFirst);
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
            release(owed);
        });
        owed.clear();
        tasks = 0;
    }

    private Owed owedBy(final int id)
    {
        return owed.isEmpty() ? null : owed.get(id);
    }

    private Owed owe(final int id)
    {
        Owed owed = this.owed.get(id);
        if (owed == null)
        {
            owed = spare.isEmpty() ? new Owed() : spare.remove(spare.size() - 1);
            this.owed.put(id, owed);
            tasks = this.owed.size(); // volatile write under the lock
        }
        return owed;
    }

    private void release(final Owed owed)
    {
        owed.dropCoalesced();
        owed.dropTriggers();
        spare.add(owed);
    }
}
