package orchestrator.scheduler.vault;

import java.util.Arrays;
import java.util.Objects;

/**
 * Immutable and thread safe: one stored callback payload, either sealed with an AEAD or, in test mode, plain; durable
 * stores persist its {@linkplain #toBytes() encoding} and rebuild it with {@link #fromBytes}.
 * <p>
 * A record is opaque: it exposes its form, its key id and its {@linkplain #toBytes() encoding}, never the payload.
 * Encoding (big-endian):
 * <pre>
 * sealed: 0x01 | cipher id (1) | key id (4) | nonce (12) | ciphertext | tag (16)
 * plain:  0x00 | task id (8)   | version (8) | payload
 * </pre>
 * The header of a sealed record (format, cipher id, key id) is part of the associated data, together with the task
 * id, version and task name, so no byte of it can be changed without the tag failing.
 */
public final class SealedRecord
{
    static final byte FORMAT_PLAIN = 0x00;
    static final byte FORMAT_SEALED = 0x01;
    static final int SEALED_HEADER_LENGTH = 6;
    static final int NONCE_LENGTH = 12;
    static final int TAG_LENGTH = 16;
    static final int SEALED_OVERHEAD = SEALED_HEADER_LENGTH + NONCE_LENGTH + TAG_LENGTH;
    static final int PLAIN_HEADER_LENGTH = 17;

    /**
     * Never exposed: copied in {@link #fromBytes(byte[])} (or handed over to {@link #wrap}) and out in
     * {@link #toBytes()}; never written.
     */
    final byte[] bytes;

    SealedRecord(final byte[] bytes)
    {
        this.bytes = bytes;
    }

    /**
     * Rebuilds a record from its {@linkplain #toBytes() encoding} (copied). No validation happens here: a malformed or
     * altered encoding is reported by {@link CallbackVault#open} or {@link CallbackVault#runOpened} as a
     * {@link RecordOpenException}.
     */
    public static SealedRecord fromBytes(final byte[] encoded)
    {
        return new SealedRecord(Objects.requireNonNull(encoded, "encoded").clone());
    }

    /**
     * Rebuilds a record from its {@linkplain #toBytes() encoding} without copying it: the caller hands the array over
     * and must never modify it afterwards, as a store never modifies the array {@code StoredTask.payload()} returns.
     * A scheduler restoring a million stored tasks shares each task's encoding with its store this way instead of
     * holding a second copy. No validation happens here, as in {@link #fromBytes}.
     *
     * @param encoded a record's encoding, from then on owned by the record.
     * @return the record.
     */
    public static SealedRecord wrap(final byte[] encoded)
    {
        return new SealedRecord(Objects.requireNonNull(encoded, "encoded"));
    }

    /**
     * The id of the key that sealed the record an encoding holds, read without copying it: the same as
     * {@code fromBytes(encoded).keyId()}, for a store that scans many records.
     *
     * @param encoded a record's {@linkplain #toBytes() encoding}; not modified.
     * @return the key id, or {@code -1} if it is not a sealed record.
     */
    public static int keyIdOf(final byte[] encoded)
    {
        Objects.requireNonNull(encoded, "encoded");
        return encoded.length >= SEALED_OVERHEAD && encoded[0] == FORMAT_SEALED ? readInt(encoded, 2) : -1;
    }

    /** A copy of this record's encoding; for a plain record it contains the payload in clear. */
    public byte[] toBytes()
    {
        return bytes.clone();
    }

    /** Whether this is a plain (test-mode, unencrypted) record. */
    public boolean isPlain()
    {
        return bytes.length > 0 && bytes[0] == FORMAT_PLAIN;
    }

    /** Whether this record claims to be sealed; its tag is checked only when it is opened. */
    public boolean isSealed()
    {
        return bytes.length >= SEALED_OVERHEAD && bytes[0] == FORMAT_SEALED;
    }

    /** The id of the key that sealed this record, or {@code -1} if it is not a sealed record. */
    public int keyId()
    {
        return isSealed() ? readInt(bytes, 2) : -1;
    }

    /** Length of the encoding in bytes. */
    public int length()
    {
        return bytes.length;
    }

    /** Form, cipher, key id and length only; never payload, nonce or ciphertext. */
    @Override
    public String toString()
    {
        if (isSealed())
        {
            final Aead aead = Aead.byId(bytes[1]);
            return "SealedRecord[" + (aead == null ? "unknown cipher" : aead.name()) + ", keyId=" + keyId() + ", " +
                bytes.length + " bytes]";
        }
        return isPlain() ? "SealedRecord[plain, " + bytes.length + " bytes]" : "SealedRecord[malformed]";
    }

    /** A plain record: {@code 0x00 | record id | version | payload}. */
    static SealedRecord plain(final long recordId, final long version, final byte[] payload)
    {
        final byte[] out = new byte[PLAIN_HEADER_LENGTH + payload.length];
        out[0] = FORMAT_PLAIN;
        writeLong(out, 1, recordId);
        writeLong(out, 9, version);
        System.arraycopy(payload, 0, out, PLAIN_HEADER_LENGTH, payload.length);
        return new SealedRecord(out);
    }

    /**
     * The payload of a plain record's bytes (format and length already checked) as a new array.
     *
     * @throws RecordOpenException if the record belongs to another record id or version.
     */
    static byte[] openPlain(final byte[] bytes, final long recordId, final String taskName, final long version)
    {
        if (readLong(bytes, 1) != recordId || readLong(bytes, 9) != version)
        {
            throw new RecordOpenException(
                recordId, taskName, version, RecordOpenException.Reason.PLAIN_RECORD_MISMATCH);
        }
        return Arrays.copyOfRange(bytes, PLAIN_HEADER_LENGTH, bytes.length);
    }

    static int readInt(final byte[] b, final int off)
    {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    static void writeInt(final byte[] b, final int off, final int v)
    {
        b[off] = (byte)(v >>> 24);
        b[off + 1] = (byte)(v >>> 16);
        b[off + 2] = (byte)(v >>> 8);
        b[off + 3] = (byte)v;
    }

    static long readLong(final byte[] b, final int off)
    {
        return (long)readInt(b, off) << 32 | (readInt(b, off + 4) & 0xFFFF_FFFFL);
    }

    static void writeLong(final byte[] b, final int off, final long v)
    {
        writeInt(b, off, (int)(v >>> 32));
        writeInt(b, off + 4, (int)v);
    }
}
