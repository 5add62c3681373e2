package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

import java.util.Arrays;

import static orchestrator.scheduler.vault.SealedRecord.NONCE_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_HEADER_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_OVERHEAD;

/**
 * NOT thread safe (see {@link RecordCipher}): AES-256-GCM-SIV (RFC 8452) through Bouncy Castle's
 * {@code GCMSIVBlockCipher}.
 * <p>
 * <b>Caveat:</b> allocates per message (about 2.5 KiB at 64 B): GCM-SIV derives an encryption and a hash key from
 * every nonce, and Bouncy Castle's AES key schedule and GCM-SIV buffers are fresh arrays each time.
 */
final class AesGcmSivCipher extends RecordCipher
{
    private final AEADCipher cipher = Aead.AES_256_GCM_SIV.newCipher();
    private final byte[] key = new byte[KeyProvider.KEY_LENGTH];

    @Override
    void setKey(final byte[] key)
    {
        System.arraycopy(key, 0, this.key, 0, this.key.length);
        keyed = true;
    }

    @Override
    void seal(final byte[] payload, final byte[] record)
    {
        try
        {
            init(true, record);
            final int n = cipher.processBytes(payload, 0, payload.length, record, BODY_OFFSET);
            cipher.doFinal(record, BODY_OFFSET + n);
        }
        catch (final InvalidCipherTextException ex)
        {
            throw new IllegalStateException("encryption failed", ex); // cannot happen when encrypting
        }
        finally
        {
            cipher.reset(); // clears the cipher's buffered plaintext
        }
    }

    @Override
    byte[] open(final byte[] record)
    {
        final byte[] plain = new byte[record.length - SEALED_OVERHEAD];
        try
        {
            init(false, record);
            final int n = cipher.processBytes(record, BODY_OFFSET, record.length - BODY_OFFSET, plain, 0);
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

    @Override
    void scrub()
    {
        Arrays.fill(key, (byte)0);
        cipher.init(false, new ParametersWithIV(new KeyParameter(key), new byte[NONCE_LENGTH]));
        cipher.reset();
        keyed = false;
    }

    private void init(final boolean forEncryption, final byte[] record)
    {
        final KeyParameter param = new KeyParameter(key);
        cipher.init(forEncryption, new ParametersWithIV(param, record, SEALED_HEADER_LENGTH, NONCE_LENGTH));
        Arrays.fill(param.getKey(), (byte)0); // GCM-SIV derived its message keys from it already
        cipher.processAADBytes(associated, 0, associatedLength);
    }
}
