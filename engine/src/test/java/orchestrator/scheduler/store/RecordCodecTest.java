package orchestrator.scheduler.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
        assertEquals(read.get(1).name(), read.get(1).progress().name(), "a non-ASCII name is decoded again, equal");
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
}
