package orchestrator.scheduler;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Thread safe: {@link #stop()} may be called from any thread. The thread behind {@link Scheduler#start()}: it waits
 * for the next deadline and calls {@code runPending()}.
 * <p>
 * Caveats: it sleeps at most {@link #MAX_PARK_MS} at a time, so a wall clock stepped forward is noticed within that
 * bound; a new task due before the planned wake-up, or a {@link ManualClock} that moves, wakes it at once. A clock
 * that throws is read again {@link #CLOCK_RETRY_MS} later: the driver never ends on it. A failure that lasts is logged
 * when it starts, then once a minute with the count of failures since, and its end once ({@link RepeatedFailure}).
 */
final class Driver implements Runnable
{
    static final long MAX_PARK_MS = 100;
    /** The wait before the driver reads a clock that failed again. */
    static final long CLOCK_RETRY_MS = 10;
    private final Scheduler scheduler;
    private final TaskRegistry registry;
    private final Clock clock;
    private final Thread thread;
    private final Runnable wakeUp;
    private final RepeatedFailure runFailures =
        new RepeatedFailure("runPending failed on the driver thread; the driver goes on");
    private final RepeatedFailure clockFailures =
        new RepeatedFailure("the driver could not read the clock; it tries again in " + CLOCK_RETRY_MS + " ms");
    private volatile boolean stopping;

    Driver(final Scheduler scheduler, final TaskRegistry registry, final Clock clock)
    {
        this.scheduler = scheduler;
        this.registry = registry;
        this.clock = clock;
        this.thread = new Thread(this, "orchestrator-driver");
        this.thread.setDaemon(true);
        this.wakeUp = () -> LockSupport.unpark(thread);
    }

    void start()
    {
        registry.onEarlierDeadline(wakeUp);
        if (clock instanceof ManualClock)
        {
            ((ManualClock)clock).addListener(wakeUp);
        }
        thread.start();
    }

    /**
     * @return whether the calling thread is the driver's (in a listener or an inline callback it calls).
     */
    boolean runsOnThisThread()
    {
        return thread == Thread.currentThread();
    }

    @Override
    public void run()
    {
        while (!stopping)
        {
            try
            {
                scheduler.runPending();
                runFailures.succeeded();
            }
            catch (final IllegalStateException ex)
            {
                if (stopping || scheduler.isClosed())
                {
                    break; // closed between our check and the call
                }
                runFailures.failed(ex);
            }
            catch (final Throwable ex)
            {
                runFailures.failed(ex);
            }
            Thread.interrupted(); // only stop() ends the driver; a stray interrupt must not make every park return
            // from here on a registration due before our wake-up unparks us; the permit is kept if we have not
            // parked yet, so the wake-up is not lost
            registry.plannedWake(Long.MAX_VALUE);
            long waitNanos;
            try
            {
                final long next = registry.nextDeadlineHint();
                registry.plannedWake(next);
                waitNanos = nanosUntil(next, clock.instant());
                clockFailures.succeeded();
            }
            catch (final Throwable ex) // the clock failed: the driver tries again after a short wait, not at once
            {
                clockFailures.failed(ex);
                waitNanos = TimeUnit.MILLISECONDS.toNanos(CLOCK_RETRY_MS);
            }
            if (waitNanos > 0 && !stopping)
            {
                LockSupport.parkNanos(this, waitNanos);
            }
            registry.plannedWake(Long.MIN_VALUE);
        }
    }

    /**
     * @param deadline epoch ms; {@link TimerWheel#NEVER} when nothing is scheduled.
     * @return nanoseconds from now until the deadline, at the clock's sub-millisecond precision, at most
     *         {@link #MAX_PARK_MS}, and not positive when it has come; waiting on whole milliseconds alone would add
     *         up to 1 ms of lateness.
     */
    private static long nanosUntil(final long deadline, final java.time.Instant now)
    {
        final long nowMs = now.toEpochMilli();
        if (deadline <= nowMs)
        {
            return 0;
        }
        final long millis = deadline - nowMs; // exact read unsigned: before the epoch, NEVER - now overflows a long
        if (Long.compareUnsigned(millis, MAX_PARK_MS) > 0)
        {
            return TimeUnit.MILLISECONDS.toNanos(MAX_PARK_MS);
        }
        return TimeUnit.MILLISECONDS.toNanos(millis) - now.getNano() % 1_000_000;
    }

    /**
     * Stops the driver and waits for its thread until {@code deadlineNanos} ({@link System#nanoTime()} time).
     *
     * @return true when the thread has ended; false when the deadline passed (a callback running inline on it may
     *         be hung) or the caller was interrupted, whose flag is then kept set.
     */
    boolean stop(final long deadlineNanos)
    {
        stopping = true;
        LockSupport.unpark(thread);
        if (clock instanceof ManualClock)
        {
            ((ManualClock)clock).removeListener(wakeUp);
        }
        if (runsOnThisThread())
        {
            return true; // closed from a callback on the driver: it ends when the callback returns
        }
        try
        {
            final long remaining = deadlineNanos - System.nanoTime();
            if (remaining > 0)
            {
                TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
        return !thread.isAlive();
    }
}
