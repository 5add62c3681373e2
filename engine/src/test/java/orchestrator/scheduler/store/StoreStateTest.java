package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;
import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StoreStateTest
{
    @Test
    void shouldNotApplyProgressThroughASlotWhoseTaskWasReplacedOrRemoved()
    {
        final StoreState state = new StoreState();
        final String a = new String("a");
        state.upsert(Tasks.runnableTask(a, 1));
        state.progress(batch(7, a, 10));
        assertEquals(10, next(state, "a"));

        state.remove("a"); // slot 7 still remembers a's row
        final String b = new String("b");
        state.upsert(Tasks.runnableTask(b, 2));
        state.progress(batch(7, b, 20)); // the engine reused slot 7 for b
        assertEquals(20, next(state, "b"));
        assertEquals(List.of("b"), names(state));

        final String again = new String("a");
        state.upsert(Tasks.runnableTask(again, 3)); // a registered again, under another slot
        state.progress(batch(7, a, 30)); // a stale entry through the old slot and the old name object
        state.progress(batch(9, again, 40));
        assertEquals(40, next(state, "a"));
        assertEquals(20, next(state, "b"));
    }

    @Test
    void shouldApplyProgressToARegisteredAgainTaskThroughTheSlotOfItsRemovedRow()
    {
        final StoreState state = new StoreState();
        final String c = new String("c");
        state.upsert(Tasks.runnableTask(c, 1));
        state.progress(batch(5, c, 50)); // slot 5 now remembers this row
        state.remove("c");
        state.upsert(Tasks.runnableTask(c, 2)); // the same name object, a new row
        state.progress(batch(5, c, 60));
        assertEquals(60, next(state, "c"));
    }

    @Test
    void shouldFreezeIntoTheCopyBeforeAndListEveryHeldTaskOnceAfterRandomUpsertsRemovesAndProgress()
    {
        final java.util.Random random = new java.util.Random(42);
        final StoreState state = new StoreState();
        final java.util.Map<String, Long> expected = new java.util.HashMap<>(); // name -> next fire
        final String[] names = new String[40];
        for (int i = 0; i < names.length; i++)
        {
            names[i] = "t" + i;
        }
        StoreState.Frozen spare = null;
        for (int step = 0; step < 5_000; step++)
        {
            final int k = random.nextInt(names.length);
            final String name = names[k];
            switch (random.nextInt(3))
            {
                case 0:
                    state.upsert(Tasks.runnableTask(name, step));
                    expected.put(name, Tasks.progress(name, step).nextFire());
                    break;
                case 1:
                    state.remove(name);
                    expected.remove(name);
                    break;
                default:
                    final long next = step;
                    state.progress(batch(k, name, next));
                    expected.computeIfPresent(name, (n, before) -> next);
                    break;
            }
            if (step % 97 == 0)
            {
                final StoreState.Frozen frozen = state.freeze(spare); // into the copy before, when it has room
                spare = frozen;
                final java.util.Map<String, Long> frozenNext = new java.util.HashMap<>();
                for (int i = 0; i < frozen.size; i++)
                {
                    assertEquals(null, frozenNext.put(frozen.tasks[i].name(), frozen.nextFires[i]), "held twice");
                }
                assertEquals(expected, frozenNext, "step " + step);
                assertEquals(expected.keySet(), new java.util.HashSet<>(names(state)), "step " + step);
            }
        }
    }

    @Test
    void shouldApplyProgressOfAnEqualNameThatIsAnotherObject()
    {
        final StoreState state = new StoreState();
        state.upsert(Tasks.runnableTask(new String("a"), 1));
        state.progress(batch(3, new String("a"), 11));
        state.progress(batch(3, new String("a"), 12));
        assertEquals(12, next(state, "a"));
        state.progress(batch(ProgressBatch.NO_SLOT, "ghost", 13)); // not held: ignored
        assertEquals(List.of("a"), names(state));
    }

    @Test
    void shouldApplyProgressKeptBySlotAsIfEachEntryWereAppliedAtOnce()
    {
        final StoreState state = new StoreState();
        final String d = new String("d");
        state.upsert(Tasks.runnableTask(d, 1));
        state.progress(batch(4, d, 70)); // kept in the slot columns
        state.remove("d");
        state.upsert(Tasks.runnableTask(d, 2));
        assertEquals(Tasks.progress(d, 2).nextFire(), next(state, "d"), "the entry went to the removed row");

        final String e = new String("e");
        state.progress(batch(6, e, 80)); // not held when recorded: ignored, even though held by the fold
        state.upsert(Tasks.runnableTask(e, 3));
        assertEquals(Tasks.progress(e, 3).nextFire(), next(state, "e"));

        state.progress(batch(6, e, 90));
        state.progress(batch(6, new String("f"), 100)); // slot 6 reused for a name not held: e's entry folded first
        assertEquals(90, next(state, "e"));
        assertEquals(List.of("d", "e"), names(state));

        final ProgressBatch mixed = batch(6, e, 110);
        mixed.add(ProgressBatch.NO_SLOT, "e", TaskState.SCHEDULED, 120, 0, 0, 0, TaskProgress.NOT_RUNNING);
        state.progress(mixed);
        assertEquals(120, next(state, "e"), "entries with and without a slot apply in batch order");
    }

    private static ProgressBatch batch(final int slot, final String name, final long next)
    {
        final ProgressBatch batch = new ProgressBatch(1);
        batch.add(slot, name, TaskState.SCHEDULED, next, 0, 0, 0, TaskProgress.NOT_RUNNING);
        return batch;
    }

    private static long next(final StoreState state, final String name)
    {
        return state.tasks().stream().filter(task -> task.name().equals(name)).findFirst().orElseThrow()
            .progress().nextFire();
    }

    private static List<String> names(final StoreState state)
    {
        return state.tasks().stream().map(StoredTask::name).sorted(Comparator.naturalOrder()).toList();
    }
}
