package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMSIVBlockCipher;

/**
 * Immutable and thread safe: the authenticated ciphers a {@link CallbackVault} can seal records with, all built on
 * Bouncy Castle's lightweight API. All take a 256-bit key, a 12-byte nonce and produce a 16-byte tag.
 * <p>
 * Which one is the default, and why, is measured in {@code results/vault-aead.md}; see
 * {@link CallbackVault#DEFAULT_AEAD}.
 */
public enum Aead
{
    /**
     * AES-256 in Galois/Counter Mode (NIST SP 800-38D). The key schedule and the 4 KiB GHASH table are computed
     * once per pooled cipher; an open allocates only its plaintext.
     */
    AES_256_GCM(1)
    {
        @Override
        RecordCipher newRecordCipher()
        {
            return new AesGcmCipher();
        }

        @Override
        AEADCipher newCipher()
        {
            return GCMBlockCipher.newInstance(AESEngine.newInstance());
        }
    },

    /**
     * AES-256-GCM-SIV (RFC 8452): nonce-misuse resistant, a repeated nonce reveals only whether two plaintexts are
     * equal; costs two passes and a per-nonce key derivation, and allocates about 2.5 KiB per message (Bouncy
     * Castle's {@code GCMSIVBlockCipher}).
     */
    AES_256_GCM_SIV(2)
    {
        @Override
        RecordCipher newRecordCipher()
        {
            return new AesGcmSivCipher();
        }

        @Override
        AEADCipher newCipher()
        {
            return new GCMSIVBlockCipher(AESEngine.newInstance());
        }
    },

    /**
     * ChaCha20-Poly1305 (RFC 8439): no table lookups, so no cache-timing channel in a pure-Java implementation; an
     * open allocates only its plaintext.
     */
    CHACHA20_POLY1305(3)
    {
        @Override
        RecordCipher newRecordCipher()
        {
            return new ChaCha20Poly1305Cipher();
        }

        @Override
        AEADCipher newCipher()
        {
            return new ChaCha20Poly1305();
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

    /** A fresh, unkeyed cipher the vault seals and opens records with; instances are not thread safe. */
    abstract RecordCipher newRecordCipher();

    /**
     * A fresh, uninitialised instance of Bouncy Castle's own AEAD class for this cipher: the reference the vault's
     * ciphers are tested against (and the implementation of {@link #AES_256_GCM_SIV}); not thread safe.
     */
    abstract AEADCipher newCipher();

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
