package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NOT thread safe: the journal writer's. The frames of one write, in order: records' own frames, and ranges of the
 * progress codec's array, where progress frames are encoded in place ({@link ProgressCodec#append}).
 */
final class BatchFrames
{
    private final List<byte[]> frames = new ArrayList<>(); // a record's own frame, or null for the next range
    private int[] ranges = new int[16];                    // from, length pairs
    private int rangeCount;
    private long bytes;

    void add(final byte[] frame)
    {
        frames.add(frame);
        bytes += frame.length;
    }

    /** A progress frame at {@code [from, from + length)} of the codec's array. */
    void addRange(final int from, final int length)
    {
        if (rangeCount + 2 > ranges.length)
        {
            ranges = Arrays.copyOf(ranges, 2 * ranges.length);
        }
        ranges[rangeCount++] = from;
        ranges[rangeCount++] = length;
        frames.add(null);
        bytes += length;
    }

    /** @return the bytes of every frame added. */
    long bytes()
    {
        return bytes;
    }

    void clear()
    {
        frames.clear();
        rangeCount = 0;
        bytes = 0;
    }

    /**
     * Writes every frame, in order, to {@code out} through {@code buffer}; a frame larger than the buffer goes
     * straight from its array.
     *
     * @param progressFrames the codec's array the ranges lie in.
     */
    void writeTo(final FileChannel out, final ByteBuffer buffer, final byte[] progressFrames) throws IOException
    {
        buffer.clear();
        int range = 0;
        for (final byte[] frame : frames)
        {
            final byte[] array = frame != null ? frame : progressFrames;
            final int from = frame != null ? 0 : ranges[range];
            final int length = frame != null ? frame.length : ranges[range + 1];
            range += frame != null ? 0 : 2;
            if (buffer.remaining() < length)
            {
                buffer.flip();
                JournalFiles.writeFully(out, buffer);
                buffer.clear();
            }
            if (length > buffer.capacity())
            {
                JournalFiles.writeFully(out, ByteBuffer.wrap(array, from, length));
            }
            else
            {
                buffer.put(array, from, length);
            }
        }
        buffer.flip();
        JournalFiles.writeFully(out, buffer);
    }
}
