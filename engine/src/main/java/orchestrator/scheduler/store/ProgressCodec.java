package orchestrator.scheduler.store;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * NOT thread safe: one per journal writer. Encodes the compact progress record
 * ({@link Frames#PROGRESS_COMPACT}): about 20 bytes for a task with a short name, against 60 for
 * {@link Frames#PROGRESS}.
 * <p>
 * Body: the entry count (int), a base instant (long), then per entry the name (varint length, UTF-8), the state's
 * ordinal (byte), the next fire as a zig-zag varint from the base, runs, missed and failures as varints, and the
 * running fire as 0 for none or 1 plus its zig-zag distance from the base. A batch too large for one frame is cut
 * into several, each whole. The journal reads it back on open with {@link ReplayProgress}.
 */
final class ProgressCodec
{
    /** The most bytes of appended frames kept in the array between batches (a batch of a million tasks: 37 MB). */
    static final int KEPT_BYTES = 64 << 20;
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
        out.clear();
        append(batch, packed, (from, length) -> frames.accept(Arrays.copyOfRange(out.array(), from, from + length)));
        out.clear();
    }

    /**
     * Encodes {@code batch} as one or more whole frames after those appended since {@link #clear}, in this codec's
     * own array, without a copy each: {@code ranges} hears where each lies in {@link #appended()}.
     */
    void append(final ProgressBatch batch, final SlotProgress packed, final FrameRanges ranges)
    {
        final int size = batch.size();
        final long base = size == 0 ? 0 : batch.nextFire(0);
        int from = 0;
        while (from < size)
        {
            final int start = out.appendFrame().position() - Frames.HEADER;
            final int countAt = out.position();
            out.putInt(0).putLong(base);
            int i = from;
            while (i < size && (i == from || out.position() - countAt < frameBodyLimit))
            {
                putEntry(batch, packed, i, base);
                i++;
            }
            out.putIntAt(countAt, i - from);
            ranges.frame(start, out.endFrame(Frames.PROGRESS_COMPACT));
            from = i;
        }
    }

    /** Where a frame was appended: {@code appended()[from, from + length)}. */
    interface FrameRanges
    {
        void frame(int from, int length);
    }

    /** @return the array the frames appended since {@link #clear} lie in; valid until the next append or clear. */
    byte[] appended()
    {
        return out.array();
    }

    /** Drops the frames appended; an array grown past {@link #KEPT_BYTES} is let go. */
    void clear()
    {
        out.clear();
        out.trim(KEPT_BYTES);
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
}
