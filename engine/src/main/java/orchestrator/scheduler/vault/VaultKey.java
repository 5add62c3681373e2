package orchestrator.scheduler.vault;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import static orchestrator.scheduler.vault.SealedRecord.FORMAT_SEALED;
import static orchestrator.scheduler.vault.SealedRecord.NONCE_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_HEADER_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_OVERHEAD;

/**
 * Thread safe: one installed key of a vault, with its id, its pooled ciphers, and a pin count that keeps it alive
 * while records sealed under it are being opened or are about to be.
 */
final class VaultKey
{
    /*
     * Lifecycle. state packs a RETIRED bit and the number of pins (opens in progress, or fires collected and not yet
     * run). pin() refuses once RETIRED is set; retire() sets it. Whoever observes (RETIRED, 0 pins) first -- retire()
     * if no pin is held, else the last unpin() -- wipes the key bytes, exactly once; (RETIRED, 0 pins) is final. So a
     * key is never wiped under a running open, and no open can start on a retired key.
     *
     * Seals and opens take a keyed cipher from this key's CipherPool and give it back (ciphers are not thread safe;
     * the pool hands each to one caller at a time), so the key setup happens once per pooled cipher, not once per
     * call. Every take and give happens under a pin, so when wipe() runs no cipher is in use: it wipes the key bytes
     * and drains the pool, which scrubs every idle cipher.
     */
    private static final int RETIRED = 0x8000_0000;
    /** Idle ciphers kept per key: enough for every core to open at once, bounded so a key holds little memory. */
    static final int POOL_CAPACITY = Math.min(64, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    private static final VarHandle STATE;
    private static final ThreadLocal<SecureRandom> NONCES = ThreadLocal.withInitial(VaultKey::newRandom);

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(VaultKey.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final int id;
    final Aead aead;
    private final byte[] key;
    private final AtomicLong seals = new AtomicLong();
    private final CipherPool ciphers;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /** Takes ownership of {@code keyBytes} (wiped when the key is). */
    VaultKey(final int id, final Aead aead, final byte[] keyBytes)
    {
        this(id, aead, keyBytes, POOL_CAPACITY);
    }

    /** With a given number of idle ciphers kept; takes ownership of {@code keyBytes}. */
    VaultKey(final int id, final Aead aead, final byte[] keyBytes, final int poolCapacity)
    {
        if (keyBytes.length != KeyProvider.KEY_LENGTH)
        {
            throw new IllegalArgumentException("key must be " + KeyProvider.KEY_LENGTH + " bytes");
        }
        this.id = id;
        this.aead = aead;
        this.key = keyBytes;
        this.ciphers = new CipherPool(aead, poolCapacity);
    }

    /** Pins the key; false if it is retired. A successful pin must be matched by exactly one {@link #unpin()}. */
    boolean pin()
    {
        while (true)
        {
            final int s = (int)STATE.getVolatile(this);
            if ((s & RETIRED) != 0)
            {
                return false;
            }
            if (STATE.compareAndSet(this, s, s + 1))
            {
                return true;
            }
        }
    }

    /**
     * Ends one pin; the last pin of a retired key wipes it.
     *
     * @throws IllegalStateException if the key holds no pin (an unpin without its pin, or a second one).
     */
    void unpin()
    {
        while (true)
        {
            final int s = (int)STATE.getVolatile(this);
            if ((s & ~RETIRED) == 0)
            {
                throw new IllegalStateException("key " + id + " holds no pin");
            }
            // the compare-and-set is a full fence: the last pin holder's cipher use happens-before the wipe below
            if (STATE.compareAndSet(this, s, s - 1))
            {
                if (s - 1 == RETIRED)
                {
                    wipe();
                }
                return;
            }
        }
    }

    /** No new pins after this; the key bytes are wiped now, or by the last {@link #unpin()}. Idempotent. */
    void retire()
    {
        if ((int)STATE.getAndBitwiseOr(this, RETIRED) == 0)
        {
            wipe();
        }
    }

    boolean isRetired()
    {
        return ((int)STATE.getVolatile(this) & RETIRED) != 0;
    }

    /** Whether the key is retired and holds no pin, so it has been wiped and can never be used again. */
    boolean isWiped()
    {
        return (int)STATE.getVolatile(this) == RETIRED;
    }

    private void wipe()
    {
        Arrays.fill(key, (byte)0);
        ciphers.drain();
    }

    /** A copy of the key bytes, which the caller must wipe; only while the key cannot be wiped (pinned or live). */
    byte[] copyKey()
    {
        return key.clone();
    }

    /** The number of idle keyed ciphers; for tests. */
    int idleCiphers()
    {
        return ciphers.idle();
    }

    /** Counts one seal under this key; false once more than {@code limit} seals have been counted. */
    boolean countSeal(final long limit)
    {
        return seals.incrementAndGet() <= limit;
    }

    /** Seals a payload under a fresh random nonce; the caller holds a pin. */
    byte[] seal(final long recordId, final String taskName, final long version, final byte[] payload)
    {
        final byte[] out = new byte[SEALED_OVERHEAD + payload.length];
        out[0] = FORMAT_SEALED;
        out[1] = aead.id();
        SealedRecord.writeInt(out, 2, id);
        final RecordCipher cipher = ciphers.take();
        try
        {
            if (!cipher.keyed)
            {
                cipher.setKey(key);
            }
            NONCES.get().nextBytes(cipher.nonce);
            System.arraycopy(cipher.nonce, 0, out, SEALED_HEADER_LENGTH, NONCE_LENGTH);
            cipher.associate(out, recordId, taskName, version);
            cipher.seal(payload, out);
        }
        catch (final RuntimeException | Error ex)
        {
            ciphers.discard(cipher);
            throw ex;
        }
        ciphers.give(cipher);
        return out;
    }

    /**
     * Opens a sealed record's bytes (format and length already checked) into a new plaintext array owned by the
     * caller; the caller holds a pin. Allocates nothing else once a keyed cipher is idle in the pool.
     *
     * @return the plaintext, or {@code null} if the tag does not verify (no plaintext is produced then).
     */
    byte[] open(final byte[] record, final long recordId, final String taskName, final long version)
    {
        final RecordCipher cipher = ciphers.take();
        final byte[] plain;
        try
        {
            if (!cipher.keyed)
            {
                cipher.setKey(key);
            }
            cipher.associate(record, recordId, taskName, version);
            plain = cipher.open(record);
        }
        catch (final RuntimeException | Error ex)
        {
            ciphers.discard(cipher);
            throw ex;
        }
        ciphers.give(cipher);
        return plain;
    }

    private static SecureRandom newRandom()
    {
        try
        {
            return SecureRandom.getInstance("DRBG");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            return new SecureRandom();
        }
    }

    @Override
    public String toString()
    {
        return "VaultKey[id=" + id + ", " + aead + (isRetired() ? ", retired]" : "]");
    }
}
