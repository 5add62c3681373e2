package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * NOT thread safe: confined to the journal's writer thread. The segment the journal appends to: its file, its number,
 * the end of the records written whole, and the bytes written since its last force.
 * <p>
 * A segment is forced before the next one is created (so only the last can be torn), and the directory is forced
 * after each create.
 */
final class JournalSegment
{
    /**
     * Progress is forced once this much of it is written, although no caller waits for it: a segment's force before
     * the next one starts then never holds the writer (and the callers behind it) for a whole segment's pages.
     */
    private static final long FORCE_BYTES = 2 << 20;

    private final Path dir;
    private final JournalOptions options;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    private FileChannel channel;
    private long number;
    private long position;
    private long unforced;

    /**
     * Opens the segment a recovery ended in, at the end of its last whole record.
     */
    JournalSegment(final Path dir, final JournalOptions options, final long number, final long position)
        throws IOException
    {
        this.dir = dir;
        this.options = options;
        this.number = number;
        this.position = position;
        final boolean created = !Files.exists(JournalFiles.segment(dir, number));
        this.channel = options.channels().open(JournalFiles.segment(dir, number));
        channel.position(position);
        if (created)
        {
            JournalFiles.forceDirectory(dir);
        }
    }

    long number()
    {
        return number;
    }

    /**
     * @return the end of the records written whole, in bytes.
     */
    long position()
    {
        return position;
    }

    /**
     * @return true when {@code bytes} more would take a segment that holds records past the segment size.
     */
    boolean full(final long bytes)
    {
        return position > 0 && position + bytes > options.segmentBytes();
    }

    /**
     * Appends a batch's frames, forced when the batch is durable or enough was written since the last force.
     */
    void append(final BatchFrames frames, final byte[] progressFrames, final long bytes, final boolean durable)
        throws IOException
    {
        frames.writeTo(channel, buffer, progressFrames);
        unforced += bytes;
        if (durable || unforced >= FORCE_BYTES)
        {
            channel.force(false);
            unforced = 0;
        }
        position += bytes;
    }

    /**
     * Forces this segment and starts the next one, unless this one is still empty.
     *
     * @return true when a new segment was started.
     */
    boolean roll() throws IOException
    {
        if (position == 0)
        {
            return false;
        }
        channel.force(false);
        channel.close();
        number++;
        channel = options.channels().open(JournalFiles.segment(dir, number));
        position = 0;
        unforced = 0;
        JournalFiles.forceDirectory(dir);
        return true;
    }

    /**
     * After a failed batch, cuts the segment back to the end of the last batch written whole and forces it, best
     * effort: the failed batch's records were refused to their callers, so they must not come back at the next open.
     */
    void cutBack(final Throwable failed)
    {
        try
        {
            if (channel.isOpen() && channel.size() > position)
            {
                channel.truncate(position);
                channel.force(false);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            failed.addSuppressed(ex); // the disk refuses this too: the next open may find the refused records
        }
    }

    /**
     * Closes the segment, forced first unless the journal failed.
     */
    void close(final boolean force) throws IOException
    {
        if (force)
        {
            channel.force(false);
        }
        channel.close();
    }
}
