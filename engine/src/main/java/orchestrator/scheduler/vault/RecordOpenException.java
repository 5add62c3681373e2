package orchestrator.scheduler.vault;

/**
 * Immutable and thread safe: thrown when a callback record cannot be opened, because it was altered, belongs to another
 * task or version, was sealed under a key this vault does not hold, or is plain while the vault is in production mode.
 * <p>
 * The message names the task and the reason only; it never contains key material, nonces, ciphertext or plaintext.
 */
public final class RecordOpenException extends RuntimeException
{
    /** Immutable and thread safe: why a record failed to open. */
    public enum Reason
    {
        /** The tag did not verify: the record was altered, moved to another task, or replayed from another version. */
        AUTHENTICATION_FAILED("authentication failed"),
        /** The record names a key id the vault does not hold (never held, or retired after a rotation). */
        UNKNOWN_KEY_ID("unknown key id"),
        /** A plain (test-mode) record was offered to a vault in production mode. */
        PLAIN_RECORD_REJECTED("plain record rejected in production mode"),
        /** A plain record's task id or version does not match (plain records are not tamper-evident). */
        PLAIN_RECORD_MISMATCH("plain record belongs to another task or version"),
        /** The record is too short or has an unknown format or cipher byte. */
        MALFORMED("malformed record");

        private final String text;

        Reason(final String text)
        {
            this.text = text;
        }

        /** A short human-readable description, such as {@code "authentication failed"}. */
        public String text()
        {
            return text;
        }
    }

    private final long taskId;
    private final String taskName;
    private final long version;
    private final Reason reason;

    RecordOpenException(final long taskId, final String taskName, final long version, final Reason reason)
    {
        super("cannot open callback record of task '" + taskName + "' (id " + taskId + ", version " + version + "): " +
            reason.text());
        this.taskId = taskId;
        this.taskName = taskName;
        this.version = version;
        this.reason = reason;
    }

    /** The id of the task whose record failed to open. */
    public long taskId()
    {
        return taskId;
    }

    /** The name of the task whose record failed to open. */
    public String taskName()
    {
        return taskName;
    }

    /** The record version the caller expected. */
    public long version()
    {
        return version;
    }

    /** Why the record failed to open. */
    public Reason reason()
    {
        return reason;
    }
}
