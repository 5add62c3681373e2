package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.AEADBlockCipher;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMSIVBlockCipher;

/**
 * Immutable and thread safe: the authenticated ciphers (Bouncy Castle lightweight API) a {@link CallbackVault} can
 * seal records with. Both take a 256-bit key, a 12-byte nonce and produce a 16-byte tag.
 */
public enum Aead
{
    /** AES-256 in Galois/Counter Mode (NIST SP 800-38D). The faster of the two; see {@link CallbackVault}. */
    AES_256_GCM(1)
    {
        @Override
        AEADBlockCipher newCipher()
        {
            return GCMBlockCipher.newInstance(AESEngine.newInstance());
        }
    },

    /**
     * AES-256-GCM-SIV (RFC 8452): nonce-misuse resistant, a repeated nonce reveals only whether two plaintexts are
     * equal; costs two passes and a per-nonce key derivation.
     */
    AES_256_GCM_SIV(2)
    {
        @Override
        AEADBlockCipher newCipher()
        {
            return new GCMSIVBlockCipher(AESEngine.newInstance());
        }
    };

    private final byte id;

    Aead(final int id)
    {
        this.id = (byte)id;
    }

    /** The byte identifying this cipher in a sealed record's header. */
    byte id()
    {
        return id;
    }

    /** A fresh, uninitialised cipher instance; instances are not thread safe and are used by one call only. */
    abstract AEADBlockCipher newCipher();

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
