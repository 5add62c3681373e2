package orchestrator.scheduler;

import orchestrator.scheduler.store.TaskStore;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task's state as each cluster node shows it (in-process nodes on a throwaway PostgreSQL), against what the shared
 * row says: what one node did to the task is not left out of date on another, nor computed from a schedule that was
 * replaced.
 */
class ClusterTaskStateTest extends ClusterDatabaseTest
{
    /**
     * A one-time task registered on two nodes fires on one of them; the other, which held no claim for its instant,
     * shows it completed too once the row says so, instead of scheduled for good with no fire left.
     */
    @Test
    void shouldShowAOneTimeTaskAnotherNodeRanAsCompleted()
    {
        final AtomicInteger runs = new AtomicInteger();
        final Instant at = Instant.ofEpochMilli((System.currentTimeMillis() / 1000 + 2) * 1000);
        try (Scheduler a = node("a"); Scheduler b = node("b"))
        {
            a.schedule(TaskSpec.named("once").once(at).run(runs::incrementAndGet));
            b.schedule(TaskSpec.named("once").once(at).run(runs::incrementAndGet));
            a.start();
            b.start();
            ClusterFixture.await("the one-time task's completion is written", 30, () -> server.queryLong("select " +
                "count(*) from orchestrator_tasks where name = 'once' and state = 'COMPLETED'") == 1);
            ClusterFixture.await("both nodes show the task completed", 10, () ->
                a.task("once").orElseThrow().state() == TaskState.COMPLETED &&
                b.task("once").orElseThrow().state() == TaskState.COMPLETED,
                () -> "a: " + a.task("once") + ", b: " + b.task("once"));
            assertEquals(1, runs.get(), "runs of the one-time task in the cluster");
            assertEquals(List.of(TaskState.COMPLETED), b.tasks().stream().filter(task -> task.name().equals("once"))
                .map(TaskInfo::state).toList(), "b's tasks(): " + b.tasks());
        }
    }

    /**
     * A fixed-delay task rescheduled to a shorter delay while it runs: its next fire is the new schedule's, in the
     * row and on the node, as on a single scheduler, and it goes on firing at the new delay. The completion of the
     * run going took its next fire from the replaced schedule (an hour after the run), so the task did not fire again.
     */
    @Test
    void shouldTakeTheNextFireOfAFixedDelayTaskRescheduledWhileItRunsFromTheNewSchedule() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler node = node("solo"))
        {
            node.schedule(TaskSpec.named("t").fixedDelay(Duration.ofHours(1)).initialDelay(Duration.ofMillis(500))
                .run(() ->
                {
                    if (runs.incrementAndGet() == 1)
                    {
                        started.countDown();
                        await(release);
                    }
                }));
            node.start();
            assertTrue(started.await(30, TimeUnit.SECONDS), "the first run started");
            assertTrue(node.reschedule("t", TaskSpec.named("t").fixedDelay(Duration.ofSeconds(1))));
            final long next = node.task("t").orElseThrow().nextFire().orElseThrow().toEpochMilli();
            release.countDown();
            ClusterFixture.await("the task fired twice more at the new delay", 15, () -> runs.get() >= 3,
                () -> "runs " + runs.get() + "; next fire after reschedule " + next + "; task " + node.task("t") +
                "; row's next fire " + server.queryLong("select next_fire from orchestrator_tasks where name = 't'"));
        }
    }

    /**
     * A node takes over a row a dead node held at a passed instant (it may have started it there) while a cancel of
     * the task on the taker races the claim round: the instant is counted interrupted and the row moves on to the next
     * instant, so that a node that still runs the task does not run the instant again. The takeover wrote the
     * interrupted instant and left the row at that instant, unowned, and the other node ran it.
     */
    @Test
    void shouldMoveARowTakenOverPastItsInstantWhenTheTakerCancelsTheTaskMeanwhile() throws Exception
    {
        final Set<Long> ran = ConcurrentHashMap.newKeySet();
        final TaskSpec spec = TaskSpec.named("job").cron("* * * * * *").run(context -> ran.add(context.scheduledAt()
            .toEpochMilli()));
        try (Scheduler registering = node("registering"))
        {
            registering.schedule(spec);
        }
        server.execute("insert into orchestrator_nodes (node_id, epoch, lease_until, heartbeat_at) values ('dead', " +
            "1, clock_timestamp() - interval '1 second', clock_timestamp() - interval '7 seconds')");
        final long heldAt = server.queryLong("update orchestrator_tasks set next_fire = ((extract(epoch from " +
            "clock_timestamp()) * 1000)::bigint / 1000 - 2) * 1000, owner = 'dead', owner_epoch = 1 where name = " +
            "'job' returning next_fire"); // before the end of its lease: it may have started there
        final AtomicReference<Scheduler> taker = new AtomicReference<>();
        final CountDownLatch cancelled = new CountDownLatch(1);
        final DataSource cancelling = ClusterFaults.beforeCommitOf(server.dataSource(), "with due as", () ->
        {
            if (cancelled.getCount() > 0 && taker.get() != null && taker.get().cancel("job"))
            {
                cancelled.countDown(); // the claim round that takes the row over named the task: it is cancelled now
            }
        });
        try (Scheduler node = ClusterFixture.node(server, "taker").store(TaskStore.postgres(cancelling)).build())
        {
            taker.set(node);
            node.schedule(spec);
            node.start();
            assertTrue(cancelled.await(15, TimeUnit.SECONDS), "the task was cancelled during the takeover's claim");
            ClusterFixture.await("the takeover's completion is written", 15, () -> server.queryLong("select " +
                "interrupted from orchestrator_tasks where name = 'job'") == 1, ClusterTaskStateTest::row);
            assertTrue(server.queryLong("select next_fire from orchestrator_tasks where name = 'job'") > heldAt,
                "the row moved past the interrupted instant " + heldAt + "; " + row());
        }
        try (Scheduler other = node("other"))
        {
            other.schedule(spec);
            other.start();
            ClusterFixture.await("the other node ran the task", 15, () -> !ran.isEmpty(), ClusterTaskStateTest::row);
            assertFalse(ran.contains(heldAt), "the instant " + heldAt + " the dead node may have started ran again; " +
                "ran " + ran + "; " + row());
        }
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            latch.await(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static String row()
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery("select 'next ' || next_fire || ' owner ' || coalesce(owner, " +
                "'-') || ' runs ' || runs || ' missed ' || missed || ' interrupted ' || interrupted from " +
                "orchestrator_tasks where name = 'job'"))
        {
            return rows.next() ? "row: " + rows.getString(1) : "no row";
        }
        catch (final SQLException ex)
        {
            return ex.toString();
        }
    }

    private static Scheduler node(final String id)
    {
        return ClusterFixture.node(server, id).build();
    }
}
