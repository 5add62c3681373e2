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
                store.firing(); // a cluster node claims once it fires
                CallbackRunner.log(INFO, "scheduler driver started", null);
            }
        }
    }

    /** @see Scheduler#awaitIdle(Duration) */
    boolean awaitIdle(final Duration timeout) throws InterruptedException
    {
        return registry.cycle.idleSignal().await(registry::isIdle, saturatedNanos(timeout));
    }

    /** @see Scheduler#close(Duration) */
    boolean close(final Duration timeout)
    {
        final long deadline = System.nanoTime() + saturatedNanos(timeout);
        final Driver driver;
        synchronized (lock)
        {
            closed = true;
            driver = this.driver;
            this.driver = null;
        }
        boolean stopped = driver == null || driver.stop(deadline);
        stopped = stopped && dispatcher.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        registry.settle();
        stopped = stopped && registry.isIdle();
        store.close();
        if (stopped)
        {
            vault.close();
        }
        else
        {
            CallbackRunner.log(WARNING, "close timed out or was interrupted with callbacks still running: " +
                registry.reads.runningTaskNames(10) + "; they finish on their own threads", null);
        }
        return stopped;
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
