package orchestrator.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * NOT thread safe: guarded by the registry's lock, but for {@link #runsOnThisThread}, which takes it. The pooled
 * {@link Fire}s and {@link FireBatch}es of one {@link FireCycle}: phase 1 takes them and phase 3 gives them back, so
 * the fire path allocates nothing in steady state. It keeps every fire and batch it made, pooled or out, to tell
 * whether the calling thread runs one of those fires, or holds claimed ones it has not dispatched yet.
 */
final class FirePool
{
    private final FireCycle cycle;
    private final ArrayDeque<Fire> spareFires = new ArrayDeque<>();
    private final ArrayList<Fire> madeFires = new ArrayList<>();
    private final ArrayDeque<FireBatch> spareBatches = new ArrayDeque<>();
    private final ArrayList<FireBatch> madeBatches = new ArrayList<>();
    private int firesOut; // handed out by fire() and not yet given back: the fires in flight

    FirePool(final FireCycle cycle)
    {
        this.cycle = cycle;
    }

    /**
     * @return a spare fire, or a new one.
     */
    Fire fire()
    {
        firesOut++;
        if (!spareFires.isEmpty())
        {
            return spareFires.pop();
        }
        final Fire made = new Fire(cycle);
        madeFires.add(made);
        return made;
    }

    /**
     * Gives back a fire phase 3 completed.
     */
    void put(final Fire fire)
    {
        firesOut--;
        spareFires.push(fire);
    }

    /**
     * @return the fires in flight: claimed in phase 1 and not yet completed in phase 3.
     */
    int firesOut()
    {
        return firesOut;
    }

    /**
     * Takes back the fire given last (phase 3 of a fire its dispatching thread withdrew), never to hand it out again:
     * a late run of it must not find a later claim in it.
     */
    void forgetLast()
    {
        spareFires.pop();
    }

    /**
     * @return a spare batch, or a new one.
     */
    FireBatch batch()
    {
        if (!spareBatches.isEmpty())
        {
            return spareBatches.pop();
        }
        final FireBatch made = new FireBatch();
        madeBatches.add(made);
        return made;
    }

    /**
     * Gives back a batch whose fires were all completed or handed to workers.
     */
    void put(final FireBatch batch)
    {
        Arrays.fill(batch.fires, 0, batch.size, null);
        batch.size = 0;
        batch.lateTasks = 0;
        batch.lateFires = 0;
        batch.oldestLate = 0;
        batch.overlapsStarted = 0;
        batch.firstOverlap = null;
        spareBatches.push(batch);
    }

    /**
     * @param lock the registry's lock, taken here.
     * @return whether the calling thread is running a fire of this pool's cycle: it is inside one of its callbacks (or
     *         their listeners), possibly through a fire of another scheduler; or whether fires its collection claimed
     *         wait for it to dispatch them, as it tells the listeners of that collection's missed fires and timeouts.
     *         For close and awaitIdle, not the fire path.
     */
    boolean runsOnThisThread(final ReentrantLock lock)
    {
        final Thread thread = Thread.currentThread();
        lock.lock();
        try
        {
            for (final Fire fire : madeFires)
            {
                if (fire.runningOn == thread) // only this thread writes itself there, and clears it before it ends
                {
                    return true;
                }
            }
            for (final FireBatch batch : madeBatches)
            {
                if (batch.reporting == thread && batch.size > 0) // both written by this thread, as for a fire
                {
                    return true;
                }
            }
            return false;
        }
        finally
        {
            lock.unlock();
        }
    }
}
