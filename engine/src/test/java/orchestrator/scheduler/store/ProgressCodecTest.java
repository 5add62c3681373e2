package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressCodecTest
{
    private static final long[] EDGES = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, TaskProgress.NEVER,
        TaskProgress.NOT_RUNNING, 1_733_000_000_000L, -1_733_000_000_000L, Integer.MAX_VALUE, 127, 128, 16_383, 16_384};

    @Test
    void shouldRoundTripRandomAndEdgeValuesThroughFramesOfAnySize()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (final long frameLimit : new long[] {1, 40, 1_000, 16 << 20})
        {
            final List<TaskProgress> expected = new ArrayList<>();
            for (int i = 0; i < 2_000; i++)
            {
                expected.add(new TaskProgress(name(random, i), TaskState.values()[random.nextInt(TaskState.values().length)],
                    value(random), value(random), value(random), value(random), value(random)));
            }
            final List<TaskProgress> decoded = new ArrayList<>();
            final int[] frames = {0};
            final Map<Integer, String> named = new HashMap<>();
            new ProgressCodec(frameLimit).encode(ProgressBatch.of(expected), frame ->
            {
                frames[0]++;
                assertEquals(frame.length, Frames.check(frame, 0, frame.length), "a whole, valid frame");
                assertEquals(Frames.PROGRESS_KEYED, frame[8]);
                decoded.addAll(RecordCodec.parse(frame, Frames.HEADER, frame.length - Frames.HEADER,
                    in -> ProgressRecords.readKeyed(in, named)).toList());
            });
            assertEquals(expected, decoded, "frame limit " + frameLimit);
            assertTrue(frameLimit > 1_000 ? frames[0] == 1 : frames[0] > 1, frames[0] + " frames");
        }
    }

    @Test
    void shouldEncodeAShortNamedTaskInAboutTwentyBytes()
    {
        final ProgressBatch batch = new ProgressBatch(1_000);
        for (int i = 0; i < 1_000; i++)
        {
            batch.add(i, "task-" + (100_000 + i), TaskState.SCHEDULED, 1_733_000_000_000L + 1_000, 4_000 + i, 2, 0,
                TaskProgress.NOT_RUNNING);
        }
        final int[] bytes = {0};
        new ProgressCodec(16 << 20).encode(batch, frame -> bytes[0] += frame.length);
        assertTrue(bytes[0] < 1_000 * 21, bytes[0] + " bytes for 1,000 entries of 11-character names");
    }

    @Test
    void shouldNameEachSlotOncePerSegmentAndAgainWhenItsNameChangesOrASegmentStarts()
    {
        final ProgressCodec codec = new ProgressCodec(4_000);
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < 1_000; i++)
        {
            names.add("task-" + (100_000 + i));
        }
        final Map<Integer, String> named = new HashMap<>(); // the reader's, reset at each segment as the journal's
        final int[] bytes = new int[4];
        for (int round = 0; round < bytes.length; round++)
        {
            if (round == 2)
            {
                codec.segment(7);
                named.clear();
            }
            if (round == 3)
            {
                names.set(5, new String("task-100005")); // an equal name, another object: named again
                names.set(6, "renamed");
            }
            final ProgressBatch batch = new ProgressBatch(names.size());
            for (int i = 0; i < names.size(); i++)
            {
                batch.add(i, names.get(i), TaskState.SCHEDULED, 1_733_000_000_000L + round, 4_000 + i, round, 0,
                    TaskProgress.NOT_RUNNING);
            }
            final int r = round;
            final List<TaskProgress> decoded = new ArrayList<>();
            codec.encode(batch, frame ->
            {
                bytes[r] += frame.length;
                decoded.addAll(RecordCodec.parse(frame, Frames.HEADER, frame.length - Frames.HEADER,
                    in -> ProgressRecords.readKeyed(in, named)).toList());
            });
            assertEquals(batch.toList(), decoded, "round " + round);
        }
        assertTrue(bytes[0] < 1_000 * 22, bytes[0] + " bytes, every slot named");
        assertTrue(bytes[1] < 1_000 * 10, bytes[1] + " bytes, every slot named before in the segment");
        assertTrue(bytes[2] > bytes[1] + 1_000 * 10, bytes[2] + " bytes, a new segment: named again");
        assertTrue(bytes[3] >= bytes[1] + 15 && bytes[3] < bytes[1] + 40, bytes[3] + " bytes, two slots named again");
    }

    @Test
    void shouldEncodeTheNameASlotPackedAsTheNameItself()
    {
        final List<String> names = new ArrayList<>(List.of("", "a", "1234567", "12345678", "123456789",
            "123456789012345", "1234567890123456", "12345678901234567", "task-99999", "\u007f\u0001~", "t\u00e4sk",
            "\u65e5\u672c", "abcdefghijklmno\u00e9"));
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 500; i++)
        {
            final StringBuilder name = new StringBuilder();
            for (int c = random.nextInt(20); c > 0; c--)
            {
                name.append((char)(random.nextInt(8) == 0 ? random.nextInt(0x80, 0x800) : random.nextInt(0x80)));
            }
            names.add(name.toString());
        }
        final ProgressBatch batch = new ProgressBatch(names.size());
        final StoreState state = new StoreState();
        for (int i = 0; i < names.size(); i++)
        {
            state.upsert(Tasks.runnableTask(names.get(i), i));
            batch.add(i, names.get(i), TaskState.SCHEDULED, 1_000L * i, i, 0, 0, TaskProgress.NOT_RUNNING);
        }
        state.progress(batch); // the slots take the names, packed
        int packed = 0;
        for (int i = 0; i < names.size(); i++)
        {
            packed += state.slots().packedLength(i, names.get(i)) >= 0 ? 1 : 0;
        }
        assertTrue(packed > 100 && packed < names.size(), packed + " of " + names.size() + " names packed: " +
            "both ways are taken");
        final List<TaskProgress> decoded = new ArrayList<>();
        final Map<Integer, String> named = new HashMap<>();
        new ProgressCodec(16 << 20).encode(batch, state.slots(), frame -> decoded.addAll(RecordCodec.parse(frame,
            Frames.HEADER, frame.length - Frames.HEADER, in -> ProgressRecords.readKeyed(in, named)).toList()));
        assertEquals(batch.toList(), decoded);
    }

    @Test
    void shouldRefuseABodyThatLiesAboutItsCount()
    {
        final ByteBuffer body = ByteBuffer.allocate(12).putInt(1_000).putLong(0);
        assertThrows(IllegalArgumentException.class,
            () -> RecordCodec.parse(body.array(), 0, body.capacity(), ProgressRecords::read));
    }

    private static String name(final SplittableRandom random, final int i)
    {
        switch (random.nextInt(4))
        {
            case 0: return "t" + i;
            case 1: return "täsk-" + i + "-\u65e5\u672c";
            case 2: return "";
            default: return "x".repeat(random.nextInt(300)) + i;
        }
    }

    private static long value(final SplittableRandom random)
    {
        return random.nextInt(3) == 0 ? EDGES[random.nextInt(EDGES.length)] : random.nextLong();
    }
}
