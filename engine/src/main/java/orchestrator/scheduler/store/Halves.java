package orchestrator.scheduler.store;

import java.nio.file.Path;

/**
 * Thread safe (stateless): runs work over a range of indexes in two halves, the second on a thread of its own, as
 * recovery does to read and decode the tasks of a large snapshot.
 */
final class Halves
{
    /** Below this many indexes the work runs on the calling thread alone. */
    static final int PARALLEL_TASKS = 1 << 14;

    private Halves()
    {
    }

    /** Work over a range of indexes. */
    interface Range
    {
        void run(int from, int to);
    }

    /**
     * Runs {@code work} over {@code [0, count)} in two halves, the second on a thread of its own unless few. A failure
     * of the first half is thrown in preference to one of the second, which is thrown once the first half is done.
     *
     * @param file the file the work reads, named when the wait is interrupted.
     */
    static void run(final Path file, final int count, final Range work)
    {
        final int half = count < PARALLEL_TASKS ? count : count / 2;
        final Throwable[] failed = new Throwable[1];
        final Thread second = new Thread(() ->
        {
            try
            {
                work.run(half, count);
            }
            catch (final RuntimeException | Error ex) // an error too: left to the thread, it would be lost
            {
                failed[0] = ex;
            }
        }, "orchestrator-journal-recovery");
        if (half < count)
        {
            second.start();
        }
        try
        {
            work.run(0, half); // damage here is reported first: it is at a lower offset
        }
        finally
        {
            await(file, second);
        }
        if (failed[0] instanceof RuntimeException)
        {
            throw (RuntimeException)failed[0];
        }
        if (failed[0] != null)
        {
            throw (Error)failed[0];
        }
    }

    private static void await(final Path file, final Thread second)
    {
        try
        {
            second.join(); // at once when it was never started
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TaskStoreException("interrupted while reading the snapshot " + file, ex);
        }
    }
}
