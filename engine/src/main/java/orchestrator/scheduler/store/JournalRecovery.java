package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * NOT thread safe (runs once, on the thread that opens the journal, under the directory lock): rebuilds the tasks
 * from the snapshot and the segments after it.
 */
final class JournalRecovery
{
    private static final System.Logger LOG = System.getLogger("orchestrator.scheduler.Scheduler");
    private static final int SCAN_BYTES = 4 << 20;       // how far past a bad frame of the last segment to look
    private static final int SCAN_FRAME_BYTES = 1 << 20; // the largest frame that look takes
    /* Design.
     * A snapshot is complete or absent: it is written to snapshot.tmp, forced, then renamed, so any damage in it is
     * real damage and refuses the open. Segments are forced whole before the next one is started, so only the last
     * segment can end in a torn write (a process killed mid-write, or unforced pages lost with the power). There, a
     * bad frame is a torn tail and is cut off, unless its length field is plausible and a valid frame starts right
     * after it: that is a damaged record in the middle of the log, and the open is refused. A damaged length field
     * in the last segment cannot be told from a torn write; everything from it on is cut off (see the README).
     */

    /** The snapshot format written: rows in varints naming shared definitions (see {@link RecordCodec}). */
    static final int SNAPSHOT_FORMAT = 2;
    /** The format of snapshots written before format 2: one whole upsert per task; still read. */
    static final int SNAPSHOT_FORMAT_UPSERTS = 1;

    /**
     * Where the writer carries on.
     *
     * @param segment       the number of the segment to append to (it may not exist yet).
     * @param position      the end of its valid frames.
     * @param snapshotBytes the size of the snapshot, 0 when there is none.
     * @param logBytes      bytes of the segments the snapshot does not cover.
     * @param truncated     bytes of torn tail cut off.
     */
    record Recovered(long segment, long position, long snapshotBytes, long logBytes, long truncated)
    {
    }

    private final Path dir;
    private final StoreState state;
    private final RecordCodec.Repeats repeats = new RecordCodec.Repeats();
    private final ReplayProgress progress = new ReplayProgress();
    private byte[] snapshot;                // its rows' bodies, until their tasks are decoded
    private Path snapshotFile;
    private StoreState.Row[] snapshotRows;
    private RecordCodec.Definition[] definitions; // of a snapshot of format 2, null for format 1

    JournalRecovery(final Path dir, final StoreState state)
    {
        this.dir = dir;
        this.state = state;
    }

    /**
     * Reads the snapshot (each task by name and progress), replays the log since it, then decodes the snapshot's tasks
     * whole with their final progress.
     */
    Recovered recover() throws IOException
    {
        final Recovered recovered = replay();
        decodeSnapshotTasks();
        return recovered;
    }

    private Recovered replay() throws IOException
    {
        Files.deleteIfExists(dir.resolve(JournalFiles.SNAPSHOT_TMP));
        final Path snapshot = dir.resolve(JournalFiles.SNAPSHOT);
        final boolean hasSnapshot = Files.exists(snapshot);
        final long firstSegment = hasSnapshot ? readSnapshot(snapshot) : 1;
        final long snapshotBytes = hasSnapshot ? Files.size(snapshot) : 0;

        final TreeMap<Long, Path> segments = JournalFiles.segments(dir);
        boolean deleted = false;
        while (!segments.isEmpty() && segments.firstKey() < firstSegment)
        {
            Files.delete(segments.pollFirstEntry().getValue()); // covered by the snapshot: a compaction was cut short
            deleted = true;
        }
        if (deleted)
        {
            JournalFiles.forceDirectory(dir);
        }
        if (segments.isEmpty())
        {
            return new Recovered(firstSegment, 0, snapshotBytes, 0, 0);
        }
        if (segments.firstKey() != firstSegment)
        {
            throw new TaskStoreException("journal " + dir + " starts at " + segments.firstEntry().getValue() +
                " but " + (hasSnapshot ? "its snapshot covers only segments before " + firstSegment :
                "there is no snapshot") + ": segments are missing");
        }
        long expected = firstSegment;
        long logBytes = 0;
        long position = 0;
        long truncated = 0;
        for (final Map.Entry<Long, Path> entry : segments.entrySet())
        {
            if (entry.getKey() != expected)
            {
                throw new TaskStoreException("journal " + dir + " has no segment " + expected + " before " +
                    entry.getValue() + ": segments are missing");
            }
            final boolean last = entry.getKey().equals(segments.lastKey());
            final byte[] bytes = JournalFiles.read(entry.getValue());
            position = replaySegment(entry.getValue(), bytes, last);
            truncated += bytes.length - position;
            logBytes += position;
            expected++;
        }
        progress.fold();
        return new Recovered(segments.lastKey(), position, snapshotBytes, logBytes, truncated);
    }

    /** @return the number of the first segment the snapshot does not cover. */
    private long readSnapshot(final Path file) throws IOException
    {
        final byte[] b = JournalFiles.read(file);
        int offset = 0;
        int end = requireFrame(file, b, offset);
        if (b[offset + 8] != Frames.SNAPSHOT_BEGIN)
        {
            throw damaged(file, offset, "no snapshot header");
        }
        final ByteBuffer header = ByteBuffer.wrap(b, offset + Frames.HEADER, end - offset - Frames.HEADER);
        final int format = header.getInt();
        if (format != SNAPSHOT_FORMAT && format != SNAPSHOT_FORMAT_UPSERTS)
        {
            throw damaged(file, offset, "snapshot format " + format + ", this version reads " +
                SNAPSHOT_FORMAT_UPSERTS + " and " + SNAPSHOT_FORMAT);
        }
        final byte rowType = format == SNAPSHOT_FORMAT ? Frames.SNAPSHOT_ROW : Frames.UPSERT;
        final long nextSegment = header.getLong();
        final long count = header.getLong();
        if (count < 0 || count > (b.length - end) / Frames.HEADER)
        {
            throw damaged(file, offset, "impossible task count " + count + " in the snapshot header");
        }
        final int[] starts = new int[(int)count + 1]; // where each task's frame starts, by the frames' own lengths
        for (int i = 0; i < count; i++)
        {
            starts[i] = end;
            final long claimed = Frames.claimedEnd(b, end, b.length);
            if (claimed < 0 || claimed > b.length)
            {
                throw damaged(file, end, Frames.describe(Frames.check(b, end, b.length)));
            }
            end = (int)claimed;
        }
        starts[(int)count] = end;
        readTasks(file, b, starts, rowType);
        offset = end;
        end = requireFrame(file, b, offset);
        final List<RecordCodec.Definition> shared = new ArrayList<>();
        final RecordCodec.Repeats sharedRepeats = new RecordCodec.Repeats();
        while (format == SNAPSHOT_FORMAT && b[offset + 8] == Frames.DEFINITION)
        {
            final int number = shared.size() + 1;
            shared.add(read(file, b, offset, end, in -> SnapshotRows.readDefinition(in, number, sharedRepeats)));
            offset = end;
            end = requireFrame(file, b, offset);
        }
        definitions = format == SNAPSHOT_FORMAT ? shared.toArray(new RecordCodec.Definition[0]) : null;
        if (b[offset + 8] != Frames.SNAPSHOT_END || end != b.length)
        {
            throw damaged(file, offset, "snapshot does not end after its " + count + " tasks");
        }
        return nextSegment;
    }

    /**
     * Checks the snapshot's task frames and reads each task's name and progress into a row, on two threads (the tasks
     * are distinct, so their order does not matter), then stores the rows: reading a million tasks is the bulk of an
     * open. Their tasks are decoded whole after the replay ({@link #decodeSnapshotTasks}).
     */
    private void readTasks(final Path file, final byte[] b, final int[] starts, final byte rowType)
    {
        final int count = starts.length - 1;
        final StoreState.Row[] rows = new StoreState.Row[count];
        progress.reserveSeeds(count);
        Halves.run(file, count, (from, to) ->
        {
            final RecordCodec.Repeats repeats = new RecordCodec.Repeats();
            for (int i = from; i < to; i++)
            {
                final int offset = starts[i];
                final int end = requireFrame(file, b, offset);
                if (end != starts[i + 1] || b[offset + 8] != rowType)
                {
                    throw damaged(file, offset, "record type " + b[offset + 8] + " inside a snapshot");
                }
                final int body = offset + Frames.HEADER;
                rows[i] = read(file, b, offset, end, rowType == Frames.SNAPSHOT_ROW ?
                    in -> SnapshotRows.readRow(in, body) : in -> RecordCodec.readRow(in, repeats, body));
                progress.packSeed(i, rows[i].name); // while the name is in the cache
            }
        });
        progress.seed(state.load(rows)); // an engine restored from them touched them in this order
        snapshot = b;
        snapshotFile = file;
        snapshotRows = rows;
    }

    /**
     * Decodes the task of each snapshot row still held and not replaced by an upsert of the log, with the row's
     * progress: one {@link StoredTask} per task, on two threads.
     */
    private void decodeSnapshotTasks()
    {
        final StoreState.Row[] rows = snapshotRows;
        if (rows == null)
        {
            return;
        }
        final byte[] b = snapshot;
        final RecordCodec.Definition[] shared = definitions;
        Halves.run(snapshotFile, rows.length, (from, to) ->
        {
            final RecordCodec.Repeats repeats = new RecordCodec.Repeats();
            for (int i = from; i < to; i++)
            {
                final StoreState.Row row = rows[i];
                if (row.task == null && !row.removed)
                {
                    final int offset = row.snapshotAt - Frames.HEADER;
                    row.task = read(snapshotFile, b, offset, row.snapshotAt + row.snapshotLength, shared == null ?
                        in -> RecordCodec.readUpsert(in, repeats, row) :
                        in -> SnapshotRows.readTask(in, shared, repeats, row));
                }
            }
        });
        snapshot = null;
        snapshotRows = null;
        definitions = null;
    }

    /** @return the body of the frame {@code [offset, end)} read by {@code parse}; a malformed one is reported. */
    private static <T> T read(final Path file, final byte[] b, final int offset, final int end,
        final RecordCodec.Parser<T> parse)
    {
        try
        {
            return RecordCodec.parse(b, offset + Frames.HEADER, end - offset - Frames.HEADER, parse);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new TaskStoreException("journal record in " + file + " at offset " + offset +
                " has a valid checksum but cannot be read: " + ex.getMessage(), ex);
        }
    }

    private static int requireFrame(final Path file, final byte[] b, final int offset)
    {
        final int end = Frames.check(b, offset, b.length);
        if (end < 0)
        {
            throw damaged(file, offset, Frames.describe(end));
        }
        return end;
    }

    /** @return the end of the valid frames, after cutting off a torn tail of the last segment. */
    private long replaySegment(final Path file, final byte[] b, final boolean last) throws IOException
    {
        progress.segment(); // a keyed progress record's keys are named within their segment
        int offset = 0;
        while (offset < b.length)
        {
            final int end = Frames.check(b, offset, b.length);
            if (end >= 0)
            {
                apply(file, b, offset, end);
                offset = end;
                continue;
            }
            if (!last)
            {
                throw damaged(file, offset, Frames.describe(end) + " in a segment that was complete");
            }
            final long claimed = Frames.claimedEnd(b, offset, b.length);
            if (claimed > 0 && claimed < b.length && Frames.check(b, (int)claimed, b.length) >= 0)
            {
                throw damaged(file, offset, Frames.describe(end) + " before the tail (a valid record follows)");
            }
            final int later = validFrameAfter(b, offset);
            if (later >= 0)
            {
                // damage over several records, or pages a power loss left unwritten in the unforced tail: the two
                // look the same, so the log is cut as at a torn write, but the bytes cut are kept and it is said
                final Path kept = keepCut(file, b, offset);
                LOG.log(System.Logger.Level.WARNING, "journal file " + file + " has a bad record at offset " +
                    offset + " (" + Frames.describe(end) + ") and a valid one at offset " + later + ": the log is " +
                    "cut at " + offset + " as after a torn write, which loses the records after it unless a power " +
                    "loss left them unforced; the " + (b.length - offset) + " bytes cut are kept in " + kept);
            }
            truncate(file, offset);
            return offset;
        }
        return offset;
    }

    /**
     * @return the offset of the first frame of a known type that checks out within {@link #SCAN_BYTES} after
     *         {@code bad} (frames of at most {@link #SCAN_FRAME_BYTES}, so that garbage costs little to scan), or -1.
     */
    private static int validFrameAfter(final byte[] b, final int bad)
    {
        final int last = (int)Math.min(b.length - Frames.HEADER, (long)bad + SCAN_BYTES);
        for (int at = bad + 1; at <= last; at++)
        {
            final byte type = b[at + 8];
            final boolean known = type == Frames.UPSERT || type == Frames.REMOVE ||
                type == Frames.PROGRESS_COMPACT || type == Frames.PROGRESS_KEYED;
            if (known && Frames.check(b, at, (int)Math.min(b.length, (long)at + SCAN_FRAME_BYTES)) >= 0)
            {
                return at;
            }
        }
        return -1;
    }

    /** Writes {@code b[offset, end)} beside the segment, forced, before the segment is cut there. */
    private static Path keepCut(final Path file, final byte[] b, final int offset) throws IOException
    {
        final Path kept = file.resolveSibling("cut-" + file.getFileName() + "-at-" + offset);
        try (FileChannel channel = FileChannel.open(kept, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            final ByteBuffer cut = ByteBuffer.wrap(b, offset, b.length - offset);
            while (cut.hasRemaining())
            {
                channel.write(cut);
            }
            channel.force(false);
        }
        return kept;
    }

    private void apply(final Path file, final byte[] b, final int offset, final int end)
    {
        final byte type = b[offset + 8];
        final int body = offset + Frames.HEADER;
        final int length = end - body;
        try
        {
            switch (type)
            {
                case Frames.UPSERT:
                    progress.fold(); // the progress before it applies to the names held before it
                    state.upsert(RecordCodec.parse(b, body, length, in -> RecordCodec.readUpsert(in, repeats)));
                    break;
                case Frames.REMOVE:
                    progress.fold();
                    progress.removed(state.remove(RecordCodec.parse(b, body, length, RecordCodec::readRemove)));
                    break;
                case Frames.PROGRESS_COMPACT:
                    progress.read(b, body, length, state);
                    break;
                case Frames.PROGRESS_KEYED:
                    progress.readKeyed(b, body, length, state);
                    break;
                default:
                    throw new IllegalArgumentException("unknown record type " + type +
                        " (written by a newer version?)");
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw new TaskStoreException("journal record in " + file + " at offset " + offset +
                " has a valid checksum but cannot be read: " + ex.getMessage(), ex);
        }
    }

    private static void truncate(final Path file, final long size) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(size);
            channel.force(false);
        }
    }

    /**
     * The refusal of a damaged file, with the way out that works for it: a segment cut at the damage replays up to it
     * (moving a segment aside would leave a gap, refused in turn); a snapshot has no way out but a backup, because the
     * segments it covered are deleted.
     */
    private static TaskStoreException damaged(final Path file, final long offset, final String what)
    {
        final String wayOut = JournalFiles.SNAPSHOT.equals(file.getFileName().toString()) ?
            "restore the directory from a backup" :
            "restore the directory from a backup, or accept the loss of this file's records from the damage on by " +
            "truncating it to " + offset + " bytes";
        return new TaskStoreException("journal file " + file + " is damaged at offset " + offset + ": " + what +
            "; refusing to open it (" + wayOut + ")");
    }
}
