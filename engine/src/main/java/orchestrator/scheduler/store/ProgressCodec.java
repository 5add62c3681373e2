package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * NOT thread safe: one per journal writer (encoding) or per recovery (decoding). The compact progress record
 * ({@link Frames#PROGRESS_COMPACT}): about 20 bytes for a task with a short name, against 60 for
 * {@link Frames#PROGRESS}.
 * <p>
 * Body: the entry count (int), a base instant (long), then per entry the name (varint length, UTF-8), the state's
 * ordinal (byte), the next fire as a zig-zag varint from the base, runs, missed and failures as varints, and the
 * running fire as 0 for none or 1 plus its zig-zag distance from the base. A batch too large for one frame is cut
 * into several, each whole.
 */
final class ProgressCodec
{
    private static final int BODY = Frames.HEADER;
    private static final int MAX_ENTRY_BYTES = 5 + 1 + 4 * 10 + 11; // plus the name's bytes

    private final long frameBodyLimit;
    private byte[] scratch = new byte[1 << 16];
    private int position;

    ProgressCodec(final long frameBodyLimit)
    {
        this.frameBodyLimit = Math.min(frameBodyLimit, Frames.MAX_BODY - Integer.BYTES);
    }

    /**
     * Encodes {@code batch} as one or more whole frames, handed to {@code frames} in order.
     */
    void encode(final ProgressBatch batch, final Consumer<byte[]> frames)
    {
        final int size = batch.size();
        final long base = size == 0 ? 0 : batch.nextFire(0);
        int from = 0;
        while (from < size)
        {
            position = BODY + Integer.BYTES;
            putLong(base);
            int i = from;
            while (i < size && (i == from || position - BODY < frameBodyLimit))
            {
                putEntry(batch, i, base);
                i++;
            }
            writeInt(BODY, i - from);
            frames.accept(Frames.seal(Frames.PROGRESS_COMPACT, scratch, position - BODY));
            from = i;
        }
    }

    private void putEntry(final ProgressBatch batch, final int i, final long base)
    {
        final String name = batch.name(i);
        ensure(MAX_ENTRY_BYTES + 3 * name.length());
        putName(name);
        scratch[position++] = batch.stateOrdinal(i);
        putVarLong(zigZag(batch.nextFire(i) - base));
        putVarLong(batch.runs(i));
        putVarLong(batch.missed(i));
        putVarLong(batch.failures(i));
        final long running = batch.runningFire(i);
        putVarLong(running == TaskProgress.NOT_RUNNING ? 0 : 1 + zigZag(running - base));
    }

    private void putName(final String name)
    {
        final int length = name.length();
        final int start = position;
        putVarLong(length);
        final int bytesAt = position;
        for (int c = 0; c < length; c++)
        {
            final char ch = name.charAt(c);
            if (ch >= 0x80)
            {
                position = start; // not ASCII: the UTF-8 length differs from the char count
                final byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
                putVarLong(utf8.length);
                System.arraycopy(utf8, 0, scratch, position, utf8.length);
                position += utf8.length;
                return;
            }
            scratch[bytesAt + c] = (byte)ch;
        }
        position = bytesAt + length;
    }

    private void ensure(final int bytes)
    {
        if (position + bytes > scratch.length)
        {
            scratch = Arrays.copyOf(scratch, Math.max(position + bytes, scratch.length * 2));
        }
    }

    private void putLong(final long value)
    {
        for (int shift = 56; shift >= 0; shift -= 8)
        {
            scratch[position++] = (byte)(value >>> shift);
        }
    }

    private void writeInt(final int at, final int value)
    {
        scratch[at] = (byte)(value >>> 24);
        scratch[at + 1] = (byte)(value >>> 16);
        scratch[at + 2] = (byte)(value >>> 8);
        scratch[at + 3] = (byte)value;
    }

    private void putVarLong(final long value)
    {
        long v = value;
        while ((v & ~0x7FL) != 0)
        {
            scratch[position++] = (byte)((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        scratch[position++] = (byte)v;
    }

    private static long zigZag(final long value)
    {
        return (value << 1) ^ (value >> 63);
    }

    private static long unZigZag(final long value)
    {
        return (value >>> 1) ^ -(value & 1);
    }

    /** Reads one compact progress body. */
    static ProgressBatch read(final ByteBuffer in)
    {
        final int count = in.getInt();
        if (count < 0 || count > in.remaining())
        {
            throw new IllegalArgumentException("impossible progress count " + count);
        }
        final long base = in.getLong();
        final ProgressBatch batch = new ProgressBatch(count);
        final TaskState[] states = TaskState.values();
        for (int i = 0; i < count; i++)
        {
            final long length = getVarLong(in);
            if (length < 0 || length > in.remaining())
            {
                throw new BufferUnderflowException();
            }
            final String name = new String(in.array(), in.arrayOffset() + in.position(), (int)length,
                StandardCharsets.UTF_8);
            in.position(in.position() + (int)length);
            final int state = in.get();
            if (state < 0 || state >= states.length)
            {
                throw new IllegalArgumentException("unknown task state " + state);
            }
            final long next = base + unZigZag(getVarLong(in));
            final long runs = getVarLong(in);
            final long missed = getVarLong(in);
            final long failures = getVarLong(in);
            final long running = getVarLong(in);
            batch.add(ProgressBatch.NO_SLOT, name, states[state], next, runs, missed, failures,
                running == 0 ? TaskProgress.NOT_RUNNING : base + unZigZag(running - 1));
        }
        return batch;
    }

    private static long getVarLong(final ByteBuffer in)
    {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            final byte b = in.get();
            value |= (long)(b & 0x7F) << shift;
            if (b >= 0)
            {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }
}
