package orchestrator.scheduler;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: listeners are added and removed copy-on-write, and {@link #array()} is one volatile read, so the
 * engine checks {@code array().length == 0} and pays nothing more when none is added. Calls every listener of an
 * event, catching and logging whatever one throws, so a listener can neither fail a run nor stop the others.
 */
final class Listeners
{
    static final TaskListener[] NONE = new TaskListener[0];

    private final Object writeLock = new Object();
    private volatile TaskListener[] listeners = NONE; // replaced whole under writeLock, read without it

    void add(final TaskListener listener)
    {
        Objects.requireNonNull(listener, "listener");
        synchronized (writeLock)
        {
            final TaskListener[] grown = Arrays.copyOf(listeners, listeners.length + 1);
            grown[grown.length - 1] = listener;
            listeners = grown; // volatile write: publishes the array with its contents
        }
    }

    boolean remove(final TaskListener listener)
    {
        synchronized (writeLock)
        {
            final TaskListener[] current = listeners;
            for (int i = 0; i < current.length; i++)
            {
                if (current[i] == listener)
                {
                    final TaskListener[] shrunk = new TaskListener[current.length - 1];
                    System.arraycopy(current, 0, shrunk, 0, i);
                    System.arraycopy(current, i + 1, shrunk, i, current.length - i - 1);
                    listeners = shrunk.length == 0 ? NONE : shrunk;
                    return true;
                }
            }
            return false;
        }
    }

    TaskListener[] array()
    {
        return listeners;
    }

    static void onStart(final TaskListener[] listeners, final FireContext context)
    {
        for (final TaskListener listener : listeners)
        {
            try
            {
                listener.onStart(context);
            }
            catch (final Throwable ex)
            {
                threw("onStart", context.taskName(), ex);
            }
        }
    }

    static void onSuccess(final TaskListener[] listeners, final FireContext context)
    {
        for (final TaskListener listener : listeners)
        {
            try
            {
                listener.onSuccess(context);
            }
            catch (final Throwable ex)
            {
                threw("onSuccess", context.taskName(), ex);
            }
        }
    }

    static void onFailure(final TaskListener[] listeners, final FireContext context, final Throwable failure)
    {
        for (final TaskListener listener : listeners)
        {
            try
            {
                listener.onFailure(context, failure);
            }
            catch (final Throwable ex)
            {
                threw("onFailure", context.taskName(), ex);
            }
        }
    }

    static void onTimeout(final TaskListener[] listeners, final FireContext context)
    {
        for (final TaskListener listener : listeners)
        {
            try
            {
                listener.onTimeout(context);
            }
            catch (final Throwable ex)
            {
                threw("onTimeout", context.taskName(), ex);
            }
        }
    }

    static void onMissed(final TaskListener[] listeners, final String taskName, final long scheduledAt,
        final long fires)
    {
        final Instant at = Instant.ofEpochMilli(scheduledAt);
        for (final TaskListener listener : listeners)
        {
            try
            {
                listener.onMissed(taskName, at, fires);
            }
            catch (final Throwable ex)
            {
                threw("onMissed", taskName, ex);
            }
        }
    }

    private static void threw(final String method, final String taskName, final Throwable ex)
    {
        CallbackRunner.log(WARNING, "a TaskListener threw from " + method + " for task '" + taskName +
            "'; ignored, the engine goes on", ex);
    }
}
