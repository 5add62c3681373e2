package orchestrator.scheduler.store;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.TreeMap;

/**
 * Thread safe (stateless): names and housekeeping of the files in a journal directory.
 * <pre>
 * journal.lock                     held with FileChannel.tryLock while the journal is open
 * segment-0000000000000001.log     frames, appended; numbered from 1 without gaps
 * snapshot.dat                     every task as of the start of segment N (named in its first frame)
 * snapshot.tmp                     a snapshot being written; deleted on open
 * </pre>
 */
final class JournalFiles
{
    static final String LOCK = "journal.lock";
    static final String SNAPSHOT = "snapshot.dat";
    static final String SNAPSHOT_TMP = "snapshot.tmp";
    private static final String SEGMENT_PREFIX = "segment-";
    private static final int READ_CHUNK = 1 << 20;
    private static final String SEGMENT_SUFFIX = ".log";

    private JournalFiles()
    {
    }

    /**
     * Reads a whole file of the journal, which the directory lock keeps from changing meanwhile, in reads of
     * {@value #READ_CHUNK} bytes straight into the array: {@code Files.readAllBytes} goes through a channel and a
     * temporary direct buffer, and took two to three times as long for a snapshot of a million tasks (262 MB: 100-250
     * ms against 60-70 ms). No mapping, whose lifetime would outlast the call and keep the file from being truncated
     * or replaced on some systems.
     *
     * @throws IOException when it cannot be read, is 2 GiB or more, or ends before its size.
     */
    /** The largest journal file {@link #read} reads: one Java array. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    static byte[] read(final Path file) throws IOException
    {
        try (FileInputStream in = new FileInputStream(file.toFile()))
        {
            final long size = in.getChannel().size();
            if (size > MAX_FILE_BYTES)
            {
                throw new IOException(file + " holds " + size + " bytes, more than a journal file can (2 GiB)");
            }
            final byte[] bytes = new byte[(int)size];
            int at = 0;
            while (at < bytes.length)
            {
                final int read = in.read(bytes, at, Math.min(READ_CHUNK, bytes.length - at));
                if (read < 0)
                {
                    throw new IOException(file + " ended after " + at + " of its " + size + " bytes");
                }
                at += read;
            }
            return bytes;
        }
    }

    static Path segment(final Path dir, final long number)
    {
        return dir.resolve(String.format("%s%016d%s", SEGMENT_PREFIX, number, SEGMENT_SUFFIX));
    }

    /** @return the segments in {@code dir} by number. */
    static TreeMap<Long, Path> segments(final Path dir) throws IOException
    {
        final TreeMap<Long, Path> segments = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, SEGMENT_PREFIX + "*" + SEGMENT_SUFFIX))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                final String digits = name.substring(SEGMENT_PREFIX.length(), name.length() - SEGMENT_SUFFIX.length());
                try
                {
                    segments.put(Long.parseLong(digits), file);
                }
                catch (final NumberFormatException ex)
                {
                    throw new TaskStoreException("journal " + dir + " holds a file it did not write: " + file);
                }
            }
        }
        return segments;
    }

    /**
     * Takes the directory's lock file, or refuses with the directory named.
     *
     * @return the lock; closing its channel releases it.
     */
    static FileLock lock(final Path dir) throws IOException
    {
        final FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        try
        {
            final FileLock lock = channel.tryLock();
            if (lock == null)
            {
                throw new TaskStoreException("journal " + dir.toAbsolutePath() + " is already open in another " +
                    "process (" + LOCK + " is locked); one journal has one owner");
            }
            return lock;
        }
        catch (final OverlappingFileLockException ex)
        {
            channel.close();
            throw new TaskStoreException("journal " + dir.toAbsolutePath() + " is already open in this process; " +
                "one journal has one owner", ex);
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            throw ex;
        }
    }

    /** Makes created, renamed and deleted entries of {@code dir} durable (a no-op where directories cannot be opened). */
    static void forceDirectory(final Path dir) throws IOException
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            if (Files.isDirectory(dir) && System.getProperty("os.name", "").startsWith("Windows"))
            {
                return; // Windows cannot open a directory as a channel; NTFS journals its metadata
            }
            throw ex;
        }
    }

    static void writeFully(final FileChannel channel, final ByteBuffer buffer) throws IOException
    {
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
    }
}
