package orchestrator.scheduler.store;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * NOT thread safe: one per journal writer. Encodes progress records keyed by the engine's slot
 * ({@link Frames#PROGRESS_KEYED}): about 10 bytes for a task whose slot already named it in the segment, 20 for one
 * with a short name that it names.
 * <p>
 * Body: the entry count (int), a base instant (long), then per entry a key (varint: the engine's slot plus one,
 * shifted left by one, or 0 for no slot; its low bit set when the name follows), the name when the key says so
 * (varint length, UTF-8), the state's ordinal (byte), the next fire as a zig-zag varint from the base, runs, missed and
 * failures as varints, and the running fire as 0 for none or 1 plus its zig-zag distance from the base. A batch too
 * large for one frame is cut into several, each whole. The journal reads it back on open with {@link ReplayProgress}.
 * <p>
 * A key without a name stands for the name that the last entry of the same slot with a name carried, earlier in the
 * same segment: the codec writes a slot's name once per segment and again whenever the slot's name object changes
 * ({@link #segment} starts a segment), so that a round of a million tasks writes half the bytes, and the log reaches
 * the size that starts a snapshot half as often. Reading starts every segment with no slot named. The older
 * {@link Frames#PROGRESS_COMPACT} record (every entry named, no key) is still read.
 */
final class ProgressCodec
{
    /** The most bytes of appended frames kept in the array between batches (a batch of a million tasks: 37 MB). */
    static final int KEPT_BYTES = 64 << 20;
    private final long frameBodyLimit;
    private final RecordWriter out = new RecordWriter();
    private long segment = 1;                 // the stamp of the segment the frames are encoded for
    private long[] namedIn = new long[0];     // per slot: the stamp of the segment its name was last written in
    private String[] named = new String[0];   // per slot: that name object

    ProgressCodec(final long frameBodyLimit)
    {
        this.frameBodyLimit = Math.min(frameBodyLimit, Frames.MAX_BODY - Integer.BYTES);
    }

    /**
     * Starts the segment numbered {@code number}: every slot's name is written again before its key stands for it.
     * Frames encoded before the call, but written into the new segment, must be encoded again.
     */
    void segment(final long number)
    {
        segment = number + 1; // never the 0 of a slot not named yet
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
            ranges.frame(start, out.endFrame(Frames.PROGRESS_KEYED));
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
        final String name = batch.name(i);
        if (slot >= 0 && slot < named.length && namedIn[slot] == segment && named[slot] == name)
        {
            out.putVarLong((slot + 1L) << 1);
        }
        else
        {
            out.putVarLong(slot < 0 ? 1 : (slot + 1L) << 1 | 1);
            if (slot >= 0)
            {
                name(slot, name);
            }
            final int length = packed.packedLength(slot, name);
            if (length >= 0)
            {
                out.packedString(packed.name0(slot), packed.name1(slot), length);
            }
            else
            {
                out.varString(name);
            }
        }
        out.putByte(batch.stateOrdinal(i))
            .putVarLong(RecordWriter.zigZag(batch.nextFire(i) - base))
            .putVarLong(batch.runs(i))
            .putVarLong(batch.missed(i))
            .putVarLong(batch.failures(i))
            .putVarLong(running == TaskProgress.NOT_RUNNING ? 0 : 1 + RecordWriter.zigZag(running - base));
    }

    /** Notes that {@code slot}'s name is {@code name} in this segment from here on. */
    private void name(final int slot, final String name)
    {
        if (slot >= named.length)
        {
            final int capacity = Math.max(slot + 1, 2 * named.length);
            named = Arrays.copyOf(named, capacity);
            namedIn = Arrays.copyOf(namedIn, capacity);
        }
        named[slot] = name;
        namedIn[slot] = segment;
    }
}
