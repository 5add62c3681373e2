package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.vault.CallbackVault;

import java.time.Duration;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: start and close may race from any threads; the driver is started and taken under one monitor. A
 * scheduler's life: open until {@link #close(Duration)}, which refuses new work from then on, stops the driver thread
 * first, then the dispatcher's workers, records the last outcomes and releases the store; the vault's keys are wiped
 * only when every callback stopped in time.
 */
final class SchedulerLifecycle
{
    private final Scheduler scheduler;
    private final TaskRegistry registry;
    private final Dispatcher dispatcher;
    private final StoreBinding store;
    private final CallbackVault vault;
    private final Object lock = new Object();
    private volatile boolean closed;
    private volatile Driver driving; // the driver once started: it runs the pending runs, so awaitIdle waits for them
    private Driver driver; // guarded by lock

    SchedulerLifecycle(final Scheduler scheduler, final TaskRegistry registry, final Dispatcher dispatcher,
        final StoreBinding store, final CallbackVault vault)
    {
        this.scheduler = scheduler;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.store = store;
        this.vault = vault;
    }

    /**
     * @throws IllegalStateException when the scheduler is closed.
     */
    void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("scheduler is closed");
        }
    }

    boolean isClosed()
    {
        return closed;
    }

    /** @see Scheduler#start() */
    void start()
    {
        synchronized (lock)
        {
            checkOpen();
            if (driver == null)
            {
                driver = new Driver(scheduler, registry, store.clock);
                driver.start();
                driving = driver;
                store.firing(); // a cluster node claims once it fires
                CallbackRunner.log(INFO, "scheduler driver started", null);
            }
        }
    }

    /** @see Scheduler#awaitIdle(Duration) */
    boolean awaitIdle(final Duration timeout) throws InterruptedException
    {
        if (isIdle())
        {
            return true;
        }
        if (registry.cycle.pool.runsOnThisThread(registry.lock))
        {
            return false; // in a callback (its own run in flight) or told before a dispatch: waited for in vain
        }
        return registry.cycle.idleSignal().await(this::isIdle, saturatedNanos(timeout));
    }

    /**
     * @return true when no fire is in flight and, while a driver runs, no coalesced or triggered run is pending;
     *         without a driver a pending run waits for a caller of {@code runPending()}, so it is not waited for, nor
     *         on the driver's own thread (a listener), whose driver runs it only once this returns.
     */
    private boolean isIdle()
    {
        final Driver driving = this.driving;
        final boolean pendingCounts = driving != null && !closed && !driving.runsOnThisThread();
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            // one hold for both: a pending run claimed meanwhile moves from pending to in flight under the lock, so
            // it is seen as one or the other, never as neither
            return registry.cycle.isIdle() && !(pendingCounts && registry.control.pending.any());
        }
        finally
        {
            registry.lock.unlock();
        }
    }

    /** @see Scheduler#close(Duration) */
    boolean close(final Duration timeout)
    {
        return close(saturatedNanos(timeout), false);
    }

    /** @see Scheduler#close() */
    void close()
    {
        close(Long.MAX_VALUE, true);
    }

    /**
     * @param throughInterrupts true to wait on when interrupted, and re-assert the interrupt on return
     *                          ({@link Scheduler#close()}); false to stop waiting ({@link Scheduler#close(Duration)}).
     */
    private boolean close(final long timeoutNanos, final boolean throughInterrupts)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        final Driver driver;
        synchronized (lock)
        {
            closed = true;
            driver = this.driver; // kept: a later close waits again for a driver that has not ended yet
        }
        boolean interrupted = false;
        boolean stopped = true;
        // each wait below returns false with the flag set when interrupted: close() clears it and waits again
        while (driver != null && !(stopped = driver.stop(deadline)) && throughInterrupts && Thread.interrupted())
        {
            interrupted = true;
        }
        // the workers stop even when the driver did not in time (or the wait was interrupted): no callback may
        // start once close has returned
        boolean drained;
        while (!(drained = dispatcher.close(
            Duration.ofNanos(stopped ? Math.max(0, deadline - System.nanoTime()) : 0))) &&
            throughInterrupts && Thread.interrupted())
        {
            interrupted = true;
        }
        stopped = drained && stopped;
        registry.settle();
        while (stopped && !(stopped = awaitCallbacks(deadline)) && throughInterrupts && Thread.interrupted())
        {
            stopped = true;
            interrupted = true;
        }
        final MissedEvents missed = new MissedEvents();
        final TaskListener[] listeners = registry.listeners.array();
        registry.lock.lock();
        try
        {
            registry.control.pending.missAtClose(registry, missed);
        }
        finally
        {
            registry.lock.unlock();
        }
        missed.deliver(listeners); // lock released, as every missed fire is told
        registry.cycle.idleSignal().signal(); // an awaitIdle waiting for a pending run the driver will not run now
        stopped = store.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))) && stopped;
        if (stopped)
        {
            vault.close();
        }
        else
        {
            registry.cycle.runner.stop(); // no callback starts once this returns, of a queued fire or a catch-up
            CallbackRunner.log(WARNING, "close timed out or was interrupted with callbacks still running: " +
                registry.reads.runningTaskNames(10) + "; they finish on their own threads", null);
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        return stopped;
    }

    /**
     * Waits until the deadline for the callbacks the dispatcher does not know of: those run inline by other threads'
     * {@code runPending()}. A callback that closes its own scheduler does not wait for itself: from inside one of its
     * callbacks only the state as it stands is read (a callback of another scheduler waits as any thread does).
     *
     * @return whether no fire is in flight.
     */
    private boolean awaitCallbacks(final long deadline)
    {
        if (registry.cycle.pool.runsOnThisThread(registry.lock))
        {
            return registry.isIdle();
        }
        try
        {
            return registry.cycle.idleSignal().await(registry::isIdle, Math.max(0, deadline - System.nanoTime()));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long saturatedNanos(final Duration duration)
    {
        try
        {
            return Math.max(0, duration.toNanos());
        }
        catch (final ArithmeticException tooLong)
        {
            return duration.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }
}
