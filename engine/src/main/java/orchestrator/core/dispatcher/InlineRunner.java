package orchestrator.core.dispatcher;

import java.util.concurrent.RejectedExecutionException;

/**
 * Thread safe: any thread may call every method. Runs each job on the thread that hands it over, and keeps no
 * record of jobs, so {@link #awaitTermination(long)} has nothing to wait for.
 */
final class InlineRunner implements JobRunner
{
    private volatile boolean closed;

    @Override
    public void execute(final Runnable job)
    {
        if (closed)
        {
            throw new RejectedExecutionException("dispatcher is closed");
        }
        job.run();
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
    public boolean awaitTermination(final long timeoutNanos)
    {
        return true;
    }

    @Override
    public int workerCount()
    {
        return 0;
    }
}
