package orchestrator.core.dispatcher;

import org.jctools.queues.MpmcUnboundedXaddArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Thread safe: any thread may call every method, a job on one of the workers included. A fixed set of daemon worker
 * threads that share one JCTools MPMC queue, so a job that never returns holds one worker, never the jobs behind it.
 */
final class WorkerPool implements JobRunner
{
    /*
     * Work sharing: every worker takes from the one queue, so while any worker is free, no accepted job waits for
     * a busy one.
     *
     * Waking without lost wake-ups (a Dekker pair, both sides volatile, so sequentially consistent): an idle worker
     * writes parked = true, then re-reads the queue and parks only if it is still empty; a producer offers (the
     * producer index XADD inside offer) and then reads the workers' parked flags. Either the worker's re-read sees
     * the job or the producer sees the flag. A producer claims a parked worker by CAS of its flag from true to false
     * before unparking it, so two producers never spend their wake-ups on the same worker. A worker that takes a job
     * and sees more behind it wakes one parked worker before running it, so a wake-up spent on a worker that was
     * already awake (it saw the job itself), or on one that then enters a job that never returns, still reaches an
     * idle worker. A worker clears the interrupt flag after each job and after each park, so a job (or anyone) that
     * interrupts it cannot make park return at once forever.
     *
     * Shutting down: producers announce themselves in `producers` before reading `closed` and leave after their
     * offer. A worker exits when it reads closed, then producers == 0, then an empty queue, in that order: a producer
     * that announced itself later reads closed == true and offers nothing, and one that left earlier has its job in
     * the queue. A worker that finds a producer still announced parks; the producer, leaving after closed was set,
     * unparks every worker, as shutdown() does.
     */
    private static final int CHUNK_SIZE = 1024;
    private static final int POOLED_CHUNKS = 2;
    private static final VarHandle PARKED;

    static
    {
        try
        {
            PARKED = MethodHandles.lookup().findVarHandle(Worker.class, "parked", boolean.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final MpmcUnboundedXaddArrayQueue<Runnable> queue =
        new MpmcUnboundedXaddArrayQueue<>(CHUNK_SIZE, POOLED_CHUNKS);
    private final Worker[] workers;
    private final AtomicInteger producers = new AtomicInteger();
    private final AtomicInteger liveWorkers;
    private final CloseWaiter closeWaiter = new CloseWaiter();
    private volatile boolean closed;

    WorkerPool(final int workerCount)
    {
        workers = new Worker[workerCount];
        liveWorkers = new AtomicInteger(workerCount);
        for (int i = 0; i < workerCount; i++)
        {
            workers[i] = new Worker("orchestrator-worker-" + i);
        }
        for (final Worker worker : workers)
        {
            worker.thread.start();
        }
    }

    @Override
    public void execute(final Runnable job)
    {
        producers.getAndIncrement(); // announced BEFORE closed is read: see the shutdown protocol above
        try
        {
            if (closed)
            {
                throw new RejectedExecutionException("dispatcher is closed");
            }
            queue.offer(job); // its producer index XADD is ordered BEFORE the parked flags are read
            wakeOneParkedWorker();
        }
        finally
        {
            producers.getAndDecrement();
            if (closed)
            {
                wakeEveryWorker(); // a draining worker may have parked while this producer was announced
            }
        }
    }

    @Override
    public void shutdown()
    {
        closed = true;
        wakeEveryWorker();
    }

    @Override
    public boolean isShutdown()
    {
        return closed;
    }

    @Override
    public boolean awaitTermination(final long timeoutNanos) throws InterruptedException
    {
        return closeWaiter.await(liveWorkers::get, isWorkerThread(Thread.currentThread()) ? 1 : 0, timeoutNanos);
    }

    @Override
    public int workerCount()
    {
        return workers.length;
    }

    private boolean isWorkerThread(final Thread thread)
    {
        for (final Worker worker : workers)
        {
            if (worker.thread == thread)
            {
                return true;
            }
        }
        return false;
    }

    private boolean isDrained()
    {
        return closed && producers.get() == 0 && queue.isEmpty(); // this order: see the shutdown protocol
    }

    private void wakeOneParkedWorker()
    {
        for (final Worker worker : workers)
        {
            if (worker.parked && PARKED.compareAndSet(worker, true, false))
            {
                LockSupport.unpark(worker.thread);
                return;
            }
        }
    }

    private void wakeEveryWorker()
    {
        for (final Worker worker : workers)
        {
            LockSupport.unpark(worker.thread);
        }
    }

    private final class Worker implements Runnable
    {
        private final Thread thread;
        private volatile boolean parked; // set by the worker, cleared by it or by the producer that claims it

        Worker(final String name)
        {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run()
        {
            final MpmcUnboundedXaddArrayQueue<Runnable> queue = WorkerPool.this.queue;
            try
            {
                while (true)
                {
                    final Runnable job = queue.poll();
                    if (job != null)
                    {
                        if (!queue.isEmpty())
                        {
                            wakeOneParkedWorker(); // the jobs behind this one must not wait for it to return
                        }
                        runJob(job);
                        continue;
                    }
                    if (isDrained())
                    {
                        return;
                    }
                    parked = true; // volatile write, ordered BEFORE the re-read of the queue below
                    if (queue.isEmpty() && !isDrained())
                    {
                        LockSupport.park(this);
                    }
                    parked = false;
                    Thread.interrupted(); // an interrupt from outside would turn every later park into a spin
                }
            }
            finally
            {
                liveWorkers.getAndDecrement();
                closeWaiter.signal();
            }
        }

        private void runJob(final Runnable job)
        {
            try
            {
                job.run();
            }
            catch (final Throwable ex)
            {
                reportUncaught(ex);
            }
            Thread.interrupted(); // the next job must not start interrupted, nor the next park return at once
        }

        private void reportUncaught(final Throwable ex)
        {
            try
            {
                thread.getUncaughtExceptionHandler().uncaughtException(thread, ex);
            }
            catch (final Throwable ignored)
            {
                // as the JVM does for a dying thread: a handler that throws must not take the worker down with it
            }
        }
    }
}
