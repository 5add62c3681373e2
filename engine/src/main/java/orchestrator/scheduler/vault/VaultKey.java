package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.AEADCipher;
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
     * Seals and opens take a keyed Bouncy Castle cipher from this key's CipherPool and give it back (instances are not
     * thread safe; the pool hands each to one caller at a time), so the key setup happens once per pooled cipher, not
     * once per call. Every take and give happens under a pin, so when wipe() runs no cipher is in use: it wipes the key
     * bytes (which keyed GCM ciphers refer to) and drains the pool, which scrubs every idle cipher.
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
    private final KeyParameter key;
    private final AtomicLong seals = new AtomicLong();
    private final CipherPool ciphers;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /** Takes ownership of {@code keyBytes} (wiped on retirement). */
    VaultKey(final int id, final Aead aead, final byte[] keyBytes)
    {
        this(id, aead, keyBytes, POOL_CAPACITY);
    }

    /** With a given number of idle ciphers kept; takes ownership of {@code keyBytes}. */
    VaultKey(final int id, final Aead aead, final byte[] keyBytes, final int poolCapacity)
    {
        this.id = id;
        this.aead = aead;
        this.key = new KeyParameter(keyBytes);
        this.ciphers = new CipherPool(aead, poolCapacity);
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
        ciphers.drain();
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

        final CipherPool.Entry entry = ciphers.take();
        try
        {
            final AEADCipher cipher = entry.cipher;
            aead.init(entry, true, key, out, SEALED_HEADER_LENGTH);
            associate(entry, out, taskId, taskName, version);
            final int bodyOffset = SEALED_HEADER_LENGTH + NONCE_LENGTH;
            final int n = cipher.processBytes(payload, 0, payload.length, out, bodyOffset);
            cipher.doFinal(out, bodyOffset + n);
            cipher.reset(); // clears the cipher's internal plaintext buffers
        }
        catch (final InvalidCipherTextException ex)
        {
            ciphers.discard(entry);
            throw new IllegalStateException("encryption failed", ex); // cannot happen when encrypting
        }
        catch (final RuntimeException | Error ex)
        {
            ciphers.discard(entry);
            throw ex;
        }
        ciphers.give(entry);
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
        final CipherPool.Entry entry = ciphers.take();
        boolean opened = false;
        try
        {
            final AEADCipher cipher = entry.cipher;
            aead.init(entry, false, key, record, SEALED_HEADER_LENGTH);
            associate(entry, record, taskId, taskName, version);
            final int n = cipher.processBytes(record, bodyOffset, record.length - bodyOffset, plain, 0);
            cipher.doFinal(plain, n);
            opened = true;
        }
        catch (final InvalidCipherTextException ex)
        {
            entry.cipher.reset();
        }
        catch (final RuntimeException | Error ex)
        {
            Arrays.fill(plain, (byte)0);
            ciphers.discard(entry);
            throw ex;
        }
        ciphers.give(entry);
        if (!opened)
        {
            Arrays.fill(plain, (byte)0);
            return null;
        }
        return plain;
    }

    /**
     * Associated data: record header, task id, version, task name in UTF-8 (last, so no length prefix is needed), fed
     * to the cipher in one call from the entry's scratch array when the name is ASCII.
     */
    private static void associate(
        final CipherPool.Entry entry, final byte[] header, final long taskId, final String taskName,
        final long version)
    {
        final int nameOffset = SEALED_HEADER_LENGTH + 16;
        final int nameLength = taskName.length();
        byte[] ad = entry.associated;
        if (ad.length < nameOffset + nameLength)
        {
            ad = new byte[nameOffset + nameLength];
            entry.associated = ad;
        }
        System.arraycopy(header, 0, ad, 0, SEALED_HEADER_LENGTH);
        SealedRecord.writeLong(ad, SEALED_HEADER_LENGTH, taskId);
        SealedRecord.writeLong(ad, SEALED_HEADER_LENGTH + 8, version);
        for (int i = 0; i < nameLength; i++)
        {
            final char c = taskName.charAt(i);
            if (c >= 0x80)
            {
                entry.cipher.processAADBytes(ad, 0, nameOffset);
                final byte[] name = taskName.getBytes(StandardCharsets.UTF_8);
                entry.cipher.processAADBytes(name, 0, name.length);
                return;
            }
            ad[nameOffset + i] = (byte)c;
        }
        entry.cipher.processAADBytes(ad, 0, nameOffset + nameLength);
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
