package orchestrator.scheduler.vault;

import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * NOT thread safe, single use: a record pinned for one later open, taken where the record is read (under the
 * scheduler's lock) and consumed on the thread that runs the callback, after a safe hand-over such as a queue.
 * <p>
 * While a lease is outstanding, the key that sealed its record stays available even if a rotation finishes in
 * between; the key is wiped when the last lease on it ends. Every lease must end exactly once, by
 * {@link #runOpened(Consumer)} or {@link #release()}; a lease that is dropped without either keeps a retired key in
 * memory (never makes anything fail).
 */
public final class RecordLease
{
    private final CallbackVault vault;
    private final SealedRecord record;
    private final long taskId;
    private final String taskName;
    private final long version;
    /** The pinned key, or {@code null} for a plain record or a record that is already known not to open. */
    private VaultKey key;
    /** Why the record cannot open, known at lease time; {@code null} if it may open. */
    private final RecordOpenException.Reason failure;
    private boolean done;

    RecordLease(
        final CallbackVault vault, final SealedRecord record, final long taskId, final String taskName,
        final long version, final VaultKey key, final RecordOpenException.Reason failure)
    {
        this.vault = vault;
        this.record = record;
        this.taskId = taskId;
        this.taskName = taskName;
        this.version = version;
        this.key = key;
        this.failure = failure;
    }

    /**
     * Opens the record, passes the plaintext to {@code action}, then wipes the plaintext and ends the lease, whether
     * the open or the action succeeded or threw. The action must not keep the array.
     *
     * @throws RecordOpenException if the record does not open; {@code action} is then not called.
     * @throws IllegalStateException if the lease has already ended.
     */
    public void runOpened(final Consumer<byte[]> action)
    {
        runOpened(RecordLease::accept, action);
    }

    /**
     * As {@link #runOpened(Consumer)}, passing {@code context} to the action with the plaintext, so that a caller on a
     * hot path can use one action object for every lease instead of a capturing lambda per call.
     *
     * @throws RecordOpenException if the record does not open; {@code action} is then not called.
     * @throws IllegalStateException if the lease has already ended.
     */
    public <T> void runOpened(final BiConsumer<? super T, byte[]> action, final T context)
    {
        final byte[] plain;
        try
        {
            end();
            if (failure != null)
            {
                throw new RecordOpenException(taskId, taskName, version, failure);
            }
            plain = vault.openLeased(record, key, taskId, taskName, version);
        }
        finally
        {
            unpin();
        }
        try
        {
            action.accept(context, plain);
        }
        finally
        {
            Arrays.fill(plain, (byte)0);
        }
    }

    private static void accept(final Consumer<byte[]> action, final byte[] plain)
    {
        action.accept(plain);
    }

    /** Ends the lease without opening the record (the fire was cancelled or rejected); idempotent. */
    public void release()
    {
        if (!done)
        {
            done = true;
            unpin();
        }
    }

    private void end()
    {
        if (done)
        {
            throw new IllegalStateException("lease already ended");
        }
        done = true;
    }

    private void unpin()
    {
        final VaultKey k = key;
        if (k != null)
        {
            key = null;
            k.unpin();
        }
    }

    /** Task and record form only. */
    @Override
    public String toString()
    {
        return "RecordLease[task=" + taskName + ", version=" + version + ", " + record + (done ? ", ended]" : "]");
    }
}
