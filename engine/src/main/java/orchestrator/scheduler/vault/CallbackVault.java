package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Thread safe: any thread may seal, open, pin and reseal records concurrently, with no lock of its own, also while
 * a rotation or mode switch runs; the rotation methods ({@link #beginRotation}, {@link #beginPlainMode},
 * {@link #beginSealedMode}, {@link #finishRotation}, {@link #close}) are serialised internally.
 * <p>
 * Seals callback payloads into {@link SealedRecord}s bound to their record (id, task name, version) and opens them
 * again. In production mode (the default) a record is encrypted and authenticated with an {@link Aead}
 * ({@link #DEFAULT_AEAD} unless chosen) under a 256-bit key from a {@link KeyProvider}, with a fresh random 12-byte
 * nonce per seal; a record that was altered in any byte, moved to another record, replayed from another version, or
 * sealed under a key this vault does not hold fails to open with a {@link RecordOpenException}. In test mode records
 * are plain: fast and not protected. A vault in production mode never opens a plain record that was not pinned while
 * plain records were accepted, so stored records cannot be downgraded.
 * <p>
 * The vault does not log; callers decide what to report. Nothing here uses Java serialisation.
 *
 * <h2>Protocol for a scheduler</h2>
 * <ul>
 *   <li>Seal with {@link #seal}. A seal that returns after {@link #beginRotation} (or a mode switch) began seals in
 *       the new form; one that returned before it is in the old form and must be covered by the reseal pass (or
 *       checked with {@link #isCurrent} before the rotation finishes).</li>
 *   <li>When a fire is collected, {@link #pin} its record and keep the record, its version and the token with the
 *       fire. Run it later, on any thread, with {@link #runOpened}, or {@link #unpin} the token if the fire will not
 *       run. Each token is consumed exactly once. Pin the record the task holds at that moment: a record read before
 *       its reseal and a finished rotation is stale, and pins nothing (token {@code 0}).</li>
 *   <li>To rotate: {@link #beginRotation(KeyProvider)} (or {@link #beginPlainMode()} / {@link #beginSealedMode()} to
 *       switch modes); replace every stored record by {@link #reseal} (any thread, in any chunks); then
 *       {@link #finishRotation()}.</li>
 * </ul>
 *
 * <h2>Caveats</h2>
 * Plaintext exists only between open and wipe; an action that copies it defeats the wipe. Keys are on the heap.
 * {@link Aead#AES_256_GCM_SIV} allocates per open; the other ciphers allocate only the plaintext.
 */
public final class CallbackVault implements AutoCloseable
{
    /*
     * Why a rotation never makes a valid record fail to open.
     *
     * The key set is an immutable KeyRing, replaced whole by KeyRotation. beginRotation adds the new key as the
     * sealing key and keeps the old ones openable; finishRotation drops the old keys from the ring and retires them.
     * A retired key can no longer be pinned, but it is wiped only when its last pin ends (VaultKey). Every open pins
     * its key for its duration, and pin() pins it from the moment a fire is collected until runOpened or unpin. So:
     *  - a stored record is under a ring key when the rotation finishes: the scheduler reseals all records before;
     *  - a record pinned before its reseal keeps its key past the finish, and the token finds the retired key;
     *  - an open that looks a key up in a ring snapshot and then fails to pin it re-reads the ring, and reports
     *    UNKNOWN_KEY_ID only if the key is not in the newest ring either: the record really is stale.
     *
     * Seals are linearised against rotations: seal() checks, after sealing, that the ring's sealing key is still the
     * one it sealed under (or still none, for a plain record), and seals again otherwise. So no seal that returns
     * after a begin... has sealed in the old form, even if it started before.
     *
     * Pin tokens (RecordPins) are primitives, so a plain record pinned in test mode still opens if production mode is
     * completed before the fire runs, as a sealed record pinned before a rotation still opens after it.
     *
     * Default cipher: ChaCha20-Poly1305, chosen by measurement (results/vault-aead.md): a record is sealed at
     * registration and rotation only but opened on every fire, and ChaCha20-Poly1305 opened a 64 B record fastest
     * (679 ns, against 1,184 ns for AES-256-GCM and 3,401 ns for AES-256-GCM-SIV, BC 1.87, JDK 17; also fastest at
     * 1 KiB). It has no table lookups either, so no cache-timing channel in pure Java. With a fresh 96-bit random
     * nonce per seal the chance of a repeated nonce stays below 2^-32 up to 2^32 seals under one key (the NIST
     * SP 800-38D, 8.3 bound, applied to both ciphers), so nonce-misuse resistance (GCM-SIV) buys little here; the
     * vault refuses more than MAX_SEALS_PER_KEY seals under one key.
     */

    /** The cipher used when none is given: the fastest to open a 64 B record (see {@code results/vault-aead.md}). */
    public static final Aead DEFAULT_AEAD = Aead.CHACHA20_POLY1305;

    /** Seals allowed under one key before {@link #seal} demands a rotation (the NIST random-nonce bound). */
    static final long MAX_SEALS_PER_KEY = 1L << 32;

    private final Aead aead;
    private final KeyRotation keys;
    private final RecordPins pins;

    private CallbackVault(final Aead aead, final KeyProvider key, final int firstKeyId)
    {
        this.aead = aead;
        this.keys = new KeyRotation(aead, key, firstKeyId);
        this.pins = new RecordPins(keys);
    }

    /** A production-mode vault sealing with {@link #DEFAULT_AEAD} under the provider's key (copied). */
    public static CallbackVault production(final KeyProvider key)
    {
        return production(key, DEFAULT_AEAD);
    }

    /** A production-mode vault sealing with the given cipher under the provider's key (copied). */
    public static CallbackVault production(final KeyProvider key, final Aead aead)
    {
        return new CallbackVault(Objects.requireNonNull(aead, "aead"), Objects.requireNonNull(key, "key"), 1);
    }

    /**
     * A production-mode vault whose key carries a given key id, for a scheduler restarted on a durable store: the
     * records an earlier process sealed under key id {@code keyId} (its key after {@code keyId - 1} rotations) open
     * when the same key is given here. Later rotations number on from it.
     *
     * @param key   the key, copied.
     * @param aead  the cipher.
     * @param keyId the id the key is known by in stored records, at least 1.
     * @return the vault.
     */
    public static CallbackVault production(final KeyProvider key, final Aead aead, final int keyId)
    {
        if (keyId < 1)
        {
            throw new IllegalArgumentException("keyId must be at least 1, was " + keyId);
        }
        return new CallbackVault(Objects.requireNonNull(aead, "aead"), Objects.requireNonNull(key, "key"), keyId);
    }

    /**
     * A test-mode vault: records are plain; {@link #beginRotation} switches it to production mode with {@code aead}.
     */
    public static CallbackVault testMode(final Aead aead)
    {
        return new CallbackVault(Objects.requireNonNull(aead, "aead"), null, 1);
    }

    /** The cipher this vault seals with in production mode. */
    public Aead aead()
    {
        return aead;
    }

    /** Whether new records are plain (test mode). */
    public boolean isTestMode()
    {
        final KeyRing ring = keys.ring();
        return ring.sealKey == null && !ring.closed;
    }

    /** Whether {@link #close()} has been called: nothing seals or opens any more, except under an earlier pin. */
    public boolean isClosed()
    {
        return keys.ring().closed;
    }

    /** Whether a rotation or mode switch has begun and not yet finished. */
    public boolean isRotating()
    {
        return keys.ring().isRotating();
    }

    /**
     * Seals a payload for a record; the payload is not modified (the caller wipes it if it must). The associated data
     * binds the record id, task name and version, and the record header (format, cipher, key id).
     *
     * @param payload the bytes to protect; {@code null} is sealed as empty.
     * @throws IllegalStateException if the vault is closed, or the current key has sealed {@value #MAX_SEALS_PER_KEY}
     *                               records and must be rotated.
     */
    public SealedRecord seal(final long recordId, final String taskName, final long version, final byte[] payload)
    {
        Objects.requireNonNull(taskName, "taskName");
        final byte[] data = payload == null ? new byte[0] : payload;
        while (true)
        {
            final KeyRing current = keys.ring();
            if (current.closed)
            {
                throw new IllegalStateException("vault is closed");
            }
            final VaultKey key = current.sealKey;
            final SealedRecord record = key == null ?
                SealedRecord.plain(recordId, version, data) : sealWith(key, recordId, taskName, version, data);
            final KeyRing after = keys.ring(); // linearisation point: the record is in the form this ring seals
            if (record != null && after.sealKey == key && !after.closed)
            {
                return record;
            }
            // a rotation, mode switch or close happened while sealing: seal in the newest form
        }
    }

    /** A record sealed under {@code key}, or {@code null} if the key was retired before it could be pinned. */
    private static SealedRecord sealWith(
        final VaultKey key, final long recordId, final String taskName, final long version, final byte[] payload)
    {
        if (!key.pin())
        {
            return null;
        }
        try
        {
            if (!key.countSeal(MAX_SEALS_PER_KEY))
            {
                throw new IllegalStateException("key " + key.id + " has sealed its limit of records: rotate it");
            }
            return new SealedRecord(key.seal(recordId, taskName, version, payload));
        }
        finally
        {
            key.unpin();
        }
    }

    /**
     * Opens a record and returns a new plaintext array, which the caller must wipe after use; prefer
     * {@link #runOpened}, which wipes it.
     *
     * @throws RecordOpenException if the record does not open for this record id, task name and version.
     */
    public byte[] open(final SealedRecord record, final long recordId, final String taskName, final long version)
    {
        return pins.open(record, recordId, taskName, version);
    }

    /**
     * Pins what a record needs to open later, on any thread, even if a rotation or mode switch finishes in between:
     * the key it was sealed under, or for a plain record the fact that plain records were accepted. Allocates
     * nothing and never throws for a bad record.
     *
     * @return a token for exactly one {@link #runOpened} or {@link #unpin}; {@code 0} when nothing was pinned (the
     *         record is malformed, names a key this vault does not hold, or is plain while plain records are refused),
     *         in which case {@code runOpened} applies the rules in force when it runs and reports why it fails.
     */
    public long pin(final SealedRecord record)
    {
        return pins.pin(record);
    }

    /**
     * Releases a token from {@link #pin} whose fire will not run; a retired key is wiped when its last pin ends.
     * Tokens {@code 0} and that of a plain record hold nothing; releasing them is a no-op.
     *
     * @throws IllegalArgumentException if the token is not one of this vault's pins.
     * @throws IllegalStateException if the key it names holds no pin (the token was already consumed).
     */
    public void unpin(final long token)
    {
        pins.unpin(token);
    }

    /**
     * Opens a record under its pin, passes a fresh plaintext array to {@code action} with {@code context}, then wipes
     * the array (zeros), whether the action returns or throws. The pin is released in all cases, also when the record
     * fails to open. Allocates the plaintext array and nothing else (for {@link Aead#AES_256_GCM} and
     * {@link Aead#CHACHA20_POLY1305}, once the key has an idle cipher): pass one action object for every call, and
     * put per-call state in {@code context}. The action must not keep the array.
     *
     * @param record   the record that was pinned (not a newer one stored since).
     * @param pinToken the token {@link #pin} returned for {@code record}, or {@code 0} to open under the rules in
     *                 force now.
     * @throws RecordOpenException      if the record does not open; {@code action} is then not called.
     * @throws IllegalArgumentException if the token is not one of this vault's pins, or was taken for another record.
     */
    public <T> void runOpened(
        final SealedRecord record, final long pinToken, final long recordId, final String taskName, final long version,
        final BiConsumer<T, byte[]> action, final T context)
    {
        final byte[] plain = pins.openPinned(record, pinToken, recordId, taskName, version);
        try
        {
            action.accept(context, plain);
        }
        finally
        {
            Arrays.fill(plain, (byte)0);
        }
    }

    /**
     * Returns the record re-sealed for {@code version + 1} in the current form (under the current sealing key, or
     * plain in test mode), opening it with any key of the ring (or plain while converting from test mode); the
     * plaintext is wiped in between. Any thread, concurrently with fires and other reseals.
     *
     * @throws RecordOpenException if the record does not open for this record id, task name and version; the caller
     *                             keeps the old record and marks the task failed.
     */
    public SealedRecord reseal(
        final SealedRecord record, final long recordId, final String taskName, final long version)
    {
        final byte[] plain = open(record, recordId, taskName, version);
        try
        {
            return seal(recordId, taskName, version + 1, plain);
        }
        finally
        {
            Arrays.fill(plain, (byte)0);
        }
    }

    /** Whether a record is in the form new seals take now (plain in test mode, else under the current key). */
    public boolean isCurrent(final SealedRecord record)
    {
        final VaultKey key = keys.ring().sealKey;
        return key == null ? record.isPlain() : record.isSealed() && record.keyId() == key.id;
    }

    /**
     * Starts sealing new records under a new key (also switches a test-mode vault to production mode); records under
     * the previous keys, or plain records, keep opening until {@link #finishRotation()}. The provider's key is copied,
     * so the provider may be destroyed once this returns.
     *
     * @throws IllegalStateException if the vault is closed or a rotation or mode switch is already in progress.
     */
    public void beginRotation(final KeyProvider next)
    {
        keys.beginRotation(Objects.requireNonNull(next, "next"));
    }

    /**
     * Starts sealing new records plain (test mode); records under the current keys keep opening until
     * {@link #finishRotation()}, which then retires every key. The vault keeps a copy of the current production key's
     * bytes for {@link #beginSealedMode()}. A no-op in test mode.
     *
     * @throws IllegalStateException if the vault is closed or a rotation or mode switch is already in progress.
     */
    public void beginPlainMode()
    {
        keys.beginPlainMode();
    }

    /**
     * Starts sealing new records again under the latest production key: the sealing key of the last completed
     * rotation (or the vault's first key), kept by {@link #beginPlainMode()}; never re-read from a
     * {@link KeyProvider}. It is installed under a new key id. Plain records keep opening until
     * {@link #finishRotation()}. A no-op in production mode.
     *
     * @throws IllegalStateException if the vault is closed, a rotation or mode switch is already in progress, or the
     *                               vault was built in test mode and never had a production key (use
     *                               {@link #beginRotation}).
     */
    public void beginSealedMode()
    {
        keys.beginSealedMode();
    }

    /**
     * Ends a rotation or mode switch: every key except the sealing key is retired (wiped once no pin holds it), and in
     * production mode plain records stop opening unless pinned before. Call it only after every stored record has
     * been {@linkplain #reseal resealed}; records still under a retired key then fail with
     * {@link Reason#UNKNOWN_KEY_ID}. A no-op when no rotation is in progress.
     *
     * @throws IllegalStateException if the vault is closed.
     */
    public void finishRotation()
    {
        keys.finishRotation();
    }

    /**
     * Retires every key and wipes the kept production key; afterwards nothing can be sealed and no record opens,
     * except one pinned before (its key is wiped when that pin is released). Idempotent.
     */
    @Override
    public void close()
    {
        keys.close();
    }


    /** Mode and key ids only. */
    @Override
    public String toString()
    {
        final KeyRing current = keys.ring();
        final String mode = current.closed ? "closed" :
            current.sealKey == null ? "test mode" : "production, " + aead + ", key " + current.sealKey.id;
        return "CallbackVault[" + mode + (current.isRotating() ? ", rotating]" : "]");
    }
}
