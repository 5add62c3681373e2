package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayProgressTest
{
    private static final int TASKS = 300;
    private static final int CHANGED = 12; // the names removed and upserted between rounds

    @Test
    void shouldEndAsApplyingEachEntryInOrderWhateverTheOrderOfTheRoundsAndTheUpsertsAndRemovesBetween()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            final Random random = new Random(seed);
            final StoreState expected = new StoreState();
            final StoreState replayed = new StoreState();
            final ReplayProgress replay = new ReplayProgress();
            final List<String> names = new ArrayList<>();
            for (int i = 0; i < TASKS; i++)
            {
                // short ASCII names are matched packed; longer and non-ASCII ones are looked up each time
                names.add(i % 10 == 0 ? "a-rather-long-task-name-" + i : i % 10 == 1 ? "tâche-" + i : "t-" + i);
            }
            final List<StoreState.Row> snapshot = new ArrayList<>();
            for (int i = 0; i < TASKS; i += 2) // half the names held at the start, loaded as from a snapshot
            {
                expected.upsert(Tasks.runnableTask(names.get(i), i));
                snapshot.add(new StoreState.Row(Tasks.runnableTask(names.get(i), i)));
            }
            seed(replay, replayed, snapshot);
            List<String> order = new ArrayList<>(names);
            for (int round = 0; round < 60; round++)
            {
                final int change = random.nextInt(6);
                if (change == 0)
                {
                    Collections.reverse(order);
                }
                else if (change == 1)
                {
                    Collections.shuffle(order, random);
                }
                else if (change == 2)
                {
                    final String name = names.get(random.nextInt(CHANGED)); // so that some come back
                    replay.fold();
                    replay.removed(replayed.remove(name));
                    expected.remove(name);
                }
                else if (change == 3)
                {
                    final String name = names.get(random.nextInt(CHANGED));
                    replay.fold();
                    replayed.upsert(Tasks.runnableTask(name, 1000 + round));
                    expected.upsert(Tasks.runnableTask(name, 1000 + round));
                }
                final ProgressBatch batch = new ProgressBatch(TASKS);
                for (final String name : order)
                {
                    final long next = 10_000L * round + random.nextInt(5_000);
                    batch.add(ProgressBatch.NO_SLOT, name, TaskState.values()[random.nextInt(3)], next, round,
                        random.nextInt(3), 0, random.nextBoolean() ? TaskProgress.NOT_RUNNING : next - 1);
                }
                expected.progress(batch);
                new ProgressCodec(4096).encode(batch, frame -> replay.readKeyed(frame, Frames.HEADER,
                    frame.length - Frames.HEADER, replayed));
            }
            replay.fold();
            assertEquals(sorted(expected.tasks()), sorted(replayed.tasks()), "seed " + seed);
        }
    }

    @Test
    void shouldEndAsTheWriterAppliesKeyedEntriesWhoseSlotsAreReusedAcrossRemovesUpsertsAndSegments()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            final Random random = new Random(seed);
            final StoreState expected = new StoreState(); // as the journal's writer applies them, by slot
            final StoreState replayed = new StoreState();
            final ReplayProgress replay = new ReplayProgress();
            final ProgressCodec codec = new ProgressCodec(2_048);
            final List<String> names = new ArrayList<>();
            final List<Integer> slots = new ArrayList<>();
            for (int i = 0; i < TASKS; i++)
            {
                names.add(i % 10 == 0 ? "a-rather-long-task-name-" + i : i % 10 == 1 ? "tâche-" + i : "t-" + i);
                slots.add(i);
                if (i % 3 != 0) // some names are never held: their entries are ignored, until they are upserted
                {
                    expected.upsert(Tasks.runnableTask(names.get(i), i));
                    replayed.upsert(Tasks.runnableTask(names.get(i), i));
                }
            }
            long segment = 0;
            for (int round = 0; round < 60; round++)
            {
                final int change = random.nextInt(6);
                final int i = random.nextInt(CHANGED);
                if (change == 0)
                {
                    codec.segment(++segment);
                    replay.segment();
                }
                else if (change == 1)
                {
                    replay.fold();
                    replay.removed(replayed.remove(names.get(i)));
                    expected.remove(names.get(i));
                }
                else if (change == 2)
                {
                    replay.fold();
                    replayed.upsert(Tasks.runnableTask(names.get(i), 1000 + round));
                    expected.upsert(Tasks.runnableTask(names.get(i), 1000 + round));
                }
                else if (change == 3)
                {
                    Collections.swap(slots, i, CHANGED + random.nextInt(TASKS - CHANGED)); // a slot for another name
                }
                else if (change == 4)
                {
                    names.set(i, new String(names.get(i))); // the same name, another object
                }
                final ProgressBatch batch = new ProgressBatch(TASKS);
                for (int k = 0; k < TASKS; k++)
                {
                    final long next = 10_000L * round + random.nextInt(5_000);
                    batch.add(slots.get(k), names.get(k), TaskState.values()[random.nextInt(3)], next, round,
                        random.nextInt(3), 0, random.nextBoolean() ? TaskProgress.NOT_RUNNING : next - 1);
                }
                codec.encode(batch, expected.slots(), frame -> replay.readKeyed(frame, Frames.HEADER,
                    frame.length - Frames.HEADER, replayed));
                expected.progress(batch); // after its encoding, as the writer does
            }
            replay.fold();
            assertEquals(sorted(expected.tasks()), sorted(replayed.tasks()), "seed " + seed);
        }
    }

    @Test
    void shouldRefuseAKeyNotNamedInItsSegment()
    {
        final StoreState state = new StoreState();
        state.upsert(Tasks.runnableTask("a", 1));
        final ProgressCodec codec = new ProgressCodec(1 << 20);
        final List<byte[]> frames = new ArrayList<>();
        for (int round = 0; round < 2; round++)
        {
            final ProgressBatch batch = new ProgressBatch(1);
            batch.add(3, "a", TaskState.SCHEDULED, 5 + round, 1, 0, 0, TaskProgress.NOT_RUNNING);
            codec.encode(batch, frames::add);
        }
        final ReplayProgress replay = new ReplayProgress();
        replay.readKeyed(frames.get(0), Frames.HEADER, frames.get(0).length - Frames.HEADER, state);
        replay.readKeyed(frames.get(1), Frames.HEADER, frames.get(1).length - Frames.HEADER, state);
        replay.fold();
        assertEquals(6, state.tasks().get(0).progress().nextFire());
        replay.segment();
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> replay.readKeyed(frames.get(1), Frames.HEADER, frames.get(1).length - Frames.HEADER, state));
        assertTrue(refused.getMessage().contains("not named earlier in its segment"), refused.getMessage());
    }

    @Test
    void shouldLookNamesUpOnlyInTheFirstRoundWhileRoundsRepeatOrReverseTheirOrder()
    {
        final StoreState state = new StoreState();
        final ReplayProgress replay = new ReplayProgress();
        final List<String> order = new ArrayList<>();
        for (int i = 0; i < TASKS; i++)
        {
            order.add("task-" + i);
            state.upsert(Tasks.runnableTask("task-" + i, i));
        }
        Collections.shuffle(order, new Random(1));
        final ProgressCodec codec = new ProgressCodec(1 << 20);
        for (int round = 0; round < 6; round++)
        {
            final ProgressBatch batch = new ProgressBatch(TASKS);
            for (final String name : order)
            {
                batch.add(ProgressBatch.NO_SLOT, name, TaskState.SCHEDULED, round, round, 0, 0,
                    TaskProgress.NOT_RUNNING);
            }
            codec.encode(batch, frame -> replay.readKeyed(frame, Frames.HEADER, frame.length - Frames.HEADER, state));
            if (round == 2)
            {
                Collections.reverse(order);
            }
        }
        replay.fold();
        assertTrue(replay.lookups() <= TASKS + 1, replay.lookups() + " lookups for " + TASKS + " names");
        assertEquals(5, state.tasks().stream().mapToLong(task -> task.progress().runs()).min().orElseThrow());
    }

    @Test
    void shouldApplyProgressToATaskRemovedAndUpsertedAgainBetweenRounds()
    {
        final StoreState state = new StoreState();
        final ReplayProgress replay = new ReplayProgress();
        state.upsert(Tasks.runnableTask("a", 1));
        state.upsert(Tasks.runnableTask("b", 1));
        round(replay, state, 10);
        round(replay, state, 20);
        replay.fold();
        replay.removed(state.remove("b"));
        round(replay, state, 30); // b's entry is not applied: b is not held
        replay.fold();
        state.upsert(Tasks.runnableTask("b", 2));
        round(replay, state, 40); // b's name comes where it came before: its new row must get the entry
        replay.fold();
        assertEquals(List.of("a 40", "b 40"), state.tasks().stream()
            .map(task -> task.name() + " " + task.progress().nextFire()).sorted().toList());
    }

    private static void round(final ReplayProgress replay, final StoreState state, final long next)
    {
        final ProgressBatch batch = new ProgressBatch(2);
        for (final String name : List.of("a", "b"))
        {
            batch.add(ProgressBatch.NO_SLOT, name, TaskState.SCHEDULED, next, 0, 0, 0, TaskProgress.NOT_RUNNING);
        }
        new ProgressCodec(1 << 20).encode(batch, frame -> replay.readKeyed(frame, Frames.HEADER,
            frame.length - Frames.HEADER, state));
    }

    @Test
    void shouldRefuseABodyCutShortOrWithBytesLeftOver()
    {
        final StoreState state = new StoreState();
        state.upsert(Tasks.runnableTask("a", 1));
        final ProgressBatch batch = new ProgressBatch(1);
        batch.add(ProgressBatch.NO_SLOT, "a", TaskState.SCHEDULED, 5, 1, 0, 0, TaskProgress.NOT_RUNNING);
        final List<byte[]> frames = new ArrayList<>();
        new ProgressCodec(1 << 20).encode(batch, frames::add);
        final byte[] frame = frames.get(0);
        final int body = frame.length - Frames.HEADER;
        assertThrows(IllegalArgumentException.class,
            () -> new ReplayProgress().readKeyed(frame, Frames.HEADER, body - 1, state));
        final byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 1);
        assertThrows(IllegalArgumentException.class,
            () -> new ReplayProgress().readKeyed(longer, Frames.HEADER, body + 1, state));
        final ReplayProgress replay = new ReplayProgress();
        replay.readKeyed(frame, Frames.HEADER, body, state);
        replay.fold();
        assertEquals(5, state.tasks().get(0).progress().nextFire());
    }

    private static List<String> sorted(final List<StoredTask> tasks)
    {
        return tasks.stream().map(task -> task.name() + " " + task.progress()).sorted(Comparator.naturalOrder())
            .toList();
    }

    @Test
    void shouldLookUpOnlyTheFirstNameOfARoundInTheOrderOfTheSnapshotItWasSeededWith()
    {
        final List<StoreState.Row> snapshot = new ArrayList<>();
        for (int i = 0; i < TASKS; i++)
        {
            snapshot.add(new StoreState.Row(Tasks.runnableTask("task-" + i, i)));
        }
        final StoreState state = new StoreState();
        final ReplayProgress replay = new ReplayProgress();
        seed(replay, state, snapshot);
        final List<String> order = new ArrayList<>();
        snapshot.forEach(row -> order.add(row.name));
        final ProgressCodec codec = new ProgressCodec(1 << 20);
        for (int round = 0; round < 2; round++)
        {
            final ProgressBatch batch = new ProgressBatch(TASKS);
            for (final String name : order)
            {
                batch.add(ProgressBatch.NO_SLOT, name, TaskState.SCHEDULED, round, round + 1, 0, 0,
                    TaskProgress.NOT_RUNNING);
            }
            codec.encode(batch, frame -> replay.readKeyed(frame, Frames.HEADER, frame.length - Frames.HEADER, state));
            Collections.reverse(order); // the engine's alternate batches
        }
        replay.fold();
        assertEquals(1, replay.lookups(), "only the first entry, which follows no other");
        assertEquals(2, state.tasks().stream().mapToLong(task -> task.progress().runs()).min().orElseThrow());
    }

    /** Loads {@code snapshot} into {@code state} and seeds {@code replay} with it, as JournalRecovery does. */
    private static void seed(final ReplayProgress replay, final StoreState state, final List<StoreState.Row> snapshot)
    {
        replay.reserveSeeds(snapshot.size());
        for (int i = 0; i < snapshot.size(); i++)
        {
            replay.packSeed(i, snapshot.get(i).name);
        }
        replay.seed(state.load(snapshot.toArray(new StoreState.Row[0])));
    }
}
