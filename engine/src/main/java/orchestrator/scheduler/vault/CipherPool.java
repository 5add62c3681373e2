package orchestrator.scheduler.vault;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Thread safe: the idle ciphers of one {@link VaultKey}, kept between seals and opens so that a call skips the key
 * setup (AES key expansion and GHASH table, or the ChaCha key words) and allocates no cipher or scratch space.
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
     * Scrubbing overwrites a cipher's key-derived state (RecordCipher.scrub). Bouncy Castle clears an AES key
     * schedule when the engine is keyed again, and the GHASH table is overwritten in place; its copy of the hash
     * subkey is replaced by a new array, so the old one becomes garbage (not live heap). No cipher is ever used
     * after it was scrubbed unless it is keyed again: drain() runs when the key is wiped, after the last pin ended,
     * and every take and give happens under a pin.
     */
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(RecordCipher[].class);

    private final Aead aead;
    private final RecordCipher[] slots;
    private volatile boolean drained;

    CipherPool(final Aead aead, final int capacity)
    {
        if (capacity < 0)
        {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        this.aead = aead;
        this.slots = new RecordCipher[capacity];
    }

    /** A cipher for one call: an idle one, or a new, unkeyed one if none is idle. */
    RecordCipher take()
    {
        final RecordCipher[] s = slots;
        for (int i = 0; i < s.length; i++)
        {
            final RecordCipher c = (RecordCipher)SLOTS.getAcquire(s, i);
            if (c != null && SLOTS.compareAndSet(s, i, c, null))
            {
                return c;
            }
        }
        return aead.newRecordCipher();
    }

    /** Returns a cipher after a call that left it in a consistent state; scrubs it if the pool is full or drained. */
    void give(final RecordCipher cipher)
    {
        final RecordCipher[] s = slots;
        if (!drained)
        {
            for (int i = 0; i < s.length; i++)
            {
                // the compare-and-set publishes the cipher's state to the next taker
                if (SLOTS.getAcquire(s, i) == null && SLOTS.compareAndSet(s, i, null, cipher))
                {
                    if (drained && SLOTS.compareAndSet(s, i, cipher, null)) // raced with drain(): take it back
                    {
                        break;
                    }
                    return;
                }
            }
        }
        discard(cipher);
    }

    /** Drops a cipher without keeping it, after scrubbing it (also after a call that failed in an unexpected way). */
    void discard(final RecordCipher cipher)
    {
        if (cipher.keyed)
        {
            cipher.scrub();
        }
    }

    /** Scrubs and drops every idle cipher; later gives scrub and drop theirs. Idempotent. */
    void drain()
    {
        drained = true;
        final RecordCipher[] s = slots;
        for (int i = 0; i < s.length; i++)
        {
            final RecordCipher c = (RecordCipher)SLOTS.getAndSet(s, i, null);
            if (c != null)
            {
                discard(c);
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
