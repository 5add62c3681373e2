package orchestrator.scheduler.vault;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static orchestrator.scheduler.vault.SealedRecord.NONCE_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_HEADER_LENGTH;

/**
 * NOT thread safe, owned by one caller between {@link CipherPool#take()} and {@link CipherPool#give}: one keyed
 * instance of an {@link Aead} with the scratch space of one seal or open.
 * <p>
 * A record is {@code header (6) | nonce (12) | ciphertext | tag (16)} (see {@link SealedRecord}); a cipher seals and
 * opens it in place from the nonce in the record and the associated data set by {@link #associate}.
 */
abstract class RecordCipher
{
    /*
     * Why the ciphers are built here from Bouncy Castle primitives instead of BC's AEADCipher classes: every
     * AEADCipher.init allocates (GCMBlockCipher: its state, counter and hash blocks; ChaCha20Poly1305: the one-time
     * MAC key and its parameters), about 300-600 B per message in BC 1.80-1.87, and an open runs on every fire.
     * The GCM and ChaCha20-Poly1305 subclasses keep every block they need in fields, so an open allocates the
     * returned plaintext and nothing else. They also verify the tag before they decrypt: a record that fails to
     * open never produces plaintext (their shared seal and open are in EncryptThenMacCipher). Both are checked
     * against BC's own AEADCipher classes and the RFC / NIST test vectors in RecordCipherTest.
     */
    static final int BODY_OFFSET = SEALED_HEADER_LENGTH + NONCE_LENGTH;
    private static final int NAME_OFFSET = SEALED_HEADER_LENGTH + 16;

    /** Whether this cipher holds a key (and has not been scrubbed since). */
    boolean keyed;
    /** A fresh nonce of a seal, drawn here before it is copied into the record. */
    final byte[] nonce = new byte[NONCE_LENGTH];
    /** Associated data of the current call: record header, record id, version, task name in UTF-8. */
    byte[] associated = new byte[64];
    int associatedLength;

    /** Keys this cipher; it copies what it needs (the caller keeps and wipes {@code key}). */
    abstract void setKey(byte[] key);

    /**
     * Encrypts {@code payload} into {@code record}, whose header and nonce are in place, writing ciphertext and tag
     * after the nonce; authenticates the associated data set by {@link #associate}.
     */
    abstract void seal(byte[] payload, byte[] record);

    /**
     * Verifies a record (format and length already checked) against the associated data set by {@link #associate}
     * and, if its tag is valid, decrypts it into a new array owned by the caller.
     *
     * @return the plaintext, or {@code null} if the tag does not verify.
     */
    abstract byte[] open(byte[] record);

    /** Overwrites all key-derived state; the cipher must be keyed again before use. */
    abstract void scrub();

    /**
     * Sets the associated data for one call: the record header, record id, version and task name in UTF-8 (last, so
     * no length prefix is needed). Allocates nothing for an ASCII name once the scratch array is large enough.
     */
    final void associate(final byte[] record, final long recordId, final String taskName, final long version)
    {
        final int nameLength = taskName.length();
        byte[] ad = capacity(NAME_OFFSET + nameLength);
        System.arraycopy(record, 0, ad, 0, SEALED_HEADER_LENGTH);
        SealedRecord.writeLong(ad, SEALED_HEADER_LENGTH, recordId);
        SealedRecord.writeLong(ad, SEALED_HEADER_LENGTH + 8, version);
        for (int i = 0; i < nameLength; i++)
        {
            final char c = taskName.charAt(i);
            if (c >= 0x80)
            {
                final byte[] utf8 = taskName.getBytes(StandardCharsets.UTF_8);
                ad = capacity(NAME_OFFSET + utf8.length);
                System.arraycopy(utf8, 0, ad, NAME_OFFSET, utf8.length);
                associatedLength = NAME_OFFSET + utf8.length;
                return;
            }
            ad[NAME_OFFSET + i] = (byte)c;
        }
        associatedLength = NAME_OFFSET + nameLength;
    }

    private byte[] capacity(final int length)
    {
        if (associated.length < length)
        {
            associated = Arrays.copyOf(associated, Math.max(length, 2 * associated.length));
        }
        return associated;
    }
}
