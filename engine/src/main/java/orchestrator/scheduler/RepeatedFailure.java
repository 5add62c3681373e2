package orchestrator.scheduler;

import java.util.concurrent.TimeUnit;

import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.WARNING;

/**
 * NOT thread safe: confined to the thread that reports. A failure that repeats on every turn of a loop (the driver's
 * clock that throws, say) is logged when it starts and then at most once every {@link #REPEAT_NANOS}, with the number
 * of failures left unlogged in between, so a lasting fault does not flood the log; its end is logged once.
 */
final class RepeatedFailure
{
    static final long REPEAT_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String message;
    private long failures;      // in the current streak
    private long unlogged;      // failures since the last line
    private long loggedAt;      // System.nanoTime() of the last line

    RepeatedFailure(final String message)
    {
        this.message = message;
    }

    void failed(final Throwable ex)
    {
        final long now = System.nanoTime();
        if (failures++ == 0 || now - loggedAt >= REPEAT_NANOS)
        {
            CallbackRunner.log(ERROR, unlogged == 0 ? message :
                message + " (failed " + unlogged + " more times since the last report)", ex);
            unlogged = 0;
            loggedAt = now;
        }
        else
        {
            unlogged++;
        }
    }

    void succeeded()
    {
        if (failures > 1)
        {
            CallbackRunner.log(WARNING, "recovered after " + failures + " failures in a row: " + message, null);
        }
        failures = 0;
        unlogged = 0;
    }
}
