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
    void shouldApplyResolvedProgressToTheRowThatHoldsTheNameWhenApplied()
    {
        final StoreState state = new StoreState();
        final String d = new String("d");
        state.upsert(Tasks.runnableTask(d, 1));
        final ProgressBatch first = batch(4, d, 70);
        final StoreState.Row[] rows = state.resolve(first, new StoreState.Row[0]);
        state.remove("d"); // between the writer's encoding and its apply: a remove, then the name again
        state.upsert(Tasks.runnableTask(d, 2));
        state.progress(first, rows);
        assertEquals(70, next(state, "d"), "applied to the new row, not the removed one found before");

        final String e = new String("e");
        final ProgressBatch second = batch(6, e, 80);
        final StoreState.Row[] missing = state.resolve(second, rows);
        assertEquals(null, missing[0], "not held when resolved");
        state.upsert(Tasks.runnableTask(e, 3)); // its upsert was written in the same group, before the batch
        state.progress(second, missing);
        assertEquals(80, next(state, "e"));
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
