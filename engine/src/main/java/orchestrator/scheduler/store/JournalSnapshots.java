package orchestrator.scheduler.store;

import orchestrator.scheduler.InterruptedFirePolicy;
import orchestrator.scheduler.OverlapPolicy;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

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
     * Opens {@code snapshot.tmp}, then takes the tasks to write from {@code freeze}, writes every one, forces the file,
     * renames it over {@code snapshot.dat}, forces the directory and only then deletes the segments before
     * {@code segmentNumber}.
     *
     * @param freeze the state to write, frozen once the file is open (on the thread that writes).
     * @param segmentNumber the first segment the snapshot does not cover (the current, empty one).
     * @return the snapshot's size in bytes.
     */
    static long write(final Path dir, final JournalOptions options, final Supplier<StoreState.Frozen> freeze,
        final RecordWriter records, final long segmentNumber) throws IOException
    {
        final Path tmp = dir.resolve(JournalFiles.SNAPSHOT_TMP);
        long size = 0;
        try (FileChannel out = options.channels().open(tmp))
        {
            out.truncate(0);
            final StoreState.Frozen state = freeze.get();
            final int count = state.size;
            records.clear(); // the frames are encoded one after the other in its array, written out every chunk
            size += records.appendFrame().bytes(ByteBuffer.allocate(20).putInt(JournalRecovery.SNAPSHOT_FORMAT)
                .putLong(segmentNumber).putLong(count).array()).endFrame(Frames.SNAPSHOT_BEGIN);
            final Definitions definitions = new Definitions();
            for (int i = 0; i < count; i++)
            {
                if ((i & (AHEAD - 1)) == 0)
                {
                    touched ^= touch(state.tasks, i + AHEAD, Math.min(count, i + 2 * AHEAD));
                }
                final StoredTask task = state.tasks[i];
                size += SnapshotRows.writeRow(records.appendFrame(), task, definitions.numberOf(task), state.states[i],
                    state.nextFires[i], state.runs[i], state.missed[i], state.failures[i], state.runningFires[i])
                    .endFrame(Frames.SNAPSHOT_ROW);
                if (records.appended() >= SNAPSHOT_CHUNK)
                {
                    requireFits(size, options);
                    records.writeTo(out);
                }
            }
            for (int number = 1; number <= definitions.first.size(); number++)
            {
                size += SnapshotRows.writeDefinition(records.appendFrame().putVarLong(number),
                    definitions.first.get(number - 1)).endFrame(Frames.DEFINITION);
            }
            size += records.appendFrame().bytes(ByteBuffer.allocate(8).putLong(count).array())
                .endFrame(Frames.SNAPSHOT_END);
            records.writeTo(out);
            out.force(true);
        }
        requireFits(size, options); // before the rename: the last snapshot and its segments stay
        Files.move(tmp, dir.resolve(JournalFiles.SNAPSHOT), StandardCopyOption.ATOMIC_MOVE);
        JournalFiles.forceDirectory(dir);
        for (final Map.Entry<Long, Path> old : JournalFiles.segments(dir).headMap(segmentNumber).entrySet())
        {
            Files.delete(old.getValue());
        }
        return size;
    }

    /**
     * Refuses a snapshot that could not be read back: the journal then fails (nothing more is acknowledged) and keeps
     * its last snapshot and segments, which a restart reads; the engine goes on firing from memory.
     */
    private static void requireFits(final long size, final JournalOptions options) throws IOException
    {
        if (size > options.snapshotBytes())
        {
            throw new IOException("a snapshot of more than " + options.snapshotBytes() + " bytes could not be read " +
                "back (a journal file is read whole into one array): the tasks' payloads are too large for one " +
                "journal; it keeps its last snapshot and segments");
        }
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

    /**
     * NOT thread safe: one per snapshot. Numbers the definitions the snapshot's tasks share from 1, in the order first
     * met, so that each row names its definition by number; past {@value #MAX} distinct ones, a task's definition
     * is written in its row (number 0).
     */
    private static final class Definitions
    {
        static final int MAX = 1 << 16;
        final List<StoredTask> first = new ArrayList<>(); // the first task of each number
        private final Map<Key, Integer> numbers = new HashMap<>();
        private StoredTask last;
        private int lastNumber;

        int numberOf(final StoredTask task)
        {
            if (last != null && last.sameDefinition(task)) // tasks usually come in runs of one definition
            {
                return lastNumber;
            }
            final Key key = Key.of(task);
            Integer number = numbers.get(key);
            if (number == null)
            {
                if (first.size() == MAX)
                {
                    return 0;
                }
                first.add(task);
                number = first.size();
                numbers.put(key, number);
            }
            last = task;
            lastNumber = number;
            return number;
        }
    }

    /** What tasks of one definition share: the fields {@link SnapshotRows#writeDefinition} writes. */
    private record Key(String schedule, CronDialect dialect, ZoneId zone, DstPolicy dst, String misfire,
        String handler, InterruptedFirePolicy onRestart, OverlapPolicy overlap, long timeoutMs, boolean interrupt)
    {
        static Key of(final StoredTask task)
        {
            return new Key(task.schedule(), task.dialect(), task.zone(), task.dst(), task.misfire().toString(),
                task.handler(), task.onRestart(), task.overlap(), task.timeoutMs(), task.interruptOnTimeout());
        }
    }
}
