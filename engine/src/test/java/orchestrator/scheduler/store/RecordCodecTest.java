package orchestrator.scheduler.store;

import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordCodecTest
{
    @Test
    void shouldReadUpsertsThroughRepeatsAsTheyWereWrittenSharingOnlyEqualStrings()
    {
        final List<StoredTask> written = new ArrayList<>();
        for (int i = 0; i < 50; i++)
        {
            written.add(Tasks.runnableTask("runnable-" + i, i));
            written.add(Tasks.onceTask("once-\u00e9t\u00e9-" + i, i)); // another schedule, zone and a non-ASCII name
            written.add(Tasks.runnableTask("runnable-again-" + i, i));
        }
        final RecordCodec.Repeats repeats = new RecordCodec.Repeats();
        final List<StoredTask> read = new ArrayList<>();
        for (final StoredTask task : written)
        {
            final byte[] body = RecordCodec.upsert(task);
            read.add(RecordCodec.parse(body, 0, body.length, in -> RecordCodec.readUpsert(in, repeats)));
        }
        assertEquals(written, read);
        assertSame(read.get(2).schedule(), read.get(3).schedule(), "the schedule of the upsert before is not decoded again");
        assertSame(read.get(0).name(), read.get(0).progress().name(), "the progress's name is the task's");
        assertEquals(read.get(1).name(), read.get(1).progress().name(), "a non-ASCII name is compared decoded, and equal");
    }

    @Test
    void shouldWriteEveryFieldOfEachUpsertThroughOneWriterWhateverTheUpsertBeforeIt()
    {
        final List<StoredTask> written = new ArrayList<>();
        for (int i = 0; i < 30; i++)
        {
            written.add(Tasks.runnableTask("runnable-" + i, i));
            written.add(Tasks.runnableTask("runnable-next-" + i, i)); // every shared field equal to the one before
            written.add(Tasks.onceTask("once-\u00e9t\u00e9-" + i, i));
            written.add(Tasks.handlerTask("handler-" + i, i));
        }
        final RecordWriter writer = new RecordWriter(); // one writer, as a snapshot uses
        final RecordCodec.Repeats repeats = new RecordCodec.Repeats();
        final List<StoredTask> read = new ArrayList<>();
        for (final StoredTask task : written)
        {
            final byte[] body = writer.begin().upsert(task).body();
            read.add(RecordCodec.parse(body, 0, body.length, in -> RecordCodec.readUpsert(in, repeats)));
        }
        assertEquals(written, read);
    }

    @Test
    void shouldAppendFramesInPlaceThatReadBackAsEachTaskWhicheverOneOfItsSharedFieldsDiffersFromTheTaskBefore()
        throws Exception
    {
        final List<StoredTask> written = new ArrayList<>();
        for (int i = 0; i < 8; i++)
        {
            final String name = "task-" + i;
            final TaskProgress progress = Tasks.progress(name, i);
            written.add(new StoredTask(name, i == 1 ? "0 0 13 ? * 2" : "0 0 12 ? * 2",
                i == 2 ? null : CronDialect.QUARTZ, ZoneId.of(i == 3 ? "UTC" : "Europe/Paris"),
                i == 4 ? null : DstPolicy.of(DstPolicy.Gap.SKIP, i == 5 ? DstPolicy.Overlap.FIRST : DstPolicy.Overlap.BOTH),
                i == 6 ? MisfirePolicy.SKIP : MisfirePolicy.fireAll(7), i == 7 ? "other" : "handler", i, 1,
                new byte[] {(byte)i}, progress));
            written.add(Tasks.runnableTask("same-as-before-" + i, i));
            written.add(Tasks.runnableTask("same-again-" + i, i));
        }
        final RecordWriter writer = new RecordWriter().clear();
        final List<Integer> lengths = new ArrayList<>();
        for (final StoredTask task : written)
        {
            lengths.add(writer.appendFrame().upsert(task).endFrame(Frames.UPSERT));
        }
        final java.nio.file.Path file = java.nio.file.Files.createTempFile("frames", ".dat");
        try (java.nio.channels.FileChannel out = JournalOptions.openForWrite(file))
        {
            assertEquals(lengths.stream().mapToInt(Integer::intValue).sum(), writer.appended());
            writer.writeTo(out);
            assertEquals(0, writer.appended());
        }
        final byte[] b = java.nio.file.Files.readAllBytes(file);
        java.nio.file.Files.delete(file);
        final RecordCodec.Repeats repeats = new RecordCodec.Repeats();
        final List<StoredTask> read = new ArrayList<>();
        int at = 0;
        for (final int length : lengths)
        {
            assertEquals(at + length, Frames.check(b, at, b.length), "the frame at " + at);
            assertEquals(Frames.UPSERT, b[at + 8]);
            final int body = at + Frames.HEADER;
            read.add(RecordCodec.parse(b, body, length - Frames.HEADER, in -> RecordCodec.readUpsert(in, repeats)));
            at += length;
        }
        assertEquals(b.length, at);
        assertEquals(written, read);
    }

    @Test
    void shouldReadARowByNameAndProgressThenTheWholeTaskWithTheRowsProgressAsChangedSince()
    {
        final List<StoredTask> written = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            written.add(Tasks.runnableTask("runnable-" + i, i));
            written.add(Tasks.onceTask("once-\u00e9t\u00e9-" + i, i));
            written.add(Tasks.handlerTask("handler-" + i, i));
        }
        final RecordCodec.Repeats rows = new RecordCodec.Repeats();
        final RecordCodec.Repeats tasks = new RecordCodec.Repeats();
        for (final StoredTask task : written)
        {
            final byte[] frame = new byte[3 + RecordCodec.upsert(task).length];
            final byte[] body = RecordCodec.upsert(task);
            System.arraycopy(body, 0, frame, 3, body.length); // a body inside a larger array, as in a snapshot
            final StoreState.Row row = RecordCodec.parse(frame, 3, body.length,
                in -> RecordCodec.readRow(in, rows, 3));
            assertEquals(task.name(), row.name);
            assertEquals(task.progress(), row.progress(), "the stored progress, read without the rest");
            assertEquals(3, row.snapshotAt);
            assertEquals(body.length, row.snapshotLength);

            row.set(row.state, row.nextFire + 1000, row.runs + 2, row.missed + 3, row.failures + 4, 77);
            final StoredTask read = RecordCodec.parse(frame, row.snapshotAt, row.snapshotLength,
                in -> RecordCodec.readUpsert(in, tasks, row));
            assertEquals(task.withProgress(row.progress()), read, "the rest as stored, the progress as replayed");
            assertSame(row.name, read.name(), "the row's name object");
        }
    }

    @Test
    void shouldRefuseARowWhoseProgressNamesAnotherTask()
    {
        final byte[] body = RecordCodec.upsert(Tasks.runnableTask("mine", 1));
        final byte[] name = "mine".getBytes(StandardCharsets.US_ASCII);
        int last = -1;
        for (int i = 0; i + name.length <= body.length; i++)
        {
            last = Arrays.equals(body, i, i + name.length, name, 0, name.length) ? i : last;
        }
        body[last + 3] = 't'; // the progress's copy of the name now spells "mint"
        final IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
            () -> RecordCodec.parse(body, 0, body.length, in -> RecordCodec.readRow(in, new RecordCodec.Repeats(), 0)));
        assertTrue(thrown.getMessage().contains("progress of 'mint' given for task 'mine'"), thrown.getMessage());
    }
}
