package orchestrator.core.dispatcher;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Thread safe: any thread may wait or signal. Lets a closing thread wait, bounded and interruptibly, until a count
 * of outstanding work (running jobs, live workers) drops far enough.
 * <p>
 * A closer that runs inside one of the jobs it would wait for cannot wait for itself, and two such closers would
 * wait for each other, so jobs that are waiting here are not waited for by other such closers: a closer called from
 * jobs waits until every outstanding unit is one of those waiting jobs; any other closer waits for zero.
 */
final class CloseWaiter
{
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long waitingInJobs; // guarded by lock: outstanding units whose own thread is waiting here

    /**
     * Wakes the waiters to re-read the count; call it after the count went down, once shut down.
     */
    void signal()
    {
        lock.lock();
        try
        {
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * @param outstanding  reads the outstanding units; it only goes down once the owner is shut down.
     * @param ownUnits     how many of them the calling thread itself stands for (0 unless called from a job).
     * @param timeoutNanos the longest to wait, at least 0.
     * @return true when the count reached zero; always false when {@code ownUnits > 0}.
     * @throws InterruptedException when interrupted while it had to wait; a count already low enough is reported
     *                              even to an interrupted thread.
     */
    boolean await(final LongSupplier outstanding, final int ownUnits, final long timeoutNanos)
        throws InterruptedException
    {
        final long start = System.nanoTime();
        lock.lock(); // held only for moments; the wait below is what honours the deadline and interrupts
        try
        {
            if (ownUnits > 0)
            {
                waitingInJobs += ownUnits;
                changed.signalAll(); // other closers in jobs now have fewer units to wait for
            }
            while (true)
            {
                final long left = outstanding.getAsLong();
                if (left <= (ownUnits > 0 ? waitingInJobs : 0))
                {
                    return left == 0;
                }
                final long remaining = timeoutNanos - (System.nanoTime() - start);
                if (remaining <= 0)
                {
                    return false;
                }
                changed.awaitNanos(remaining);
            }
        }
        finally
        {
            waitingInJobs -= ownUnits;
            lock.unlock();
        }
    }
}
