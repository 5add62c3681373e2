package orchestrator.scheduler.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract on {@link TaskStore#journal}, then what only a journal does: recovery from torn tails and damage,
 * ownership of its directory, failing disks, snapshots and compaction.
 */
class JournalTaskStoreTest extends TaskStoreContract
{
    @TempDir
    Path temp;
    private int dirs;

    @Override
    TaskStore newStore()
    {
        return TaskStore.journal(temp.resolve("journal-" + dirs++));
    }

    @Override
    TaskStore sameStoreAgain(final TaskStore closed)
    {
        final String text = closed.toString();
        return TaskStore.journal(Path.of(text.substring("TaskStore.journal(".length(), text.length() - 1)));
    }

    private JournalTaskStore journal(final Path dir, final JournalOptions options)
    {
        return new JournalTaskStore(dir, options);
    }

    private static List<StoredTask> openAndClose(final Path dir)
    {
        final TaskStore store = TaskStore.journal(dir);
        try
        {
            final List<StoredTask> tasks = new ArrayList<>(store.open());
            tasks.sort(Comparator.comparing(StoredTask::name));
            return tasks;
        }
        finally
        {
            store.close();
        }
    }

    /** @return the start offset of every frame in a file of whole frames. */
    private static List<Integer> frameStarts(final byte[] b)
    {
        final List<Integer> starts = new ArrayList<>();
        int offset = 0;
        while (offset < b.length)
        {
            starts.add(offset);
            offset = Frames.check(b, offset, b.length);
            assertTrue(offset > 0, "whole frames");
        }
        return starts;
    }

    private static void copy(final Path from, final Path to) throws IOException
    {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void shouldBeDurable()
    {
        assertTrue(TaskStore.journal(temp).isDurable());
    }

    @Test
    void shouldCutATornLastFrameAtEveryByteOffset() throws IOException
    {
        final Path original = temp.resolve("original");
        final TaskStore store = TaskStore.journal(original);
        store.open();
        final Map<String, StoredTask> model = new HashMap<>();
        for (int i = 0; i < 5; i++)
        {
            store.upsert(Tasks.handlerTask("t" + i, i));
            model.put("t" + i, Tasks.handlerTask("t" + i, i));
        }
        store.upsert(Tasks.handlerTask("last", 40));
        store.close();
        final Path segment = JournalFiles.segment(original, 1);
        final byte[] whole = Files.readAllBytes(segment);
        final List<Integer> starts = frameStarts(whole);
        final int lastStart = starts.get(starts.size() - 1);
        assertEquals(6, starts.size());
        for (int cut = lastStart; cut < whole.length; cut++)
        {
            final Path dir = temp.resolve("cut-" + cut);
            copy(original, dir);
            Files.write(JournalFiles.segment(dir, 1), Arrays.copyOf(whole, cut));
            assertEquals(sorted(model), openAndClose(dir), "cut at " + cut);
            assertEquals(lastStart, Files.size(JournalFiles.segment(dir, 1)), "torn tail removed, cut at " + cut);
        }
    }

    @Test
    void shouldCutGarbageAndZerosAfterTheLastFrameAndKeepWriting() throws IOException
    {
        for (final byte[] tail : List.of(new byte[4096], new byte[] {0, 0, 0, 20, 1, 2, 3, 4, 1, 9, 9},
            new byte[] {(byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, 1, 2, 3, 4, 5}))
        {
            final Path dir = temp.resolve("tail-" + dirs++);
            final TaskStore store = TaskStore.journal(dir);
            store.open();
            store.upsert(Tasks.handlerTask("a", 1));
            store.close();
            final long good = Files.size(JournalFiles.segment(dir, 1));
            Files.write(JournalFiles.segment(dir, 1), tail, StandardOpenOption.APPEND);
            final TaskStore again = TaskStore.journal(dir);
            again.open();
            assertEquals(good, Files.size(JournalFiles.segment(dir, 1)));
            again.upsert(Tasks.handlerTask("b", 2));
            again.close();
            assertEquals(List.of(Tasks.handlerTask("a", 1), Tasks.handlerTask("b", 2)), openAndClose(dir));
        }
    }

    @Test
    void shouldRefuseAFlippedByteInAnOldSegmentNamingFileAndOffset() throws IOException
    {
        final Path dir = temp.resolve("flip");
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS.withSegmentBytes(1_000).withCompactBytes(Long.MAX_VALUE));
        store.open();
        for (int i = 0; i < 40; i++)
        {
            store.upsert(Tasks.handlerTask("t" + i, i));
        }
        store.close();
        final TreeMap<Long, Path> segments = JournalFiles.segments(dir);
        assertTrue(segments.size() >= 3, "several segments: " + segments.keySet());
        final Path old = segments.firstEntry().getValue();
        final byte[] bytes = Files.readAllBytes(old);
        final List<Integer> starts = frameStarts(bytes);
        final int victim = starts.get(starts.size() / 2);
        for (final int at : List.of(victim + 2, victim + 6, victim + 8, victim + Frames.HEADER + 3))
        {
            final byte[] flipped = bytes.clone();
            flipped[at] ^= 0x10;
            Files.write(old, flipped);
            final TaskStoreException refused = assertThrows(TaskStoreException.class,
                () -> TaskStore.journal(dir).open(), "flip at " + at);
            assertTrue(refused.getMessage().contains(old.toString()), refused.getMessage());
            assertTrue(refused.getMessage().contains("offset " + victim), refused.getMessage());
        }
        Files.write(old, bytes);
        assertEquals(40, openAndClose(dir).size(), "positive control: the undamaged journal opens");

        bytes[victim + Frames.HEADER + 3] ^= 0x10;
        Files.write(old, bytes);
        final String advice = assertThrows(TaskStoreException.class, () -> TaskStore.journal(dir).open()).getMessage();
        assertTrue(advice.contains("truncating it to " + victim + " bytes"), advice);
        try (FileChannel channel = FileChannel.open(old, StandardOpenOption.WRITE))
        {
            channel.truncate(victim); // the way out the refusal gives
        }
        final int lost = starts.size() - starts.indexOf(victim);
        assertEquals(40 - lost, openAndClose(dir).size(), "the journal opens without the records cut");
    }

    @Test
    void shouldRefuseADamagedRecordBeforeTheTailOfTheLastSegment() throws IOException
    {
        final Path dir = temp.resolve("mid");
        final TaskStore store = TaskStore.journal(dir);
        store.open();
        for (int i = 0; i < 5; i++)
        {
            store.upsert(Tasks.handlerTask("t" + i, i));
        }
        store.close();
        final Path segment = JournalFiles.segment(dir, 1);
        final byte[] bytes = Files.readAllBytes(segment);
        final int victim = frameStarts(bytes).get(2);
        bytes[victim + Frames.HEADER + 5] ^= 1;
        Files.write(segment, bytes);
        final TaskStoreException refused = assertThrows(TaskStoreException.class, () -> TaskStore.journal(dir).open());
        assertTrue(refused.getMessage().contains(segment + " is damaged at offset " + victim), refused.getMessage());
    }

    /**
     * Damage over several records of the last segment (a sector of zeros) cannot be told from pages a power loss left
     * unwritten: the log is cut at the first bad record, but the bytes cut are kept beside the segment.
     */
    @Test
    void shouldKeepTheBytesCutAfterDamageOverSeveralRecordsOfTheLastSegment() throws IOException
    {
        final Path dir = temp.resolve("sector");
        final TaskStore store = TaskStore.journal(dir);
        store.open();
        for (int i = 0; i < 60; i++)
        {
            store.upsert(Tasks.handlerTask("t" + i, i));
        }
        store.close();
        final Path segment = JournalFiles.segment(dir, 1);
        final byte[] bytes = Files.readAllBytes(segment);
        final List<Integer> starts = frameStarts(bytes);
        final int first = starts.stream().filter(start -> start > 1024).findFirst().orElseThrow();
        final int victim = starts.get(starts.indexOf(first) - 1); // the record the sector begins in
        Arrays.fill(bytes, 1024, 1536, (byte)0);
        Files.write(segment, bytes);
        final List<StoredTask> opened = openAndClose(dir);
        assertEquals(starts.indexOf(victim), opened.size(), "the records before the damage");
        final Path kept = dir.resolve("cut-" + segment.getFileName() + "-at-" + victim);
        assertArrayEquals(Arrays.copyOfRange(bytes, victim, bytes.length), Files.readAllBytes(kept));
        assertEquals(victim, Files.size(segment));
    }

    @Test
    void shouldRefuseADamagedSnapshot() throws IOException
    {
        final Path dir = temp.resolve("snap");
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS);
        store.open();
        store.upsert(Tasks.handlerTask("a", 1));
        store.compact();
        store.close();
        final Path snapshot = dir.resolve(JournalFiles.SNAPSHOT);
        final byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length / 2] ^= 4;
        Files.write(snapshot, bytes);
        final TaskStoreException refused = assertThrows(TaskStoreException.class, () -> TaskStore.journal(dir).open());
        assertTrue(refused.getMessage().contains(snapshot.toString()), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("(restore the directory from a backup)"),
            "no way out but a backup: the segments it covered are gone; " + refused.getMessage());
    }

    /**
     * A snapshot larger than a journal file can be read back is not taken: the journal fails instead of renaming it
     * over the last one, and a reopen finds every acknowledged task in the last snapshot and its segments.
     */
    @Test
    void shouldRefuseToWriteASnapshotItCouldNotReadBack() throws IOException
    {
        final Path dir = temp.resolve("big");
        final JournalTaskStore store = journal(dir,
            JournalOptions.DEFAULTS.withCompactBytes(Long.MAX_VALUE).withSnapshotBytes(2_000));
        store.open();
        store.upsert(Tasks.handlerTask("first", 1));
        store.compact(); // small enough
        final Map<String, StoredTask> acknowledged = new HashMap<>(Map.of("first", Tasks.handlerTask("first", 1)));
        for (int i = 0; i < 40; i++)
        {
            store.upsert(Tasks.handlerTask("t" + i, i));
            acknowledged.put("t" + i, Tasks.handlerTask("t" + i, i));
        }
        final TaskStoreException refused = assertThrows(TaskStoreException.class, store::compact);
        assertTrue(refused.getMessage().contains("could not be read back"), refused.getMessage());
        assertFalse(Files.exists(dir.resolve(JournalFiles.SNAPSHOT_TMP)) &&
            Files.size(dir.resolve(JournalFiles.SNAPSHOT)) > 2_000, "the large snapshot was not renamed over the last");
        assertThrows(TaskStoreException.class, () -> store.upsert(Tasks.handlerTask("later", 1)));
        assertThrows(TaskStoreException.class, store::close);
        assertEquals(sorted(acknowledged), openAndClose(dir));
    }

    @Test
    void shouldReadALargeSnapshotOnTwoThreadsAndRefuseDamageInEitherHalf() throws IOException
    {
        final Path dir = temp.resolve("large-snapshot");
        Files.createDirectories(dir);
        final int count = 40_000; // past the size read on two threads
        final Map<String, StoredTask> model = new HashMap<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Frames.frame(Frames.SNAPSHOT_BEGIN, ByteBuffer.allocate(20) // format 1: a whole upsert per task
            .putInt(JournalRecovery.SNAPSHOT_FORMAT_UPSERTS).putLong(1).putLong(count).array()));
        final int[] offsets = new int[count];
        for (int i = 0; i < count; i++)
        {
            offsets[i] = out.size();
            final StoredTask task = i % 3 == 0 ? Tasks.handlerTask("t" + i, i) : Tasks.runnableTask("t" + i, i);
            model.put(task.name(), task);
            out.write(Frames.frame(Frames.UPSERT, RecordCodec.upsert(task)));
        }
        out.write(Frames.frame(Frames.SNAPSHOT_END, ByteBuffer.allocate(8).putLong(count).array()));
        final byte[] bytes = out.toByteArray();
        final Path snapshot = dir.resolve(JournalFiles.SNAPSHOT);
        Files.write(snapshot, bytes);
        assertEquals(sorted(model), openAndClose(dir));
        for (final int victim : new int[] {offsets[1_000], offsets[30_000]})
        {
            final byte[] damaged = bytes.clone();
            damaged[victim + Frames.HEADER + 2] ^= 1;
            Files.write(snapshot, damaged);
            final TaskStoreException refused =
                assertThrows(TaskStoreException.class, () -> TaskStore.journal(dir).open());
            assertTrue(refused.getMessage().contains(snapshot + " is damaged at offset " + victim),
                refused.getMessage());
        }
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameDirectoryInOneProcess()
    {
        final Path dir = temp.resolve("twice");
        final TaskStore first = TaskStore.journal(dir);
        first.open();
        final TaskStoreException refused = assertThrows(TaskStoreException.class, () -> TaskStore.journal(dir).open());
        assertTrue(refused.getMessage().contains(dir.toAbsolutePath().toString()), refused.getMessage());
        assertTrue(refused.getMessage().contains("already open"), refused.getMessage());
        first.upsert(Tasks.handlerTask("a", 1)); // the owner is undisturbed
        first.close();
        assertEquals(1, openAndClose(dir).size(), "the directory is free again after close");
    }

    @Test
    void shouldFailEveryWaitingCallerWhenTheDiskIsFullAndAcknowledgeNothingAfter() throws Exception
    {
        final Path dir = temp.resolve("full");
        final AtomicLong free = new AtomicLong(2_000);
        final JournalTaskStore store = journal(dir,
            JournalOptions.DEFAULTS.withChannels(FailingChannel.factory(free, new AtomicBoolean())));
        store.open();
        final Map<String, StoredTask> acknowledged = new HashMap<>();
        TaskStoreException failed = null;
        int i = 0;
        while (failed == null)
        {
            final StoredTask task = Tasks.handlerTask("t" + i, i);
            try
            {
                store.upsert(task);
                acknowledged.put(task.name(), task);
            }
            catch (final TaskStoreException ex)
            {
                failed = ex;
            }
            i++;
        }
        assertTrue(acknowledged.size() > 3, "some writes fit: " + acknowledged.size());
        assertTrue(failed.getMessage().contains("No space left on device"), failed.getMessage());
        free.set(1 << 20); // space again: the journal still refuses, it cannot know what reached the disk
        assertThrows(TaskStoreException.class, () -> store.upsert(Tasks.handlerTask("later", 1)));
        final CompletableFuture<Void> progress = store.recordProgress(List.of(Tasks.progress("t0", 5)));
        final ExecutionException refused = assertThrows(ExecutionException.class,
            () -> progress.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TaskStoreException.class, refused.getCause());
        assertThrows(TaskStoreException.class, store::close);
        assertEquals(sorted(acknowledged), openAndClose(dir));
    }

    @Test
    void shouldNotAcknowledgeAWriteWhoseForceFailed()
    {
        final Path dir = temp.resolve("fsync");
        final AtomicBoolean failForce = new AtomicBoolean();
        final JournalTaskStore store = journal(dir,
            JournalOptions.DEFAULTS.withChannels(FailingChannel.factory(new AtomicLong(1 << 20), failForce)));
        store.open();
        store.upsert(Tasks.handlerTask("a", 1));
        failForce.set(true);
        final TaskStoreException failed =
            assertThrows(TaskStoreException.class, () -> store.upsert(Tasks.handlerTask("b", 2)));
        assertTrue(failed.getMessage().contains("fsync"), failed.getMessage());
        assertThrows(TaskStoreException.class, () -> store.remove("a"));
        assertThrows(TaskStoreException.class, store::close);
        assertEquals(List.of(Tasks.handlerTask("a", 1)), openAndClose(dir), "the refused write is cut off");
    }

    /** An Error on the writer's thread (a direct buffer it cannot get) fails the callers; none waits forever. */
    @Test
    void shouldFailEveryCallerWhenTheWriterMeetsAnError() throws Exception
    {
        final Path dir = temp.resolve("error");
        final AtomicBoolean armed = new AtomicBoolean();
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS.withChannels(FailingChannel.erring(armed)));
        store.open();
        store.upsert(Tasks.handlerTask("a", 1));
        armed.set(true);
        final ExecutionException failed = assertThrows(ExecutionException.class,
            () -> store.upsertInOrder(Tasks.handlerTask("b", 2)).get(10, TimeUnit.SECONDS));
        assertInstanceOf(TaskStoreException.class, failed.getCause());
        assertTrue(failed.getCause().getMessage().contains("Direct buffer memory"), failed.getCause().getMessage());
        armed.set(false);
        assertThrows(ExecutionException.class,
            () -> store.upsertInOrder(Tasks.handlerTask("c", 3)).get(10, TimeUnit.SECONDS), "refused after it");
        assertThrows(TaskStoreException.class, store::close, "close reports the failure");
        assertEquals(List.of(Tasks.handlerTask("a", 1)), openAndClose(dir));
    }

    /** A store whose open failed can be opened again once the cause is gone. */
    @Test
    void shouldOpenAgainAfterAFailedOpen() throws IOException
    {
        final Path dir = temp.resolve("retry");
        final JournalTaskStore owner = journal(dir, JournalOptions.DEFAULTS);
        owner.open();
        final JournalTaskStore second = journal(dir, JournalOptions.DEFAULTS);
        assertThrows(TaskStoreException.class, second::open, "locked by the owner");
        owner.close();
        assertEquals(List.of(), second.open(), "the same store opens once the owner let go");
        second.close();
    }

    @Test
    void shouldWriteALargeProgressBatchAsSeveralFramesAndReadItBack() throws IOException
    {
        final Path dir = temp.resolve("split");
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS.withProgressFrameBytes(1_000));
        store.open();
        final Map<String, StoredTask> model = new HashMap<>();
        final List<TaskProgress> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            final StoredTask task = Tasks.runnableTask("t" + i, i);
            store.upsert(task);
            final TaskProgress progress = Tasks.progress(task.name(), 1_000 + i);
            batch.add(progress);
            model.put(task.name(), task.withProgress(progress));
        }
        store.recordProgress(batch).join();
        store.close();
        final byte[] segment = Files.readAllBytes(JournalFiles.segments(dir).lastEntry().getValue());
        final long progressFrames = frameStarts(segment).stream()
            .filter(start -> segment[start + 8] == Frames.PROGRESS_KEYED).count();
        assertTrue(progressFrames > 1, "one batch of 100 entries, frames of at most 1,000 bytes: " + progressFrames);
        assertEquals(sorted(model), openAndClose(dir));
    }

    @Test
    void shouldRecoverKeyedProgressWhoseBatchesStartSegmentsAndSnapshots() throws IOException
    {
        final JournalOptions[] variants = {
            JournalOptions.DEFAULTS.withSegmentBytes(2_000).withCompactBytes(Long.MAX_VALUE), // segments only
            JournalOptions.DEFAULTS.withSegmentBytes(2_000).withCompactBytes(6_000), // and snapshots behind the writer
        };
        for (int v = 0; v < variants.length; v++)
        {
            final Path dir = temp.resolve("keyed-" + v);
            final JournalTaskStore store = journal(dir, variants[v]);
            store.open();
            final List<String> names = new ArrayList<>();
            final Map<String, StoredTask> model = new TreeMap<>();
            for (int i = 0; i < 40; i++)
            {
                final StoredTask task = Tasks.runnableTask("task-" + i, i);
                names.add(task.name());
                store.upsert(task);
                model.put(task.name(), task);
            }
            final Random random = new Random(v);
            for (int round = 0; round < 200; round++)
            {
                final ProgressBatch batch = new ProgressBatch(names.size());
                for (int i = random.nextInt(names.size()); i < names.size(); i++) // the same slots, round after round
                {
                    final TaskProgress progress = Tasks.progress(names.get(i), round * 100L + i);
                    batch.add(i, names.get(i), progress.state(), progress.nextFire(), progress.runs(),
                        progress.missed(), progress.failures(), progress.runningFire());
                    model.put(names.get(i), model.get(names.get(i)).withProgress(progress));
                }
                store.recordProgress(batch).join();
            }
            store.close();
            assertTrue(JournalFiles.segments(dir).lastKey() > 10, "segments started: " + JournalFiles.segments(dir));
            assertEquals(List.copyOf(model.values()), openAndClose(dir), "variant " + v);
        }
    }

    @Test
    void shouldStillReadTheCompactProgressRecordThatJournalsWroteBeforeTheKeyedOne() throws IOException
    {
        final Path dir = temp.resolve("compact-progress");
        final TaskStore store = TaskStore.journal(dir);
        store.open();
        final List<StoredTask> tasks = List.of(Tasks.runnableTask("a", 1), Tasks.runnableTask("b", 2),
            Tasks.runnableTask("t\u00e4sk-3", 3));
        tasks.forEach(store::upsert);
        store.close();
        final List<TaskProgress> progress = List.of(Tasks.progress("a", 11), Tasks.progress("t\u00e4sk-3", 13),
            Tasks.progress("gone", 14)); // a name not held is ignored, as it always was
        Files.write(JournalFiles.segments(dir).lastEntry().getValue(),
            Frames.frame(Frames.PROGRESS_COMPACT, ProgressRecords.compactBody(progress)), StandardOpenOption.APPEND);
        assertEquals(List.of(tasks.get(0).withProgress(progress.get(0)), tasks.get(1),
            tasks.get(2).withProgress(progress.get(1))), openAndClose(dir));
    }

    @Test
    void shouldSnapshotAtACleanCloseOnlyWhenTheLogHasGrownPastAMebibyte() throws IOException
    {
        final Path dir = temp.resolve("close-compact");
        final Map<String, StoredTask> model = new HashMap<>();
        final TaskStore store = TaskStore.journal(dir);
        store.open();
        for (int i = 0; i < 200; i++)
        {
            final StoredTask task = Tasks.runnableTask("t" + i, i);
            store.upsert(task);
            model.put(task.name(), task);
        }
        store.close();
        assertFalse(Files.exists(dir.resolve(JournalFiles.SNAPSHOT)), "a small log is left to be replayed");

        final TaskStore again = TaskStore.journal(dir);
        again.open();
        for (int round = 0; round < 300; round++) // about 1.5 MiB of progress
        {
            final List<TaskProgress> batch = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                final TaskProgress progress = Tasks.progress("t" + i, 1_000_000L * round + i);
                batch.add(progress);
                model.put(progress.name(), model.get(progress.name()).withProgress(progress));
            }
            again.recordProgress(batch);
        }
        again.close();
        assertTrue(Files.exists(dir.resolve(JournalFiles.SNAPSHOT)), "the close snapshotted");
        for (final Path segment : JournalFiles.segments(dir).values())
        {
            assertEquals(0, Files.size(segment), "every segment the snapshot covers is gone: " + segment);
        }
        assertEquals(sorted(model), openAndClose(dir));
    }

    @Test
    void shouldSnapshotOnceTheLogSinceTheSnapshotPassesItsBoundPerTaskSoThatAKillLeavesLittleToReplay() throws Exception
    {
        final Path dir = temp.resolve("bound");
        // segments far larger than the log: only the log's size against the tasks held starts a snapshot
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS.withCompactBytes(1_024));
        store.open();
        final Map<String, StoredTask> model = new HashMap<>();
        for (int i = 0; i < 200; i++)
        {
            final StoredTask task = Tasks.handlerTask("t" + i, i);
            store.upsert(task);
            model.put(task.name(), task);
        }
        store.compact();
        long batchBytes = 0;
        int snapshots = 0;
        for (int round = 1; round <= 100; round++)
        {
            final List<TaskProgress> batch = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                final TaskProgress progress = Tasks.progress("t" + i, 1_000_000L * round + i);
                batch.add(progress);
                model.put(progress.name(), model.get(progress.name()).withProgress(progress));
            }
            final long before = logBytes(dir);
            store.recordProgress(batch).get();
            batchBytes = Math.max(batchBytes, logBytes(dir) - before);
            final StoredTask marker = Tasks.runnableTask("marker", round);
            store.upsert(marker); // durable: written after the batch, and after the snapshot it may have started
            model.put(marker.name(), marker);
            final long log = logBytes(dir);
            final long bound = (long)model.size() * JournalCompaction.LOG_BYTES_PER_TASK;
            snapshots += log < before ? 1 : 0;
            assertTrue(log <= bound, "round " + round + ": the log since the snapshot holds " + log + " bytes, the " +
                "bound " + bound + ", a batch " + batchBytes);
        }
        store.close();
        assertTrue(snapshots >= 10, "the writer snapshotted by itself " + snapshots + " times");
        assertEquals(sorted(model), openAndClose(dir));
    }

    private static long logBytes(final Path dir) throws IOException
    {
        long bytes = 0;
        for (final Path segment : JournalFiles.segments(dir).values())
        {
            try
            {
                bytes += Files.size(segment);
            }
            catch (final NoSuchFileException ex)
            {
                // deleted meanwhile by a snapshot written behind the writer: no longer part of the log
            }
        }
        return bytes;
    }

    @Test
    void shouldSnapshotDeleteCoveredSegmentsAndReopenTheSame() throws IOException
    {
        final Path dir = temp.resolve("compact");
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS.withSegmentBytes(2_000).withCompactBytes(Long.MAX_VALUE));
        store.open();
        final Map<String, StoredTask> model = new HashMap<>();
        for (int i = 0; i < 200; i++)
        {
            final StoredTask task = Tasks.handlerTask("t" + (i % 30), i);
            store.upsert(task);
            model.put(task.name(), task);
            if (i % 7 == 0)
            {
                store.remove("t" + (i % 11));
                model.remove("t" + (i % 11));
            }
        }
        store.compact();
        assertTrue(Files.exists(dir.resolve(JournalFiles.SNAPSHOT)));
        final TreeMap<Long, Path> segments = JournalFiles.segments(dir);
        assertEquals(1, segments.size(), "covered segments deleted: " + segments.keySet());
        assertEquals(0, Files.size(segments.firstEntry().getValue()));
        store.upsert(Tasks.runnableTask("after", 3));
        model.put("after", Tasks.runnableTask("after", 3));
        store.close();
        assertEquals(sorted(model), openAndClose(dir));
    }

    /** Durable writes made while a snapshot is held: well within the log's bound (twice where the snapshot starts). */
    private static final int AFTER_SNAPSHOT_STARTED = 10;

    @Test
    void shouldAcknowledgeWritesWhileASnapshotIsWrittenBehindThem() throws Exception
    {
        final Path dir = temp.resolve("behind");
        final AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(1));
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS.withSegmentBytes(2_000)
            .withCompactBytes(20_000).withChannels(FailingChannel.gatedSnapshots(gate)));
        store.open();
        final Map<String, StoredTask> model = new HashMap<>();
        final int[] afterStart = new int[1];
        final Thread writes = new Thread(() ->
        {
            for (int i = 0; i < 1_000 && afterStart[0] < AFTER_SNAPSHOT_STARTED; i++)
            {
                final StoredTask task = Tasks.handlerTask("t" + (i % 40), i);
                store.upsert(task); // durable when it returns
                model.put(task.name(), task);
                if (Files.exists(dir.resolve(JournalFiles.SNAPSHOT_TMP))) // a snapshot is being written behind
                {
                    afterStart[0]++;
                }
            }
        }, "writes");
        writes.start();
        writes.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(writes.isAlive(), "every durable write returned while the snapshot's writes were held");
        assertEquals(AFTER_SNAPSHOT_STARTED, afterStart[0], "writes went on after the snapshot started");
        assertFalse(Files.exists(dir.resolve(JournalFiles.SNAPSHOT)), "the snapshot was still held at its gate");
        assertTrue(JournalFiles.segments(dir).size() > 2, "the segments it would cover are kept until it is done");
        gate.get().countDown();
        store.close(); // waits for the snapshot in progress
        assertTrue(Files.exists(dir.resolve(JournalFiles.SNAPSHOT)), "the snapshot completed");
        assertEquals(sorted(model), openAndClose(dir));
    }

    @Test
    void shouldMatchAReferenceModelThroughRandomWritesCompactionsAndReopens() throws Exception
    {
        final Path dir = temp.resolve("model");
        final Random random = new Random(12);
        final Map<String, StoredTask> model = new HashMap<>();
        int maxSegments = 0;
        for (int round = 0; round < 8; round++)
        {
            final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS.withSegmentBytes(4_096));
            final List<StoredTask> found = new ArrayList<>(store.open());
            found.sort(Comparator.comparing(StoredTask::name));
            assertEquals(sorted(model), found, "round " + round);
            for (int op = 0; op < 400; op++)
            {
                final String name = "t" + random.nextInt(60);
                final int kind = random.nextInt(10);
                if (kind < 5)
                {
                    final StoredTask task = random.nextBoolean() ? Tasks.handlerTask(name, op) :
                        Tasks.runnableTask(name, op);
                    store.upsert(task);
                    model.put(name, task);
                }
                else if (kind < 7)
                {
                    store.remove(name);
                    model.remove(name);
                }
                else if (kind < 9)
                {
                    final TaskProgress progress = Tasks.progress(name, op);
                    store.recordProgress(List.of(progress));
                    model.computeIfPresent(name, (n, task) -> task.withProgress(progress));
                }
                else if (random.nextInt(20) == 0)
                {
                    store.compact();
                }
                maxSegments = Math.max(maxSegments, JournalFiles.segments(dir).size());
            }
            store.close();
        }
        assertTrue(maxSegments <= 4, "the writer compacts by itself: at most " + maxSegments + " segments");
    }

    /** A journal whose snapshot is of format 1 (a whole upsert per task), as journals wrote before format 2. */
    @Test
    void shouldOpenASnapshotOfTheFormatBeforeAndRewriteItInTheCurrentOne() throws IOException
    {
        final Path dir = Files.createDirectories(temp.resolve("format-1"));
        for (final String file : List.of(JournalFiles.SNAPSHOT, "segment-0000000000000002.log"))
        {
            try (var in = getClass().getResourceAsStream("journal-v1/" + file))
            {
                Files.copy(in, dir.resolve(file));
            }
        }
        final List<StoredTask> expected = sorted(Map.of(
            "handler-a", Tasks.handlerTask("handler-a", 7),
            "handler-b", Tasks.handlerTask("handler-b", 8).withProgress(Tasks.progress("handler-b", 11)),
            "runnable-\u00e9t\u00e9", Tasks.runnableTask("runnable-\u00e9t\u00e9", 9),
            "once", Tasks.onceTask("once", 10),
            "after-snapshot", Tasks.runnableTask("after-snapshot", 12)));
        assertEquals(1, ByteBuffer.wrap(Files.readAllBytes(dir.resolve(JournalFiles.SNAPSHOT)), Frames.HEADER, 4)
            .getInt(), "the fixture is of format 1");
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS);
        final List<StoredTask> opened = new ArrayList<>(store.open());
        opened.sort(Comparator.comparing(StoredTask::name));
        assertEquals(expected, opened);
        store.compact();
        store.close();
        assertEquals(JournalRecovery.SNAPSHOT_FORMAT, ByteBuffer.wrap(Files.readAllBytes(
            dir.resolve(JournalFiles.SNAPSHOT)), Frames.HEADER, 4).getInt(), "compacted into the current format");
        assertEquals(expected, openAndClose(dir));
    }

    /**
     * Rows share the definitions of a snapshot by number up to its limit, past which each row carries its own: both
     * read back, whatever the order of the tasks' definitions.
     */
    @Test
    void shouldSnapshotTasksOfManyDefinitionsAndReadThemBack() throws IOException
    {
        final Path dir = Files.createDirectories(temp.resolve("definitions"));
        final StoreState state = new StoreState();
        final Map<String, StoredTask> model = new HashMap<>();
        final Random random = new Random(5);
        for (int i = 0; i < 70_000; i++) // past the 65,536 definitions a snapshot numbers
        {
            final String name = "t" + i;
            final StoredTask task = i % 3 == 0 ? Tasks.handlerTask(name, i) : i % 3 == 1 ? Tasks.runnableTask(name, i) :
                Tasks.onceTask(name, i);
            final StoredTask distinct = random.nextInt(4) == 0 ? task : new StoredTask(name, task.schedule(),
                task.dialect(), task.zone(), task.dst(), task.misfire(), task.handler(), task.recordId(),
                task.recordVersion(), task.payload(), task.progress(), task.onRestart(), task.overlap(), i,
                i % 2 == 0); // a timeout of its own: a definition of its own
            state.upsert(distinct);
            model.put(name, distinct);
        }
        JournalSnapshots.write(dir, JournalOptions.DEFAULTS, () -> state.freeze(null), new RecordWriter(), 1);
        final StoreState read = new StoreState();
        new JournalRecovery(dir, read).recover();
        final List<StoredTask> tasks = new ArrayList<>(read.tasks());
        tasks.sort(Comparator.comparing(StoredTask::name));
        assertEquals(sorted(model), tasks);

        final Path snapshot = dir.resolve(JournalFiles.SNAPSHOT);
        final byte[] bytes = Files.readAllBytes(snapshot);
        final List<Integer> starts = frameStarts(bytes);
        final int lastDefinition = starts.get(starts.size() - 2);
        assertEquals(Frames.DEFINITION, bytes[lastDefinition + 8]);
        for (final int victim : new int[] {starts.get(60_000), lastDefinition}) // a row of the second half, a definition
        {
            final byte[] damaged = bytes.clone();
            damaged[victim + Frames.HEADER + 1] ^= 1;
            Files.write(snapshot, damaged);
            final TaskStoreException refused =
                assertThrows(TaskStoreException.class, () -> new JournalRecovery(dir, new StoreState()).recover());
            assertTrue(refused.getMessage().contains(snapshot + " is damaged at offset " + victim),
                refused.getMessage());
        }
    }

    @Test
    void shouldIgnoreAnUnfinishedSnapshotAndSegmentsLeftByAnInterruptedCompaction() throws IOException
    {
        final Path dir = temp.resolve("leftovers");
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS);
        store.open();
        store.upsert(Tasks.handlerTask("a", 1));
        store.close();
        final byte[] oldSegment = Files.readAllBytes(JournalFiles.segment(dir, 1));
        final JournalTaskStore again = journal(dir, JournalOptions.DEFAULTS);
        again.open();
        again.upsert(Tasks.handlerTask("b", 2));
        again.compact();
        again.close();
        Files.write(JournalFiles.segment(dir, 1), oldSegment); // the delete did not happen
        Files.write(dir.resolve(JournalFiles.SNAPSHOT_TMP), new byte[] {1, 2, 3}); // a snapshot cut short
        assertEquals(List.of(Tasks.handlerTask("a", 1), Tasks.handlerTask("b", 2)), openAndClose(dir));
        assertTrue(Files.notExists(JournalFiles.segment(dir, 1)));
        assertTrue(Files.notExists(dir.resolve(JournalFiles.SNAPSHOT_TMP)));
    }

    @Test
    void shouldRefuseAJournalWithAMissingSegment() throws IOException
    {
        final Path dir = temp.resolve("gap");
        final JournalTaskStore store = journal(dir, JournalOptions.DEFAULTS.withSegmentBytes(500).withCompactBytes(Long.MAX_VALUE));
        store.open();
        for (int i = 0; i < 20; i++)
        {
            store.upsert(Tasks.handlerTask("t" + i, i));
        }
        store.close();
        Files.delete(JournalFiles.segment(dir, 2));
        final TaskStoreException refused = assertThrows(TaskStoreException.class, () -> TaskStore.journal(dir).open());
        assertTrue(refused.getMessage().contains("segments are missing"), refused.getMessage());
    }
}
