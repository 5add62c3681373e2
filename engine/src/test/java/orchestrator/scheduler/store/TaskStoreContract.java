package orchestrator.scheduler.store;

import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.TaskState;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link TaskStore} does, run against each implementation by a subclass: what is written and closed is
 * what the next open returns.
 */
abstract class TaskStoreContract
{
    private final List<TaskStore> opened = new ArrayList<>();

    /** @return a new, empty, unopened store. */
    abstract TaskStore newStore();

    /** @return a store over what {@code closed} held (closed already), unopened. */
    abstract TaskStore sameStoreAgain(TaskStore closed);

    TaskStore open(final TaskStore store, final List<StoredTask> found)
    {
        found.addAll(store.open());
        opened.add(store);
        return store;
    }

    TaskStore openNew()
    {
        return open(newStore(), new ArrayList<>());
    }

    /** Closes {@code store} and opens it again; returns what the open found, sorted by name. */
    List<StoredTask> reopen(final TaskStore store)
    {
        store.close();
        final List<StoredTask> found = new ArrayList<>();
        open(sameStoreAgain(store), found);
        found.sort(Comparator.comparing(StoredTask::name));
        return found;
    }

    TaskStore last()
    {
        return opened.get(opened.size() - 1);
    }

    @AfterEach
    void closeAll()
    {
        for (final TaskStore store : opened)
        {
            store.close();
        }
    }

    static List<StoredTask> sorted(final Map<String, StoredTask> model)
    {
        final List<StoredTask> tasks = new ArrayList<>(model.values());
        tasks.sort(Comparator.comparing(StoredTask::name));
        return tasks;
    }

    @Test
    void shouldOpenEmpty()
    {
        assertEquals(List.of(), newStore().open());
    }

    @Test
    void shouldReturnEveryFieldOfStoredTasksAfterReopen()
    {
        final TaskStore store = openNew();
        final List<StoredTask> tasks = List.of(Tasks.handlerTask("a", 7), Tasks.onceTask("b", 8),
            Tasks.runnableTask("c", 9), Tasks.handlerTask("d-\u00e9\u4e2d", 60));
        tasks.forEach(store::upsert);
        assertEquals(tasks, reopen(store));
    }

    @Test
    void shouldRoundTripEveryMisfireDialectAndDstPolicy()
    {
        final TaskStore store = openNew();
        final Map<String, StoredTask> model = new HashMap<>();
        int n = 0;
        for (final MisfirePolicy misfire : List.of(MisfirePolicy.FIRE_ONCE, MisfirePolicy.SKIP, MisfirePolicy.FIRE_ALL,
            MisfirePolicy.fireAll(1), MisfirePolicy.fireAll(Integer.MAX_VALUE)))
        {
            for (final CronDialect dialect : CronDialect.values())
            {
                for (final DstPolicy.Gap gap : DstPolicy.Gap.values())
                {
                    for (final DstPolicy.Overlap overlap : DstPolicy.Overlap.values())
                    {
                        final String name = "t" + n++;
                        final StoredTask task = new StoredTask(name, "* * * * *", dialect, ZoneOffset.ofHours(-3),
                            DstPolicy.of(gap, overlap), misfire, null, 0, 0, null, Tasks.progress(name, n));
                        store.upsert(task);
                        model.put(name, task);
                    }
                }
            }
        }
        final List<StoredTask> found = reopen(store);
        assertEquals(sorted(model), found);
        assertTrue(found.stream().anyMatch(t -> t.misfire() == MisfirePolicy.FIRE_ALL), "FIRE_ALL keeps its identity");
    }

    @Test
    void shouldReplaceATaskOfTheSameName()
    {
        final TaskStore store = openNew();
        store.upsert(Tasks.handlerTask("a", 1));
        store.upsert(Tasks.runnableTask("a", 2));
        assertEquals(List.of(Tasks.runnableTask("a", 2)), reopen(store));
    }

    @Test
    void shouldForgetRemovedTasksOnly()
    {
        final TaskStore store = openNew();
        store.upsert(Tasks.handlerTask("a", 1));
        store.upsert(Tasks.handlerTask("b", 2));
        store.remove("a");
        store.remove("never-stored");
        assertEquals(List.of(Tasks.handlerTask("b", 2)), reopen(store));
    }

    /** A removal not waited for takes its place among the writes: an upsert after it of the same name stays. */
    @Test
    void shouldApplyARemovalNotWaitedForInOrder() throws Exception
    {
        final TaskStore store = openNew();
        store.upsert(Tasks.handlerTask("a", 1));
        store.upsert(Tasks.handlerTask("b", 2));
        final CompletableFuture<Void> removed = store.removeLater("a");
        store.removeLater("b");
        store.upsert(Tasks.handlerTask("b", 3));
        removed.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(Tasks.handlerTask("b", 3)), reopen(store));
    }

    @Test
    void shouldApplyProgressBatchesInOrderAndIgnoreUnknownNames() throws Exception
    {
        final TaskStore store = openNew();
        store.upsert(Tasks.handlerTask("a", 1));
        store.upsert(Tasks.runnableTask("b", 2));
        store.recordProgress(List.of(Tasks.progress("a", 10), Tasks.progress("ghost", 11)));
        store.remove("b");
        store.recordProgress(List.of(Tasks.progress("b", 12), Tasks.progress("a", 13)))
            .get(10, TimeUnit.SECONDS);
        assertEquals(List.of(Tasks.handlerTask("a", 1).withProgress(Tasks.progress("a", 13))), reopen(store));
    }

    /** Whether the store queues task writes in call order ({@link TaskStore#upsertInOrder}); PostgreSQL does not. */
    boolean queuesTaskWrites()
    {
        return true;
    }

    /**
     * A write queued with upsertInOrder takes its place among the progress batches by call: the batch handed over
     * after it wins, the one handed over before it does not (the engine queues the write under the lock where it
     * hands its batches over).
     */
    @Test
    void shouldApplyAQueuedTaskWriteInOrderWithTheProgressBatches() throws Exception
    {
        final TaskStore store = openNew();
        final StoredTask a = Tasks.handlerTask("a", 1);
        final StoredTask b = Tasks.runnableTask("b", 2);
        store.upsert(a);
        store.upsert(b);
        if (!queuesTaskWrites())
        {
            assertThrows(UnsupportedOperationException.class, () -> store.upsertInOrder(a));
            return;
        }
        store.recordProgress(List.of(Tasks.progress("a", 10)));
        final var aWritten = store.upsertInOrder(a.withProgress(Tasks.progress("a", 5))); // its older read lands last
        final var bWritten = store.upsertInOrder(b.withProgress(Tasks.progress("b", 5)));
        store.recordProgress(List.of(Tasks.progress("b", 12))).get(10, TimeUnit.SECONDS);
        aWritten.get(10, TimeUnit.SECONDS);
        bWritten.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(a.withProgress(Tasks.progress("a", 5)), b.withProgress(Tasks.progress("b", 12))),
            reopen(store));
    }

    @Test
    void shouldKeepTheInterruptedRunningMarker()
    {
        final TaskStore store = openNew();
        store.upsert(Tasks.handlerTask("a", 1));
        final TaskProgress running = new TaskProgress("a", TaskState.RUNNING, 5_000, 3, 0, 0, 4_000);
        store.recordProgress(List.of(running));
        assertEquals(running, reopen(store).get(0).progress());
    }

    @Test
    void shouldRefuseWritesBeforeOpenAndAfterClose()
    {
        final TaskStore store = newStore();
        assertThrows(IllegalStateException.class, () -> store.upsert(Tasks.handlerTask("a", 1)));
        store.open();
        store.close();
        assertThrows(IllegalStateException.class, () -> store.remove("a"));
        assertThrows(IllegalStateException.class, () -> store.recordProgress(List.of(Tasks.progress("a", 1))));
        store.close(); // idempotent
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameStore()
    {
        final TaskStore store = openNew();
        assertThrows(IllegalStateException.class, store::open);
    }

    @Test
    void shouldKeepEveryAcknowledgedUpsertOfConcurrentWriters() throws Exception
    {
        final TaskStore store = openNew();
        final int threads = 8;
        final int each = 250;
        final Map<String, StoredTask> acknowledged = new ConcurrentHashMap<>();
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final int id = t;
            writers.add(new Thread(() ->
            {
                try
                {
                    start.await();
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                for (int i = 0; i < each; i++)
                {
                    final StoredTask task = Tasks.handlerTask("w" + id + "-" + (i % 50), i);
                    store.upsert(task);
                    acknowledged.put(task.name(), task); // names are per thread, so this is the latest
                    if (i % 10 == 0)
                    {
                        store.recordProgress(List.of(Tasks.progress(task.name(), i)));
                        acknowledged.put(task.name(), task.withProgress(Tasks.progress(task.name(), i)));
                    }
                }
            }));
        }
        writers.forEach(Thread::start);
        start.countDown();
        for (final Thread writer : writers)
        {
            writer.join(TimeUnit.SECONDS.toMillis(60));
            assertTrue(!writer.isAlive(), "writer finished");
        }
        assertEquals(threads * 50, acknowledged.size());
        assertEquals(sorted(acknowledged), reopen(store));
    }
}
