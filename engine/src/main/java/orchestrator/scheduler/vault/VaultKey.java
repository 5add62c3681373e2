package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.AEADBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import static orchestrator.scheduler.vault.SealedRecord.FORMAT_SEALED;
import static orchestrator.scheduler.vault.SealedRecord.NONCE_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_HEADER_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_OVERHEAD;
import static orchestrator.scheduler.vault.SealedRecord.TAG_LENGTH;

/**
 * Thread safe: one installed key of a vault, with its id, its cipher, and a pin count that keeps it alive while
 * records sealed under it are being opened.
 */
final class VaultKey
{
    /*
     * Lifecycle. state packs a RETIRED bit and the number of pins (opens in progress or leased). pin() refuses once
     * RETIRED is set; retire() sets it. Whoever observes (RETIRED, 0 pins) first -- retire() if no pin is held, else
     * the last unpin() -- wipes the key bytes, exactly once. So a key is never wiped under a running open, and no open
     * can start on a retired key.
     *
     * Each seal and open builds a fresh Bouncy Castle cipher: instances are not thread safe, and a per-call instance
     * leaves no expanded key schedule reachable after the call (it becomes garbage, not live heap).
     */
    private static final int RETIRED = 0x8000_0000;
    private static final int MAC_BITS = TAG_LENGTH * 8;
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
    private final KeyParameter key;
    private final AtomicLong seals = new AtomicLong();
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /** Takes ownership of {@code keyBytes} (wiped on retirement). */
    VaultKey(final int id, final Aead aead, final byte[] keyBytes)
    {
        this.id = id;
        this.aead = aead;
        this.key = new KeyParameter(keyBytes);
        Arrays.fill(keyBytes, (byte)0);
    }

    /** Pins the key for one open; false if it is retired. A successful pin must be matched by {@link #unpin()}. */
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

    void unpin()
    {
        // the decrement is a full fence: the last pin holder's cipher use happens-before the wipe below
        if ((int)STATE.getAndAdd(this, -1) - 1 == RETIRED)
        {
            wipe();
        }
    }

    /** No new pins after this; the key bytes are wiped now, or by the last {@link #unpin()}. */
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

    private void wipe()
    {
        Arrays.fill(key.getKey(), (byte)0);
    }

    /** Counts one seal under this key; false once more than {@code limit} seals have been counted. */
    boolean countSeal(final long limit)
    {
        return seals.incrementAndGet() <= limit;
    }

    /** Seals a payload; the caller holds a pin. */
    byte[] seal(final long taskId, final String taskName, final long version, final byte[] payload)
    {
        final byte[] out = new byte[SEALED_OVERHEAD + payload.length];
        out[0] = FORMAT_SEALED;
        out[1] = aead.id();
        SealedRecord.writeInt(out, 2, id);
        final byte[] nonce = new byte[NONCE_LENGTH];
        NONCES.get().nextBytes(nonce);
        System.arraycopy(nonce, 0, out, SEALED_HEADER_LENGTH, NONCE_LENGTH);

        final AEADBlockCipher cipher = aead.newCipher();
        cipher.init(true, new AEADParameters(key, MAC_BITS, nonce));
        associate(cipher, out, taskId, taskName, version);
        final int bodyOffset = SEALED_HEADER_LENGTH + NONCE_LENGTH;
        try
        {
            final int n = cipher.processBytes(payload, 0, payload.length, out, bodyOffset);
            cipher.doFinal(out, bodyOffset + n);
        }
        catch (final InvalidCipherTextException ex)
        {
            throw new IllegalStateException("encryption failed", ex); // cannot happen when encrypting
        }
        finally
        {
            cipher.reset(); // clears the cipher's internal plaintext buffers
        }
        return out;
    }

    /**
     * Opens a sealed record's bytes (format and length already checked); the caller holds a pin and owns the returned
     * plaintext. Returns {@code null} if the tag does not verify; no partial plaintext survives.
     */
    byte[] open(final byte[] record, final long taskId, final String taskName, final long version)
    {
        final int bodyOffset = SEALED_HEADER_LENGTH + NONCE_LENGTH;
        final byte[] plain = new byte[record.length - SEALED_OVERHEAD];
        final AEADBlockCipher cipher = aead.newCipher();
        cipher.init(false,
            new AEADParameters(key, MAC_BITS, Arrays.copyOfRange(record, SEALED_HEADER_LENGTH, bodyOffset)));
        associate(cipher, record, taskId, taskName, version);
        try
        {
            final int n = cipher.processBytes(record, bodyOffset, record.length - bodyOffset, plain, 0);
            cipher.doFinal(plain, n);
            return plain;
        }
        catch (final InvalidCipherTextException ex)
        {
            Arrays.fill(plain, (byte)0);
            return null;
        }
        finally
        {
            cipher.reset();
        }
    }

    /** Associated data: record header, task id, version, task name (last, so no length prefix is needed). */
    private static void associate(
        final AEADBlockCipher cipher, final byte[] header, final long taskId, final String taskName, final long version)
    {
        cipher.processAADBytes(header, 0, SEALED_HEADER_LENGTH);
        final byte[] ids = new byte[16];
        SealedRecord.writeLong(ids, 0, taskId);
        SealedRecord.writeLong(ids, 8, version);
        cipher.processAADBytes(ids, 0, ids.length);
        final byte[] name = taskName.getBytes(StandardCharsets.UTF_8);
        cipher.processAADBytes(name, 0, name.length);
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
