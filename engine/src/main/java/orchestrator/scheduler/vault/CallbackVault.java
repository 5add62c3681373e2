package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

import static orchestrator.scheduler.vault.SealedRecord.FORMAT_PLAIN;
import static orchestrator.scheduler.vault.SealedRecord.FORMAT_SEALED;
import static orchestrator.scheduler.vault.SealedRecord.PLAIN_HEADER_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_OVERHEAD;

/**
 * Thread safe: any thread may seal, open, lease and reseal records concurrently, also while a rotation runs; the
 * rotation methods ({@link #beginRotation}, {@link #beginPlainMode}, {@link #finishRotation}, {@link #close}) are
 * serialised internally.
 * <p>
 * Seals callback payloads into {@link SealedRecord}s bound to their task (id, name, version) and opens them again.
 * In production mode (the default) a record is encrypted and authenticated with {@link #DEFAULT_AEAD} under a
 * 256-bit key from a {@link KeyProvider}, with a fresh random 12-byte nonce per seal; a record that was altered in any
 * byte, moved to another task, replayed from another version, or sealed under a key this vault does not hold fails to
 * open with a {@link RecordOpenException}. In test mode records are plain: fast and not protected. A vault in
 * production mode never opens a plain record, so stored records cannot be downgraded.
 * <p>
 * The vault does not log; callers decide what to report. Nothing here uses Java serialisation.
 *
 * <h2>Protocol for a scheduler</h2>
 * <ul>
 *   <li>Seal and store a record under the lock that guards stored records (or, if sealed outside it, check
 *       {@link #isCurrent} under the lock and seal again if it is stale).</li>
 *   <li>Where a due record is read under that lock, take a {@link #lease}; run the callback later on any thread with
 *       {@link RecordLease#runOpened}, or {@link RecordLease#release()} it if the fire is dropped.</li>
 *   <li>To rotate: {@link #beginRotation(KeyProvider)} (or {@link #beginPlainMode()} / {@code beginRotation} from
 *       test mode to switch modes), then under the lock replace every stored record by {@link #reseal}, then
 *       {@link #finishRotation()} before releasing the lock.</li>
 * </ul>
 *
 * <h2>Caveats</h2>
 * Plaintext exists only between open and wipe; a callback that copies it defeats the wipe. Keys are on the heap.
 */
public final class CallbackVault implements AutoCloseable
{
    /*
     * Why a rotation never makes a valid record fail to open.
     *
     * The key set is an immutable KeyRing behind a volatile field, replaced whole under ringLock. beginRotation adds
     * the new key as the sealing key and keeps the old ones openable; finishRotation drops the old keys from the ring
     * and retires them. A retired key can no longer be pinned, but it is wiped only when its last pin ends (VaultKey).
     * Every open pins its key for its duration, and a lease pins it from the moment the record is read until the
     * callback has run. So:
     *  - a record in the store is always sealed under a ring key: the scheduler reseals all records before finishing;
     *  - a record read before that reseal holds a lease, so its key outlives the finish;
     *  - an open that looks a key up in a ring snapshot and then fails to pin it re-reads the ring, and reports
     *    UNKNOWN_KEY_ID only if the key is not in the newest ring either: the record really is stale.
     *
     * Default cipher: AES-256-GCM. Seals happen at registration and rotation only; opens happen on every fire, and a
     * GCM open does less work than a GCM-SIV open (no per-message key derivation, one pass; results/vault.md). With a
     * fresh 96-bit random nonce per seal, the chance of a repeated nonce stays below 2^-32 up to 2^32 seals under
     * one key (NIST SP 800-38D, 8.3), so nonce-misuse resistance buys little here; the vault still refuses more than
     * MAX_SEALS_PER_KEY seals under one key. AES_256_GCM_SIV and CHACHA20_POLY1305 remain selectable; the latter was
     * faster than GCM in Bouncy Castle's pure-Java code in the same run (results/vault.md) and has no table lookups.
     */

    /** The cipher used when none is given. */
    public static final Aead DEFAULT_AEAD = Aead.AES_256_GCM;

    /** Seals allowed under one key before {@link #seal} demands a rotation (the NIST random-nonce bound). */
    static final long MAX_SEALS_PER_KEY = 1L << 32;

    private final Aead aead;
    private final Object ringLock = new Object();
    private volatile KeyRing ring; // written under ringLock
    private int nextKeyId = 1; // guarded by ringLock

    private CallbackVault(final Aead aead, final KeyRing ring)
    {
        this.aead = aead;
        this.ring = ring;
    }

    /** A production-mode vault sealing with {@link #DEFAULT_AEAD} under the provider's key. */
    public static CallbackVault production(final KeyProvider keyProvider)
    {
        return production(keyProvider, DEFAULT_AEAD);
    }

    /** A production-mode vault sealing with the given cipher under the provider's key. */
    public static CallbackVault production(final KeyProvider keyProvider, final Aead aead)
    {
        Objects.requireNonNull(keyProvider, "keyProvider");
        Objects.requireNonNull(aead, "aead");
        final CallbackVault vault = new CallbackVault(aead, null);
        synchronized (vault.ringLock)
        {
            final VaultKey key = vault.installLocked(keyProvider);
            vault.ring = new KeyRing(key, new VaultKey[] {key}, false);
        }
        return vault;
    }

    /**
     * A test-mode vault: records are plain; {@link #beginRotation} switches it to production mode with {@code aead}.
     */
    public static CallbackVault testMode(final Aead aead)
    {
        return new CallbackVault(Objects.requireNonNull(aead, "aead"), new KeyRing(null, new VaultKey[0], true));
    }

    /** The cipher this vault seals with in production mode. */
    public Aead aead()
    {
        return aead;
    }

    /** Whether new records are plain (test mode). */
    public boolean isTestMode()
    {
        return ring.sealKey == null;
    }

    /** Whether a rotation or mode switch has begun and not yet finished. */
    public boolean isRotating()
    {
        return ring.isRotating();
    }

    /**
     * Seals a payload for a task; the payload is not modified (the caller wipes it if it must).
     *
     * @param payload the bytes to protect; {@code null} is sealed as empty.
     * @throws IllegalStateException if the vault is closed, or the current key has sealed {@value #MAX_SEALS_PER_KEY}
     *                               records and must be rotated.
     */
    public SealedRecord seal(final long taskId, final String taskName, final long version, final byte[] payload)
    {
        Objects.requireNonNull(taskName, "taskName");
        final byte[] data = payload == null ? new byte[0] : payload;
        while (true)
        {
            final KeyRing current = ring;
            final VaultKey key = current.sealKey;
            if (key == null)
            {
                if (current.openKeys.length == 0 && !current.acceptPlain)
                {
                    throw new IllegalStateException("vault is closed");
                }
                return sealPlain(taskId, version, data);
            }
            if (key.pin())
            {
                try
                {
                    if (!key.countSeal(MAX_SEALS_PER_KEY))
                    {
                        throw new IllegalStateException(
                            "key " + key.id + " has sealed its limit of records: rotate it");
                    }
                    return new SealedRecord(key.seal(taskId, taskName, version, data));
                }
                finally
                {
                    key.unpin();
                }
            }
            // the key was retired after we read the ring: a rotation finished; seal under the newer ring
        }
    }

    /**
     * Opens a record for a task and returns a new plaintext array, which the caller must wipe after use; prefer
     * {@link #withOpened} or a {@link #lease}.
     *
     * @throws RecordOpenException if the record does not open for this task id, name and version.
     */
    public byte[] open(final SealedRecord record, final long taskId, final String taskName, final long version)
    {
        final RecordLease lease = lease(record, taskId, taskName, version);
        final byte[][] out = new byte[1][];
        lease.runOpened(plain -> out[0] = plain.clone());
        return out[0];
    }

    /**
     * Opens a record, passes the plaintext to {@code action}, then wipes it, also if the action throws.
     *
     * @throws RecordOpenException if the record does not open; {@code action} is then not called.
     */
    /** TEMPORARY shim until the vault's pin API lands. */
    public long pin(final SealedRecord record)
    {
        return 1;
    }

    /** TEMPORARY shim. */
    public void unpin(final long token)
    {
    }

    /** TEMPORARY shim. */
    public <T> void runOpened(final SealedRecord record, final long pin, final long taskId, final String taskName,
        final long version, final java.util.function.BiConsumer<T, byte[]> action, final T context)
    {
        withOpened(record, taskId, taskName, version, plain -> action.accept(context, plain));
    }

    /** TEMPORARY shim. */
    public void beginSealedMode()
    {
        throw new UnsupportedOperationException("shim");
    }

    public void withOpened(
        final SealedRecord record, final long taskId, final String taskName, final long version,
        final Consumer<byte[]> action)
    {
        lease(record, taskId, taskName, version).runOpened(action);
    }

    /**
     * Pins the key a record needs so that it can be opened later, on any thread, even if a rotation finishes in
     * between. Never throws for a bad record: the failure is reported by {@link RecordLease#runOpened}.
     */
    public RecordLease lease(final SealedRecord record, final long taskId, final String taskName, final long version)
    {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(taskName, "taskName");
        final byte[] bytes = record.bytes;
        if (bytes.length == 0)
        {
            return new RecordLease(this, record, taskId, taskName, version, null, Reason.MALFORMED);
        }
        if (bytes[0] == FORMAT_PLAIN)
        {
            final Reason failure = !ring.acceptPlain ? Reason.PLAIN_RECORD_REJECTED :
                bytes.length < PLAIN_HEADER_LENGTH ? Reason.MALFORMED : null;
            return new RecordLease(this, record, taskId, taskName, version, null, failure);
        }
        if (bytes[0] != FORMAT_SEALED || bytes.length < SEALED_OVERHEAD)
        {
            return new RecordLease(this, record, taskId, taskName, version, null, Reason.MALFORMED);
        }
        final int keyId = SealedRecord.readInt(bytes, 2);
        KeyRing seen = null;
        while (true)
        {
            final KeyRing current = ring;
            if (current == seen)
            {
                return new RecordLease(this, record, taskId, taskName, version, null, Reason.UNKNOWN_KEY_ID);
            }
            seen = current;
            final VaultKey key = current.lookup(keyId);
            if (key == null)
            {
                return new RecordLease(this, record, taskId, taskName, version, null, Reason.UNKNOWN_KEY_ID);
            }
            if (key.pin())
            {
                return new RecordLease(this, record, taskId, taskName, version, key, null);
            }
            // retired between the ring read and the pin: look again in the newest ring
        }
    }

    /** Called by a lease that holds a pin on {@code key} (or {@code key == null} for a plain record). */
    byte[] openLeased(
        final SealedRecord record, final VaultKey key, final long taskId, final String taskName, final long version)
    {
        final byte[] bytes = record.bytes;
        if (key == null)
        {
            if (SealedRecord.readLong(bytes, 1) != taskId || SealedRecord.readLong(bytes, 9) != version)
            {
                throw new RecordOpenException(taskId, taskName, version, Reason.PLAIN_RECORD_MISMATCH);
            }
            return Arrays.copyOfRange(bytes, PLAIN_HEADER_LENGTH, bytes.length);
        }
        if (bytes[1] != key.aead.id())
        {
            throw new RecordOpenException(taskId, taskName, version, Reason.MALFORMED);
        }
        final byte[] plain = key.open(bytes, taskId, taskName, version);
        if (plain == null)
        {
            throw new RecordOpenException(taskId, taskName, version, Reason.AUTHENTICATION_FAILED);
        }
        return plain;
    }

    /** Whether a record is in the form new seals take now (plain in test mode, else under the current key). */
    public boolean isCurrent(final SealedRecord record)
    {
        final VaultKey key = ring.sealKey;
        return key == null ? record.isPlain() : record.isSealed() && record.keyId() == key.id;
    }

    /**
     * Returns the record in the current form: the record itself if {@link #isCurrent}, otherwise opened (with any key
     * of the ring, or plain while converting from test mode) and sealed again, the plaintext wiped in between.
     *
     * @throws RecordOpenException if the record does not open; the caller keeps the old record and marks the task
     *                             failed.
     */
    public SealedRecord reseal(final SealedRecord record, final long taskId, final String taskName, final long version)
    {
        if (isCurrent(record))
        {
            return record;
        }
        final SealedRecord[] out = new SealedRecord[1];
        withOpened(record, taskId, taskName, version, plain -> out[0] = seal(taskId, taskName, version, plain));
        return out[0];
    }

    /**
     * Starts sealing new records under a new key (also switches a test-mode vault to production mode); records under
     * the previous keys, or plain records, keep opening until {@link #finishRotation()}. The provider's key is copied.
     */
    public void beginRotation(final KeyProvider next)
    {
        Objects.requireNonNull(next, "next");
        synchronized (ringLock)
        {
            final KeyRing current = requireOpen();
            final VaultKey key = installLocked(next);
            final VaultKey[] keys = Arrays.copyOf(current.openKeys, current.openKeys.length + 1);
            keys[keys.length - 1] = key;
            ring = new KeyRing(key, keys, current.acceptPlain); // publishes the new key before any seal can use it
        }
    }

    /**
     * Starts sealing new records plain (test mode); records under the current keys keep opening until
     * {@link #finishRotation()}, which then retires every key.
     */
    public void beginPlainMode()
    {
        synchronized (ringLock)
        {
            final KeyRing current = requireOpen();
            ring = new KeyRing(null, current.openKeys, true);
        }
    }

    /**
     * Ends a rotation or mode switch: every key except the sealing key is retired (wiped once no open or lease holds
     * it), and in production mode plain records stop opening. Call it only after every stored record has been
     * {@linkplain #reseal resealed}; records still under a retired key then fail with
     * {@link Reason#UNKNOWN_KEY_ID}. A no-op when no rotation is in progress.
     */
    public void finishRotation()
    {
        synchronized (ringLock)
        {
            final KeyRing current = requireOpen();
            final VaultKey keep = current.sealKey;
            ring = keep == null ?
                new KeyRing(null, new VaultKey[0], true) : new KeyRing(keep, new VaultKey[] {keep}, false);
            for (final VaultKey key : current.openKeys)
            {
                if (key != keep)
                {
                    key.retire();
                }
            }
        }
    }

    /** Retires every key; afterwards no record opens and nothing can be sealed. Idempotent. */
    @Override
    public void close()
    {
        synchronized (ringLock)
        {
            final KeyRing current = ring;
            ring = new KeyRing(null, new VaultKey[0], false);
            for (final VaultKey key : current.openKeys)
            {
                key.retire();
            }
        }
    }

    private KeyRing requireOpen()
    {
        final KeyRing current = ring;
        if (current.sealKey == null && current.openKeys.length == 0 && !current.acceptPlain)
        {
            throw new IllegalStateException("vault is closed");
        }
        return current;
    }

    private VaultKey installLocked(final KeyProvider provider)
    {
        return new VaultKey(nextKeyId++, aead, provider.copyKey());
    }

    private static SealedRecord sealPlain(final long taskId, final long version, final byte[] payload)
    {
        final byte[] out = new byte[PLAIN_HEADER_LENGTH + payload.length];
        out[0] = FORMAT_PLAIN;
        SealedRecord.writeLong(out, 1, taskId);
        SealedRecord.writeLong(out, 9, version);
        System.arraycopy(payload, 0, out, PLAIN_HEADER_LENGTH, payload.length);
        return new SealedRecord(out);
    }

    /** Mode and key ids only. */
    @Override
    public String toString()
    {
        final KeyRing current = ring;
        final StringBuilder sb = new StringBuilder("CallbackVault[")
            .append(current.sealKey == null ? "test mode" : "production, " + aead + ", key " + current.sealKey.id);
        if (current.isRotating())
        {
            sb.append(", rotating");
        }
        return sb.append(']').toString();
    }
}
