package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Thread safe (stateless but for a field of no meaning that keeps the reads ahead from being optimised away), called
 * for the journal's writer, one snapshot at a time (on the writer's thread or on a snapshot thread of its own): writes
 * a journal's snapshot and deletes the segments it covers.
 * <p>
 * Caveats: a crash at any step leaves either the old or the new snapshot with every segment it needs (see
 * {@link JournalWriter}'s design notes).
 */
final class JournalSnapshots
{
    private static final int SNAPSHOT_CHUNK = 1 << 20;
    private static final int AHEAD = 32; // tasks whose objects are read ahead of their encoding
    private static long touched;         // kept so that the reads ahead are not optimised away

    private JournalSnapshots()
    {
    }

    /**
     * Writes every task of {@code state} to {@code snapshot.tmp}, forces it, renames it over {@code snapshot.dat},
     * forces the directory and only then deletes the segments before {@code segmentNumber}.
     *
     * @param segmentNumber the first segment the snapshot does not cover (the current, empty one).
     * @return the snapshot's size in bytes.
     */
    static long write(final Path dir, final JournalOptions.ChannelFactory channels, final StoreState.Frozen state,
        final RecordWriter records, final long segmentNumber) throws IOException
    {
        final Path tmp = dir.resolve(JournalFiles.SNAPSHOT_TMP);
        final int count = state.size;
        long size = 0;
        try (FileChannel out = channels.open(tmp))
        {
            out.truncate(0);
            records.clear(); // the frames are encoded one after the other in its array, written out every chunk
            size += records.appendFrame().bytes(ByteBuffer.allocate(20).putInt(JournalRecovery.SNAPSHOT_FORMAT)
                .putLong(segmentNumber).putLong(count).array()).endFrame(Frames.SNAPSHOT_BEGIN);
            for (int i = 0; i < count; i++)
            {
                if ((i & (AHEAD - 1)) == 0)
                {
                    touched ^= touch(state.tasks, i + AHEAD, Math.min(count, i + 2 * AHEAD));
                }
                size += records.appendFrame().upsert(state.tasks[i], state.states[i], state.nextFires[i],
                    state.runs[i], state.missed[i], state.failures[i], state.runningFires[i]).endFrame(Frames.UPSERT);
                if (records.appended() >= SNAPSHOT_CHUNK)
                {
                    records.writeTo(out);
                }
            }
            size += records.appendFrame().bytes(ByteBuffer.allocate(8).putLong(count).array())
                .endFrame(Frames.SNAPSHOT_END);
            records.writeTo(out);
            out.force(true);
        }
        Files.move(tmp, dir.resolve(JournalFiles.SNAPSHOT), StandardCopyOption.ATOMIC_MOVE);
        JournalFiles.forceDirectory(dir);
        for (final Map.Entry<Long, Path> old : JournalFiles.segments(dir).headMap(segmentNumber).entrySet())
        {
            Files.delete(old.getValue());
        }
        return size;
    }

    /**
     * Reads the name and payload of {@code tasks[from, to)}. Their objects lie scattered over the heap, so encoding
     * them in turn waits for a few cache misses per task; read a stretch ahead, their misses overlap instead.
     */
    private static long touch(final StoredTask[] tasks, final int from, final int to)
    {
        long sum = 0;
        for (int i = from; i < to; i++)
        {
            final StoredTask task = tasks[i];
            final byte[] payload = task.payload();
            sum += task.name().length() + (payload == null ? 0 : payload.length);
        }
        return sum;
    }
}
