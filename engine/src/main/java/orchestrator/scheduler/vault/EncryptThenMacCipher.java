package orchestrator.scheduler.vault;

import java.util.Arrays;

import static orchestrator.scheduler.vault.SealedRecord.SEALED_OVERHEAD;
import static orchestrator.scheduler.vault.SealedRecord.TAG_LENGTH;

/**
 * NOT thread safe (see {@link RecordCipher}): the seal and open of an AEAD built from a key stream and a MAC over the
 * associated data and the ciphertext (AES-GCM, ChaCha20-Poly1305); allocates nothing per message but the plaintext
 * that an open returns.
 */
abstract class EncryptThenMacCipher extends RecordCipher
{
    /*
     * A seal encrypts, then authenticates the ciphertext; an open authenticates the ciphertext and compares the tags in
     * constant time before it decrypts, so a record that fails to open never produces plaintext. The subclass keeps
     * its key stream, MAC state and scratch blocks in fields; every per-message block is wiped before a call returns.
     */

    /** The tag computed by {@link #authenticate}, wiped after each seal or open. */
    final byte[] tag = new byte[TAG_LENGTH];

    @Override
    final void seal(final byte[] payload, final byte[] record)
    {
        start(record);
        crypt(payload, 0, payload.length, record, BODY_OFFSET);
        authenticate(record, BODY_OFFSET, payload.length);
        System.arraycopy(tag, 0, record, BODY_OFFSET + payload.length, TAG_LENGTH);
        clear();
    }

    @Override
    final byte[] open(final byte[] record)
    {
        final int length = record.length - SEALED_OVERHEAD;
        start(record);
        authenticate(record, BODY_OFFSET, length);
        byte[] plain = null;
        if (org.bouncycastle.util.Arrays.constantTimeAreEqual(TAG_LENGTH, tag, 0, record, BODY_OFFSET + length))
        {
            plain = new byte[length];
            crypt(record, BODY_OFFSET, length, plain, 0);
        }
        clear();
        return plain;
    }

    /** Sets up one message from the nonce in {@code record}, its header and nonce in place. */
    abstract void start(byte[] record);

    /** {@code out = in XOR key stream}, continuing the key stream of the current message. */
    abstract void crypt(byte[] in, int inOffset, int length, byte[] out, int outOffset);

    /** Leaves in {@link #tag} the tag of the associated data and {@code length} bytes of ciphertext at {@code offset}. */
    abstract void authenticate(byte[] ciphertext, int offset, int length);

    /** Wipes the per-message state of the subclass. */
    abstract void clearMessage();

    /** Wipes the per-message state: the tag and the subclass's blocks. */
    final void clear()
    {
        Arrays.fill(tag, (byte)0);
        clearMessage();
    }
}
