package orchestrator.scheduler;

import java.util.concurrent.CountDownLatch;

/**
 * Thread safe (stateless): latch helpers shared by the tests.
 */
public final class Latches
{
    private Latches()
    {
    }

    /**
     * Waits for the latch however often the waiting thread is interrupted, then restores the interrupt, as a hung
     * callback that must not be woken by an interrupt does.
     *
     * @param latch the latch to wait for.
     */
    public static void awaitUninterruptibly(final CountDownLatch latch)
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                latch.await();
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
}
