package orchestrator.scheduler.store;

/**
 * Immutable once thrown, so safe to pass between threads: a task store could not do what was asked, e.g. its
 * directory is owned by another open store, recovery found damage (the message names the file and the offset), or a
 * write failed and was therefore not acknowledged.
 */
public final class TaskStoreException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and where.
     */
    public TaskStoreException(final String message)
    {
        super(message);
    }

    /**
     * @param message what failed and where.
     * @param cause   the underlying failure.
     */
    public TaskStoreException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
