package orchestrator.core.dispatcher;

/**
 * Thread safe: every implementation lets any thread call every method. The three ways a {@link Dispatcher} runs
 * jobs: on the caller, on workers it owns, or on an executor it was given.
 */
sealed interface JobRunner permits InlineRunner, WorkerPool, ExecutorHandOff
{
    /**
     * @param job the work to run.
     * @throws java.util.concurrent.RejectedExecutionException after {@link #shutdown()}, or when an executor
     *                                                         refused the job.
     */
    void execute(Runnable job);

    /**
     * Stops accepting jobs; what was accepted still runs. Idempotent, never blocks.
     */
    void shutdown();

    /**
     * @return true once {@link #shutdown()} has been called.
     */
    boolean isShutdown();

    /**
     * Waits, after {@link #shutdown()}, for the accepted jobs to finish. Called from inside one of this runner's
     * jobs, it cannot wait for that job: it waits for the others (a job that is itself waiting here counts as done)
     * and returns false.
     *
     * @param timeoutNanos the longest to wait, at least 0.
     * @return true when every accepted job has finished and every owned thread has left its run loop.
     * @throws InterruptedException when interrupted while waiting.
     */
    boolean awaitTermination(long timeoutNanos) throws InterruptedException;

    /**
     * @return the number of threads this runner owns.
     */
    int workerCount();
}
