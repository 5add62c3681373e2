package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.modes.AEADCipher;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Thread safe: the idle ciphers of one {@link VaultKey}, kept between seals and opens so that a call skips the key
 * setup (AES key expansion and, for GCM, the hash subkey and its multiplication tables).
 * <p>
 * A caller {@linkplain #take() takes} a cipher, uses it alone, and {@linkplain #give gives} it back; the hand-over
 * through the pool's slots is a compare-and-set, so the next taker sees the cipher's state. At most
 * {@code capacity} idle ciphers are kept: a take from an empty pool builds a new cipher, and a give to a full pool
 * scrubs the cipher and drops it. {@link #drain()} scrubs and drops every idle cipher when the key is wiped; a cipher
 * given back after that is scrubbed and dropped too.
 */
final class CipherPool
{
    /*
     * Scrubbing re-keys a cipher with an all-zero key: the GCM multiplication table is overwritten in place and the
     * cipher no longer refers to the real key's bytes or schedule. Bouncy Castle allocates a fresh array for the AES
     * schedule and the hash subkey on each keying, so the previous ones become garbage (not live heap), exactly as
     * they did when every call built its own cipher. No cipher is ever used after it was scrubbed: drain() runs when
     * the key is wiped, after the last pin ended, and every take and give happens under a pin.
     */
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Entry[].class);

    private final Aead aead;
    private final Entry[] slots;
    private volatile boolean drained;

    /**
     * NOT thread safe, owned by one caller between take and give: a cipher and the scratch space of one call.
     */
    static final class Entry
    {
        final AEADCipher cipher;
        /** Whether {@link #cipher} has been keyed with the pool's key (and not scrubbed). */
        boolean keyed;
        /** Associated data scratch: record header, task id, version and (ASCII) task name. */
        byte[] associated = new byte[64];

        Entry(final AEADCipher cipher)
        {
            this.cipher = cipher;
        }
    }

    CipherPool(final Aead aead, final int capacity)
    {
        if (capacity < 0)
        {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        this.aead = aead;
        this.slots = new Entry[capacity];
    }

    /** A cipher for one call: an idle one, or a new, unkeyed one if none is idle. */
    Entry take()
    {
        final Entry[] s = slots;
        for (int i = 0; i < s.length; i++)
        {
            final Entry e = (Entry)SLOTS.getAcquire(s, i);
            if (e != null && SLOTS.compareAndSet(s, i, e, null))
            {
                return e;
            }
        }
        return new Entry(aead.newCipher());
    }

    /** Returns a cipher after a call that left it in a consistent state; scrubs it if the pool is full or drained. */
    void give(final Entry entry)
    {
        final Entry[] s = slots;
        if (!drained)
        {
            for (int i = 0; i < s.length; i++)
            {
                if (SLOTS.getAcquire(s, i) == null && SLOTS.compareAndSet(s, i, null, entry))
                {
                    if (drained && SLOTS.compareAndSet(s, i, entry, null)) // raced with drain(): take it back
                    {
                        break;
                    }
                    return;
                }
            }
        }
        discard(entry);
    }

    /** Drops a cipher without keeping it, after scrubbing it (also after a call that failed in an unexpected way). */
    void discard(final Entry entry)
    {
        if (entry.keyed)
        {
            entry.keyed = false;
            aead.scrub(entry.cipher);
        }
    }

    /** Scrubs and drops every idle cipher; later gives scrub and drop theirs. Idempotent. */
    void drain()
    {
        drained = true;
        final Entry[] s = slots;
        for (int i = 0; i < s.length; i++)
        {
            final Entry e = (Entry)SLOTS.getAndSet(s, i, null);
            if (e != null)
            {
                discard(e);
            }
        }
    }

    /** The number of idle ciphers; for tests. */
    int idle()
    {
        int n = 0;
        for (int i = 0; i < slots.length; i++)
        {
            if (SLOTS.getAcquire(slots, i) != null)
            {
                n++;
            }
        }
        return n;
    }
}
