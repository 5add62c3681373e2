package orchestrator.scheduler.store;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Thread safe (stateless): the frame every journal and snapshot record is written in.
 * <pre>
 * length u32 | crc32c u32 | type u8 | body (length bytes)       big-endian; crc32c covers length, type and body
 * </pre>
 * A frame is read back only whole and with a matching checksum; {@link #check} says why not otherwise.
 */
final class Frames
{
    static final int HEADER = 9;
    /** Bodies above this are refused when written and taken as garbage when read. */
    static final int MAX_BODY = 64 << 20;

    static final byte UPSERT = 1;
    static final byte REMOVE = 2;
    static final byte PROGRESS_COMPACT = 4;
    static final byte PROGRESS_KEYED = 5;
    static final byte SNAPSHOT_BEGIN = 10;
    static final byte SNAPSHOT_END = 11;
    /** A task in a snapshot of format 2 (see {@link RecordCodec}). */
    static final byte SNAPSHOT_ROW = 12;
    /** A definition that the rows of a snapshot of format 2 share, after its rows. */
    static final byte DEFINITION = 13;

    /** {@link #check} results: a whole, valid frame has a non-negative end. */
    static final int INCOMPLETE_HEADER = -1;
    static final int BAD_LENGTH = -2;
    static final int INCOMPLETE_BODY = -3;
    static final int BAD_CHECKSUM = -4;

    private Frames()
    {
    }

    /**
     * @return a whole frame around {@code body}, checksum included.
     */
    static byte[] frame(final byte type, final byte[] body)
    {
        final byte[] out = new byte[HEADER + body.length];
        System.arraycopy(body, 0, out, HEADER, body.length);
        sealInPlace(type, out, body.length);
        return out;
    }

    /**
     * Fills in the header of a frame whose body was written into {@code b} after {@link #HEADER} bytes.
     *
     * @return a copy of the whole frame.
     */
    static byte[] seal(final byte type, final byte[] b, final int bodyLength)
    {
        sealInPlace(type, b, bodyLength);
        return Arrays.copyOf(b, HEADER + bodyLength);
    }

    /** As {@link #seal}, without the copy: the frame is {@code b[0, HEADER + bodyLength)}. */
    static void sealInPlace(final byte type, final byte[] b, final int bodyLength)
    {
        sealInPlace(type, b, 0, bodyLength);
    }

    /** As {@link #seal}, without the copy, for the frame {@code b[offset, offset + HEADER + bodyLength)}. */
    static void sealInPlace(final byte type, final byte[] b, final int offset, final int bodyLength)
    {
        if (bodyLength > MAX_BODY)
        {
            throw new IllegalArgumentException("a record of " + bodyLength + " bytes is over the limit of " +
                MAX_BODY);
        }
        writeInt(b, offset, bodyLength);
        b[offset + 8] = type;
        writeInt(b, offset + 4, crc(b, offset, bodyLength));
    }

    /**
     * @return the end offset of the valid frame at {@code offset} within {@code limit}, or one of the negative codes.
     */
    static int check(final byte[] b, final int offset, final int limit)
    {
        if (limit - offset < HEADER)
        {
            return INCOMPLETE_HEADER;
        }
        final int length = readInt(b, offset);
        if (length < 0 || length > MAX_BODY)
        {
            return BAD_LENGTH;
        }
        if (limit - offset - HEADER < length)
        {
            return INCOMPLETE_BODY;
        }
        return readInt(b, offset + 4) == crc(b, offset, length) ? offset + HEADER + length : BAD_CHECKSUM;
    }

    /**
     * @return the end the frame at {@code offset} claims, if its length field is plausible; else -1.
     */
    static long claimedEnd(final byte[] b, final int offset, final int limit)
    {
        if (limit - offset < HEADER)
        {
            return -1;
        }
        final int length = readInt(b, offset);
        return length < 0 || length > MAX_BODY ? -1 : (long)offset + HEADER + length;
    }

    static String describe(final int code)
    {
        switch (code)
        {
            case INCOMPLETE_HEADER: return "incomplete frame header";
            case BAD_LENGTH: return "impossible frame length";
            case INCOMPLETE_BODY: return "frame body cut short";
            case BAD_CHECKSUM: return "CRC32C checksum mismatch";
            default: return "valid frame";
        }
    }

    private static int crc(final byte[] b, final int offset, final int length)
    {
        final CRC32C crc = new CRC32C();
        crc.update(b, offset, 4);
        crc.update(b, offset + 8, 1 + length);
        return (int)crc.getValue();
    }

    static int readInt(final byte[] b, final int off)
    {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    private static void writeInt(final byte[] b, final int off, final int v)
    {
        b[off] = (byte)(v >>> 24);
        b[off + 1] = (byte)(v >>> 16);
        b[off + 2] = (byte)(v >>> 8);
        b[off + 3] = (byte)v;
    }
}
