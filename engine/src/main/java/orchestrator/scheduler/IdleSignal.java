package orchestrator.scheduler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Thread safe: any thread may signal, any number may wait. Wakes the threads in {@code awaitIdle} when a run
 * completes, without costing the completing thread more than an increment while nobody waits.
 */
final class IdleSignal
{
    /*
     * A waiter registers itself, reads the signal count, then checks idleness; it sleeps only while the count is
     * unchanged. A signaller increments the count, then reads the waiter count and notifies under the monitor. Both
     * counters are atomics (sequentially consistent), so either the waiter sees the new count or the signaller sees
     * the waiter: a completion is never missed. The monitor is never held while the registry's lock is taken.
     */
    private final AtomicLong signals = new AtomicLong();
    private final AtomicInteger waiters = new AtomicInteger();
    private final Object monitor = new Object();

    void signal()
    {
        signals.getAndIncrement();
        if (waiters.get() > 0)
        {
            synchronized (monitor)
            {
                monitor.notifyAll();
            }
        }
    }

    /**
     * @param idle         checks, and may take the registry's lock to check, whether there is nothing left to wait for.
     * @param timeoutNanos the longest to wait.
     * @return true when {@code idle} held, false when the timeout passed first.
     * @throws InterruptedException when interrupted while waiting.
     */
    boolean await(final BooleanSupplier idle, final long timeoutNanos) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        waiters.getAndIncrement();
        try
        {
            while (true)
            {
                final long seen = signals.get();
                if (idle.getAsBoolean())
                {
                    return true;
                }
                synchronized (monitor)
                {
                    while (signals.get() == seen)
                    {
                        final long remaining = deadline - System.nanoTime();
                        if (remaining <= 0)
                        {
                            return false;
                        }
                        TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
                    }
                }
            }
        }
        finally
        {
            waiters.getAndDecrement();
        }
    }
}
