package orchestrator.core.dispatcher;

import org.jctools.queues.MpscUnboundedArrayQueue;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

/**
 * Thread safe: any thread may call {@link #execute(Runnable)} and {@link #close()}. Runs the callbacks a scheduler
 * hands it, either on the calling thread ({@link #Dispatcher()}, the inline dispatcher) or on a fixed set of worker
 * threads fed through JCTools queues ({@link #withWorkers(int)}).
 * <p>
 * Caveats: a worker dispatcher accepts work without bound (the scheduler never hands it more than one run of a task
 * at a time, so the backlog is bounded by the number of tasks); jobs must not throw, and a job that does is reported
 * to the thread's uncaught-exception handler while the worker goes on. {@link #close()} runs every job accepted
 * before it, then stops the workers.
 */
public class Dispatcher implements AutoCloseable
{
    /*
     * Each worker owns one MPSC queue; producers spread jobs round-robin. A worker that finds its queue empty
     * publishes parked = true, checks the queue once more and parks; a producer offers first and then reads
     * parked. Both are volatile, so either the worker sees the job or the producer sees the flag and unparks:
     * no job is stranded. Producers announce themselves in activeProducers before reading closed, and close()
     * waits for that count to drop to zero after setting closed, so every job that passed the closed check is in a
     * queue before the workers are told to finish, and a worker exits only when closed and its queue is empty.
     */
    private static final int CHUNK_SIZE = 1024;

    private final Worker[] workers;
    private final AtomicInteger activeProducers = new AtomicInteger();
    private volatile boolean closed;
    private int nextWorker; // racy round-robin cursor: a lost update only skews balance

    /**
     * Creates the inline dispatcher: {@link #execute(Runnable)} runs the job on the calling thread, so callbacks run
     * on the thread that calls {@code Scheduler.runPending()}.
     */
    public Dispatcher()
    {
        this.workers = new Worker[0];
    }

    private Dispatcher(final int workerCount)
    {
        workers = new Worker[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            workers[i] = new Worker("orchestrator-worker-" + i);
        }
        for (final Worker worker : workers)
        {
            worker.thread.start();
        }
    }

    /**
     * Creates a dispatcher that runs callbacks on {@code n} daemon worker threads.
     *
     * @param n the number of worker threads, at least 1.
     * @return a started dispatcher; close it to stop the workers.
     * @throws IllegalArgumentException when {@code n < 1}.
     */
    public static Dispatcher withWorkers(final int n)
    {
        if (n < 1)
        {
            throw new IllegalArgumentException("worker count must be at least 1, was " + n);
        }
        return new Dispatcher(n);
    }

    /**
     * @return true when jobs run on the calling thread.
     */
    public boolean isInline()
    {
        return workers.length == 0;
    }

    /**
     * @return the number of worker threads; 0 for the inline dispatcher.
     */
    public int workerCount()
    {
        return workers.length;
    }

    /**
     * Runs the job now on this thread (inline) or queues it for a worker.
     *
     * @param job the work to run; it should not throw.
     * @throws RejectedExecutionException when the dispatcher is closed.
     */
    public void execute(final Runnable job)
    {
        Objects.requireNonNull(job, "job");
        final Worker[] workers = this.workers;
        if (workers.length == 0)
        {
            if (closed)
            {
                throw new RejectedExecutionException("dispatcher is closed");
            }
            job.run();
            return;
        }
        activeProducers.getAndIncrement();
        try
        {
            if (closed)
            {
                throw new RejectedExecutionException("dispatcher is closed");
            }
            final int index = nextWorker;
            nextWorker = index + 1 == workers.length ? 0 : index + 1;
            workers[index].offer(job);
        }
        finally
        {
            activeProducers.getAndDecrement();
        }
    }

    /**
     * Stops accepting jobs, lets the workers run every job accepted so far, and waits for them to exit. Idempotent.
     */
    @Override
    public void close()
    {
        closed = true;
        while (activeProducers.get() != 0)
        {
            Thread.onSpinWait(); // a producer that saw closed == false is between its check and its offer
        }
        for (final Worker worker : workers)
        {
            LockSupport.unpark(worker.thread);
        }
        boolean interrupted = false;
        for (final Worker worker : workers)
        {
            if (worker.thread == Thread.currentThread())
            {
                continue; // closed from a callback: that worker exits when the callback returns
            }
            while (worker.thread.isAlive())
            {
                try
                {
                    worker.thread.join();
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                }
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** TEMPORARY shim. */
    public boolean close(final java.time.Duration timeout)
    {
        close();
        return true;
    }

    /**
     * @return true once {@link #close()} has been called.
     */
    public boolean isClosed()
    {
        return closed;
    }

    private final class Worker implements Runnable
    {
        private final MpscUnboundedArrayQueue<Runnable> queue = new MpscUnboundedArrayQueue<>(CHUNK_SIZE);
        private final Thread thread;
        private volatile boolean parked;

        Worker(final String name)
        {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        void offer(final Runnable job)
        {
            queue.offer(job);
            // the job is visible BEFORE parked is read: a parking worker re-checks the queue after setting parked
            if (parked)
            {
                LockSupport.unpark(thread);
            }
        }

        @Override
        public void run()
        {
            final MpscUnboundedArrayQueue<Runnable> queue = this.queue;
            while (true)
            {
                final Runnable job = queue.relaxedPoll();
                if (job != null)
                {
                    runJob(job);
                    continue;
                }
                if (closed && queue.isEmpty())
                {
                    return;
                }
                parked = true;
                if (queue.isEmpty() && !closed)
                {
                    LockSupport.park(this);
                }
                parked = false;
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
                final Thread.UncaughtExceptionHandler handler = thread.getUncaughtExceptionHandler();
                if (handler != null)
                {
                    handler.uncaughtException(thread, ex);
                }
            }
        }
    }
}
