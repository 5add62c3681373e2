package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;

import java.util.Objects;

import static orchestrator.scheduler.vault.SealedRecord.FORMAT_PLAIN;
import static orchestrator.scheduler.vault.SealedRecord.FORMAT_SEALED;
import static orchestrator.scheduler.vault.SealedRecord.PLAIN_HEADER_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_OVERHEAD;

/**
 * Thread safe, with no lock of its own: the pin tokens of one {@link CallbackVault}. Takes a pin for a record,
 * opens a record under its token and releases the token, against the vault's current {@link KeyRing}.
 */
final class RecordPins
{
    /*
     * Pin tokens are primitives: the id of the pinned key (positive), PLAIN_PIN for a plain record accepted when it was
     * pinned (test mode, or converting from it), or NO_PIN when nothing was pinned. A plain record pinned in test mode
     * therefore still opens if production mode is completed before the fire runs, as a sealed record pinned before a
     * rotation still opens after it.
     */

    /** Token: nothing pinned. */
    static final long NO_PIN = 0;
    /** Token: a plain record, accepted when it was pinned; nothing else is held. */
    static final long PLAIN_PIN = -1;

    private final KeyRotation keys;

    RecordPins(final KeyRotation keys)
    {
        this.keys = keys;
    }

    /** See {@link CallbackVault#pin}. */
    long pin(final SealedRecord record)
    {
        final byte[] bytes = record.bytes;
        if (bytes.length >= PLAIN_HEADER_LENGTH && bytes[0] == FORMAT_PLAIN)
        {
            return keys.ring().acceptPlain ? PLAIN_PIN : NO_PIN;
        }
        if (bytes.length < SEALED_OVERHEAD || bytes[0] != FORMAT_SEALED)
        {
            return NO_PIN;
        }
        final int keyId = SealedRecord.readInt(bytes, 2);
        KeyRing seen = null;
        while (true)
        {
            final KeyRing current = keys.ring();
            if (current == seen)
            {
                return NO_PIN;
            }
            seen = current;
            final VaultKey key = current.lookup(keyId);
            if (key == null)
            {
                return NO_PIN;
            }
            if (key.pin())
            {
                return keyId;
            }
            // retired between the ring read and the pin: look again in the newest ring
        }
    }

    /** See {@link CallbackVault#unpin}. */
    void unpin(final long token)
    {
        if (token != NO_PIN && token != PLAIN_PIN)
        {
            pinnedKey(token).unpin();
        }
    }

    /** See {@link CallbackVault#open}: pins the record now and opens it under that pin. */
    byte[] open(final SealedRecord record, final long recordId, final String taskName, final long version)
    {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(taskName, "taskName");
        return openPinned(record, pinNow(record, recordId, taskName, version), recordId, taskName, version);
    }

    /** Opens a record under a token and releases the token, whatever happens. */
    byte[] openPinned(
        final SealedRecord record, final long token, final long recordId, final String taskName, final long version)
    {
        if (token == NO_PIN)
        {
            return open(record, recordId, taskName, version);
        }
        if (token == PLAIN_PIN)
        {
            if (!record.isPlain() || record.bytes.length < PLAIN_HEADER_LENGTH)
            {
                throw new IllegalArgumentException("pin token was taken for a plain record, not " + record);
            }
            return SealedRecord.openPlain(record.bytes, recordId, taskName, version);
        }
        final VaultKey key = pinnedKey(token);
        try
        {
            if (record.keyId() != key.id)
            {
                throw new IllegalArgumentException("pin token of key " + key.id + " was not taken for " + record);
            }
            final byte[] bytes = record.bytes;
            if (bytes[1] != key.aead.id())
            {
                throw new RecordOpenException(recordId, taskName, version, Reason.MALFORMED);
            }
            final byte[] plain = key.open(bytes, recordId, Objects.requireNonNull(taskName, "taskName"), version);
            if (plain == null)
            {
                throw new RecordOpenException(recordId, taskName, version, Reason.AUTHENTICATION_FAILED);
            }
            return plain;
        }
        finally
        {
            key.unpin();
        }
    }

    private VaultKey pinnedKey(final long token)
    {
        final VaultKey key = token > 0 && token <= Integer.MAX_VALUE ? keys.ring().pinnable((int)token) : null;
        if (key == null)
        {
            throw new IllegalArgumentException("not a pin token of this vault: " + token);
        }
        return key;
    }

    /** A token for a record that must open now: pinned, or the reason it cannot be thrown. */
    private long pinNow(final SealedRecord record, final long recordId, final String taskName, final long version)
    {
        while (true)
        {
            final KeyRing before = keys.ring();
            final long token = pin(record);
            if (token != NO_PIN)
            {
                return token;
            }
            if (keys.ring() == before)
            {
                throw new RecordOpenException(recordId, taskName, version, refusal(record.bytes, before));
            }
        }
    }

    /** Why a record that could not be pinned under {@code ring} does not open. */
    private static Reason refusal(final byte[] bytes, final KeyRing ring)
    {
        if (bytes.length > 0 && bytes[0] == FORMAT_PLAIN)
        {
            return !ring.acceptPlain ? Reason.PLAIN_RECORD_REJECTED : Reason.MALFORMED;
        }
        if (bytes.length < SEALED_OVERHEAD || bytes[0] != FORMAT_SEALED)
        {
            return Reason.MALFORMED;
        }
        return Reason.UNKNOWN_KEY_ID;
    }
}
