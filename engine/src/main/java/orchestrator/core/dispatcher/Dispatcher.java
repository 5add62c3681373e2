package orchestrator.core.dispatcher;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Thread safe: any thread may call every method, a job run by this dispatcher included. Runs the callbacks a
 * scheduler hands it: on the calling thread ({@link #Dispatcher()}, the inline dispatcher), on worker threads it owns
 * and feeds from one shared queue ({@link #withWorkers(int)}), or on an executor of the caller's ({@link #of}).
 * <p>
 * Guarantees: every job accepted before {@link #close()} runs exactly once. With workers, a job that never returns
 * holds its worker and nothing else: the other workers take every job queued behind it. A worker clears the interrupt
 * flag after each job, so a job that interrupts itself neither leaves the next job interrupted nor keeps its idle
 * worker from parking. A job that throws on a worker is reported to that thread's uncaught-exception handler and the
 * worker goes on.
 * <p>
 * Caveats:
 * <ul>
 * <li>Work is accepted without bound: the scheduler never hands over more than one run of a task at a time, so the
 * backlog is bounded by the number of tasks.</li>
 * <li>Nothing stops a hung job: {@link #close()} waits for it without limit; {@link #close(Duration)} gives up at its
 * deadline and leaves it running (daemon workers do not keep the JVM alive).</li>
 * <li>Closed from inside one of its own jobs, a dispatcher cannot wait for that job: it stops accepting and waits for
 * the other jobs only (see {@link #close(Duration)}); the rest of the queue still runs after the job returns.</li>
 * <li>The inline dispatcher runs a job before {@code execute} returns and lets what it throws propagate; it keeps no
 * record of jobs, so closing it does not wait for jobs running on other threads.</li>
 * </ul>
 */
public final class Dispatcher implements AutoCloseable
{
    /*
     * A thin front over one JobRunner (InlineRunner, WorkerPool or ExecutorHandOff), each of which documents its own
     * protocol. This class owns what they share: argument checks, the deadline arithmetic and the interrupt policy
     * of the two closes.
     */
    private final JobRunner runner;
    private final boolean inline;

    /**
     * Creates the inline dispatcher: {@link #execute(Runnable)} runs the job on the calling thread, so callbacks run
     * on the thread that calls {@code Scheduler.runPending()}.
     */
    public Dispatcher()
    {
        this(new InlineRunner());
    }

    private Dispatcher(final JobRunner runner)
    {
        this.runner = runner;
        this.inline = runner instanceof InlineRunner;
    }

    /**
     * Creates a dispatcher that runs callbacks on {@code n} daemon worker threads, named
     * {@code orchestrator-worker-<i>}, which take jobs from one shared queue in the order they were accepted.
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
        return new Dispatcher(new WorkerPool(n));
    }

    /**
     * Creates a dispatcher that hands every job to {@code executor}, for instance
     * {@code Executors.newVirtualThreadPerTaskExecutor()} on JDK 21 or later, so that a blocking callback costs a
     * virtual thread instead of a worker.
     * <p>
     * The dispatcher owns no threads ({@link #workerCount()} is 0) and leaves the threads to the executor: what the
     * executor does with an exception or an interrupt flag a job leaves behind is the executor's policy. It counts
     * the jobs it handed over until they finish, so {@link #close()} waits for them, but it never shuts the executor
     * down: that stays the caller's to do, after closing this dispatcher. Each job costs one small wrapper object.
     *
     * @param executor runs the jobs; a runtime exception its {@code execute} throws for a job that did not start is
     *                 passed on as a {@link RejectedExecutionException} (and the job never runs), an error as it is;
     *                 what it throws once the job started is passed on as it is, but never as a
     *                 {@code RejectedExecutionException} (an {@link IllegalStateException} wraps one), since the job
     *                 was not refused.
     * @return a dispatcher that hands jobs to {@code executor}.
     */
    public static Dispatcher of(final Executor executor)
    {
        return new Dispatcher(new ExecutorHandOff(Objects.requireNonNull(executor, "executor")));
    }

    /**
     * @return true when jobs run on the calling thread (only for {@link #Dispatcher()}).
     */
    public boolean isInline()
    {
        return inline;
    }

    /**
     * @return the number of worker threads this dispatcher owns; 0 for the inline dispatcher and for {@link #of}.
     */
    public int workerCount()
    {
        return runner.workerCount();
    }

    /**
     * Runs the job now on this thread (inline), queues it for a worker, or hands it to the executor.
     *
     * @param job the work to run; it should not throw.
     * @throws RejectedExecutionException when the dispatcher is closed, or its executor refused the job.
     */
    public void execute(final Runnable job)
    {
        runner.execute(Objects.requireNonNull(job, "job"));
    }

    /**
     * Stops accepting jobs, lets every job accepted so far run, and waits without limit until they have finished and
     * the workers have exited. Idempotent. An interrupt does not cut the wait short; it is re-asserted on return.
     */
    @Override
    public void close()
    {
        runner.shutdown();
        boolean interrupted = false;
        while (true)
        {
            try
            {
                runner.awaitTermination(Long.MAX_VALUE);
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops accepting jobs, lets every job accepted so far run, and waits at most {@code timeout} until they have
     * finished and the workers have exited; then returns whatever the state, even when a job hangs. May be called
     * again, with {@link #close()} or a longer timeout, to keep waiting.
     * <p>
     * When the calling thread is interrupted while it has to wait, it stops waiting and returns false with its
     * interrupt flag still set. Called from inside one of this dispatcher's jobs, it cannot wait for that job: it
     * waits only for the jobs not themselves waiting in a close, and returns false.
     *
     * @param timeout the longest to wait; zero or negative only checks.
     * @return true when every worker has exited (for {@link #of}: every job handed over has finished; inline: always).
     */
    public boolean close(final Duration timeout)
    {
        final long timeoutNanos = saturatedNanos(Objects.requireNonNull(timeout, "timeout"));
        runner.shutdown();
        try
        {
            return runner.awaitTermination(timeoutNanos);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * @return true once {@link #close()} or {@link #close(Duration)} has been called.
     */
    public boolean isClosed()
    {
        return runner.isShutdown();
    }

    private static long saturatedNanos(final Duration timeout)
    {
        if (timeout.isNegative())
        {
            return 0;
        }
        try
        {
            return timeout.toNanos();
        }
        catch (final ArithmeticException ex)
        {
            return Long.MAX_VALUE;
        }
    }
}
