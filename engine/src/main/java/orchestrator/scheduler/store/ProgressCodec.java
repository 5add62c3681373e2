package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
    private final long frameBodyLimit;
    private final RecordWriter out = new RecordWriter();

    ProgressCodec(final long frameBodyLimit)
    {
        this.frameBodyLimit = Math.min(frameBodyLimit, Frames.MAX_BODY - Integer.BYTES);
    }

    /**
     * Encodes {@code batch} as one or more whole frames, handed to {@code frames} in order.
     */
    void encode(final ProgressBatch batch, final Consumer<byte[]> frames)
    {
        encode(batch, new SlotProgress(), frames);
    }

    /**
     * As {@link #encode(ProgressBatch, Consumer)}; an entry whose slot holds its name packed in {@code packed} is
     * written from there instead of reading the name.
     */
    void encode(final ProgressBatch batch, final SlotProgress packed, final Consumer<byte[]> frames)
    {
        final int size = batch.size();
        final long base = size == 0 ? 0 : batch.nextFire(0);
        int from = 0;
        while (from < size)
        {
            final int countAt = out.begin().position();
            out.putInt(0).putLong(base);
            int i = from;
            while (i < size && (i == from || out.position() - Frames.HEADER < frameBodyLimit))
            {
                putEntry(batch, packed, i, base);
                i++;
            }
            out.putIntAt(countAt, i - from);
            frames.accept(out.frame(Frames.PROGRESS_COMPACT));
            from = i;
        }
    }

    private void putEntry(final ProgressBatch batch, final SlotProgress packed, final int i, final long base)
    {
        final long running = batch.runningFire(i);
        final int slot = batch.slot(i);
        final int length = packed.packedLength(slot, batch.name(i));
        if (length >= 0)
        {
            out.packedString(packed.name0(slot), packed.name1(slot), length);
        }
        else
        {
            out.varString(batch.name(i));
        }
        out.putByte(batch.stateOrdinal(i))
            .putVarLong(zigZag(batch.nextFire(i) - base))
            .putVarLong(batch.runs(i))
            .putVarLong(batch.missed(i))
            .putVarLong(batch.failures(i))
            .putVarLong(running == TaskProgress.NOT_RUNNING ? 0 : 1 + zigZag(running - base));
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
