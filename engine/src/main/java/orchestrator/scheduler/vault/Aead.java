package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMSIVBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * Immutable and thread safe: the authenticated ciphers (Bouncy Castle lightweight API) a {@link CallbackVault} can
 * seal records with. All take a 256-bit key, a 12-byte nonce and produce a 16-byte tag.
 */
public enum Aead
{
    /**
     * AES-256 in Galois/Counter Mode (NIST SP 800-38D), the default; see {@link CallbackVault}. A kept cipher skips
     * its key setup (key expansion, hash subkey and 4 KiB multiplication table) on later messages.
     */
    AES_256_GCM(1, true)
    {
        @Override
        AEADCipher newCipher()
        {
            // Bouncy Castle's default multiplier (Tables4kGCMMultiplier): the 8 KiB and 64 KiB tables showed no
            // gain beyond noise for 64 B messages and cost more memory per pooled cipher; BasicGCMMultiplier was slower
            return GCMBlockCipher.newInstance(AESEngine.newInstance());
        }
    },

    /**
     * AES-256-GCM-SIV (RFC 8452): nonce-misuse resistant, a repeated nonce reveals only whether two plaintexts are
     * equal; costs two passes and a per-nonce key derivation.
     */
    AES_256_GCM_SIV(2, false)
    {
        @Override
        AEADCipher newCipher()
        {
            return new GCMSIVBlockCipher(AESEngine.newInstance());
        }
    },

    /**
     * ChaCha20-Poly1305 (RFC 8439): no table lookups, so no cache-timing channel in a pure-Java implementation, and
     * faster than AES in Bouncy Castle's pure-Java code; see {@code results/vault.md}.
     */
    CHACHA20_POLY1305(3, true)
    {
        @Override
        AEADCipher newCipher()
        {
            return new ChaCha20Poly1305();
        }
    };

    private static final byte[] ZERO_KEY = new byte[KeyProvider.KEY_LENGTH];

    private final byte id;
    /** Whether a keyed cipher accepts a new nonce without the key (GCM-SIV derives message keys from it each time). */
    private final boolean reusesKey;

    Aead(final int id, final boolean reusesKey)
    {
        this.id = (byte)id;
        this.reusesKey = reusesKey;
    }

    /** The byte identifying this cipher in a sealed record's header. */
    byte id()
    {
        return id;
    }

    /** A fresh, uninitialised cipher instance; instances are not thread safe. */
    abstract AEADCipher newCipher();

    /**
     * Initialises a pooled cipher for one message with the 12-byte nonce at {@code nonceOffset} of {@code buf}; the key
     * is set up only if the cipher has not been keyed with it yet (or the mode needs it for every message).
     */
    void init(
        final CipherPool.Entry entry, final boolean forEncryption, final KeyParameter key, final byte[] buf,
        final int nonceOffset)
    {
        final KeyParameter k = entry.keyed && reusesKey ? null : key;
        entry.cipher.init(forEncryption, new ParametersWithIV(k, buf, nonceOffset, SealedRecord.NONCE_LENGTH));
        entry.keyed = true;
    }

    /** Re-keys a cipher with an all-zero key so that nothing in it derives from the real key any more. */
    void scrub(final AEADCipher cipher)
    {
        cipher.init(false, new ParametersWithIV(new KeyParameter(ZERO_KEY), new byte[SealedRecord.NONCE_LENGTH]));
        cipher.reset();
    }

    /** The cipher with the given record id, or {@code null}. */
    static Aead byId(final byte id)
    {
        for (final Aead aead : values())
        {
            if (aead.id == id)
            {
                return aead;
            }
        }
        return null;
    }
}
