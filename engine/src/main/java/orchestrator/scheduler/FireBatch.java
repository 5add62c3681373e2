package orchestrator.scheduler;

import java.util.List;

import static java.lang.System.Logger.Level.WARNING;

/**
 * NOT thread safe: owned by one {@code runPending()} call at a time, taken from and returned to its
 * {@link FireCycle}'s spares under the lock. The ids a poll handed out and the fires
 * claimed from them, reused across calls; plus what the collection has to log once the lock is released.
 */
final class FireBatch
{
    final int[] ids = new int[FireCycle.BATCH_LIMIT];
    final long[] heldFires = new long[FireCycle.BATCH_LIMIT];
    final Fire[] fires = new Fire[FireCycle.BATCH_LIMIT];
    int size;
    long lateTasks;
    long lateFires;
    long oldestLate;
    int overlapsStarted;
    String firstOverlap;
    TaskListener[] listeners = Listeners.NONE;
    MissedEvents missed;       // made when first needed, then kept with the batch
    List<FireContext> timedOut;
    Thread reporting;          // telling the listeners, its claimed fires not dispatched yet: see FirePool

    void missed(final String name, final long at, final long fires)
    {
        if (listeners.length > 0)
        {
            if (missed == null)
            {
                missed = new MissedEvents();
            }
            missed.add(name, at, fires);
        }
    }

    /**
     * What the collection found, told once the lock is released: the overlapping fires (one WARNING), the missed
     * fires and the runs past their timeout (to the listeners). The late fires are left in the batch for
     * {@link FireCycle#runPending}, which adds up those of all its batches into one WARNING ({@link #logLate}).
     */
    void report(final long now)
    {
        reporting = Thread.currentThread(); // the claimed fires wait for this thread: a listener may not wait for them
        try
        {
            tell(now);
        }
        finally
        {
            reporting = null;
        }
    }

    private void tell(final long now)
    {
        if (overlapsStarted > 0)
        {
            CallbackRunner.log(WARNING, overlapsStarted + " task(s), '" + firstOverlap +
                "' first, still running at their next fire: overlapping fires are dropped and counted as missed " +
                "until a run finishes in time", null);
        }
        if (listeners.length > 0 && missed != null && !missed.isEmpty())
        {
            missed.deliver(listeners);
        }
        if (timedOut != null)
        {
            final List<FireContext> late = timedOut;
            timedOut = null;
            RunTimeouts.report(late, now, listeners);
        }
    }

    /**
     * The one WARNING of a {@code runPending()} call that came late, for all the batches it collected.
     */
    static void logLate(final long lateTasks, final long lateFires, final long oldestLate)
    {
        if (lateFires > 0)
        {
            CallbackRunner.log(WARNING, "runPending came late: " + lateTasks + " task(s) missed " +
                lateFires + " fire(s), the oldest due " + oldestLate + " ms ago", null);
        }
    }
}
