package orchestrator.core.dispatcher;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread safe: any thread may call every method, a job on the executor included. Hands each job to a caller's
 * {@link Executor}, wrapped so that it counts the jobs in flight and close can wait for them; it never shuts the
 * executor down.
 */
final class ExecutorHandOff implements JobRunner
{
    /*
     * inFlight counts jobs from acceptance to the end of their run. A producer counts its job BEFORE reading closed,
     * and a finished job reads closed AFTER uncounting itself, so a closer that sets closed and then reads the count
     * either sees every job it must wait for, or is signalled by the job that brought the count down.
     *
     * Each job is one HandedOverJob that either runs or is withdrawn, never both (a CAS on its state), so a job
     * refused by the executor is uncounted exactly once even when the executor ran it on the caller and it threw.
     * While it runs, it is the current thread's entry in RUNNING, linked to any job it nests inside (an executor that
     * runs jobs on the submitting thread), which is how close() knows how many of the jobs it would wait for are the
     * caller's own.
     */
    private static final ThreadLocal<HandedOverJob> RUNNING = new ThreadLocal<>();

    private final Executor executor;
    private final AtomicLong inFlight = new AtomicLong();
    private final CloseWaiter closeWaiter = new CloseWaiter();
    private volatile boolean closed;

    ExecutorHandOff(final Executor executor)
    {
        this.executor = executor;
    }

    @Override
    public void execute(final Runnable job)
    {
        inFlight.getAndIncrement(); // counted BEFORE closed is read
        if (closed)
        {
            finished();
            throw new RejectedExecutionException("dispatcher is closed");
        }
        final HandedOverJob handedOver = new HandedOverJob(this, job);
        try
        {
            executor.execute(handedOver);
        }
        catch (final RuntimeException | Error ex)
        {
            if (!handedOver.withdraw())
            {
                if (ex instanceof RejectedExecutionException) // not a refusal: the job is the executor's now
                {
                    throw new IllegalStateException("the executor threw after it started the job: " + ex, ex);
                }
                throw ex; // the job started (an executor that runs it on this thread passes on what it threw)
            }
            finished();
            if (ex instanceof RuntimeException && !(ex instanceof RejectedExecutionException))
            {
                throw new RejectedExecutionException("the executor refused the job", ex);
            }
            throw ex;
        }
    }

    @Override
    public void shutdown()
    {
        closed = true;
    }

    @Override
    public boolean isShutdown()
    {
        return closed;
    }

    @Override
    public boolean awaitTermination(final long timeoutNanos) throws InterruptedException
    {
        return closeWaiter.await(inFlight::get, jobsOnCurrentThread(), timeoutNanos);
    }

    @Override
    public int workerCount()
    {
        return 0;
    }

    private int jobsOnCurrentThread()
    {
        int jobs = 0;
        for (HandedOverJob running = RUNNING.get(); running != null; running = running.outer)
        {
            if (running.owner == this)
            {
                jobs++;
            }
        }
        return jobs;
    }

    private void finished()
    {
        inFlight.getAndDecrement();
        if (closed) // read AFTER the count went down
        {
            closeWaiter.signal();
        }
    }

    /**
     * NOT thread safe beyond its state CAS: one accepted job, run at most once by whichever thread the executor
     * picks, or withdrawn by the producer when the executor refused it.
     */
    private static final class HandedOverJob implements Runnable
    {
        private static final int NEW = 0;
        private static final int STARTED = 1;
        private static final int WITHDRAWN = 2;
        private static final VarHandle STATE;

        static
        {
            try
            {
                STATE = MethodHandles.lookup().findVarHandle(HandedOverJob.class, "state", int.class);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new ExceptionInInitializerError(ex);
            }
        }

        private final ExecutorHandOff owner;
        private final Runnable job;
        private HandedOverJob outer; // written and read only by the thread that runs this job
        private volatile int state;

        HandedOverJob(final ExecutorHandOff owner, final Runnable job)
        {
            this.owner = owner;
            this.job = job;
        }

        boolean withdraw()
        {
            return STATE.compareAndSet(this, NEW, WITHDRAWN);
        }

        @Override
        public void run()
        {
            if (!STATE.compareAndSet(this, NEW, STARTED))
            {
                return; // withdrawn: its producer was told it was refused, or it was already run
            }
            outer = RUNNING.get();
            RUNNING.set(this);
            try
            {
                job.run(); // an exception goes on to the executor, which reports it as it reports its own jobs'
            }
            finally
            {
                RUNNING.set(outer);
                owner.finished();
            }
        }
    }
}
