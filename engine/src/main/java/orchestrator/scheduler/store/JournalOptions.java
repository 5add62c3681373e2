package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Immutable, so safe to share between threads: the tunables of a journal, fixed by {@link TaskStore#journal} and
 * varied by tests.
 *
 * @param segmentBytes a segment is closed and a new one started once a write would take it past this size.
 * @param compactBytes the writer snapshots before a batch that would take the log since the last snapshot past this
 *                     many bytes and past {@link JournalCompaction#LOG_BYTES_PER_TASK} a task; {@code Long.MAX_VALUE} turns it
 *                     off.
 * @param channels     opens the files the journal writes (segments and snapshots): tests inject failing channels.
 * @param progressFrameBytes a progress batch is written as several {@code PROGRESS} frames of at most about this
 *                     many bytes each (estimated from the names' lengths, never above a frame's limit), so that a
 *                     batch of a million tasks does not exceed one frame's 64 MiB.
 * @param snapshotBytes the largest snapshot the journal writes: a larger one is not renamed over the last (which
 *                     keeps its segments) and fails the journal, because a journal file is read whole into one array
 *                     at open ({@link JournalFiles#MAX_FILE_BYTES}).
 */
record JournalOptions(long segmentBytes, long compactBytes, ChannelFactory channels, int progressFrameBytes,
    long snapshotBytes)
{
    static final JournalOptions DEFAULTS =
        new JournalOptions(64L << 20, 64L << 20, JournalOptions::openForWrite, 16 << 20, JournalFiles.MAX_FILE_BYTES);

    /** Segments of {@code bytes}, compacted when the log reaches a segment's size (and the snapshot's). */
    JournalOptions withSegmentBytes(final long bytes)
    {
        return new JournalOptions(bytes, bytes, channels, progressFrameBytes, snapshotBytes);
    }

    JournalOptions withCompactBytes(final long bytes)
    {
        return new JournalOptions(segmentBytes, bytes, channels, progressFrameBytes, snapshotBytes);
    }

    JournalOptions withChannels(final ChannelFactory factory)
    {
        return new JournalOptions(segmentBytes, compactBytes, factory, progressFrameBytes, snapshotBytes);
    }

    JournalOptions withProgressFrameBytes(final int bytes)
    {
        return new JournalOptions(segmentBytes, compactBytes, channels, bytes, snapshotBytes);
    }

    JournalOptions withSnapshotBytes(final long bytes)
    {
        return new JournalOptions(segmentBytes, compactBytes, channels, progressFrameBytes, bytes);
    }

    /** Opens a file the journal writes, creating it if missing; positioned at 0. */
    interface ChannelFactory
    {
        FileChannel open(Path file) throws IOException;
    }

    static FileChannel openForWrite(final Path file) throws IOException
    {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
}
