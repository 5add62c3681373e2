package orchestrator.scheduler;

import orchestrator.scheduler.store.PgServer;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Task control on a cluster node (one node on a throwaway PostgreSQL): pause, resume and reschedule act on the tasks
 * whose instants the node claims. A second task firing every second, the witness, shows that time went by.
 */
class ClusterTaskControlTest
{
    private static PgServer server;

    @BeforeAll
    static void start() throws Exception
    {
        server = PgServer.start();
    }

    @AfterAll
    static void stop()
    {
        server.close();
    }

    @BeforeEach
    void emptyDatabase() throws SQLException
    {
        execute("drop table if exists orchestrator_tasks, orchestrator_nodes, orchestrator_schema");
    }

    /**
     * A task paused on every node of the cluster (here the only one) never runs: the instants the node claims for
     * it are counted missed, in the row and in the task, as a paused task's fires are on a single scheduler.
     */
    @Test
    void shouldCountTheInstantsOfATaskPausedOnEveryNodeMissedAndRunNone() throws Exception
    {
        final AtomicInteger pausedRuns = new AtomicInteger();
        final AtomicInteger witness = new AtomicInteger();
        try (Scheduler node = node("solo"))
        {
            node.schedule(TaskSpec.named("paused").cron("* * * * * *").run(context -> pausedRuns.incrementAndGet()));
            node.schedule(TaskSpec.named("witness").cron("* * * * * *").run(context -> witness.incrementAndGet()));
            assertEquals(true, node.pause("paused"));
            node.start();
            ClusterFixture.await("the witness ran 4 times", 30, () -> witness.get() >= 4);
            assertEquals(0, pausedRuns.get(), "runs of a task paused on every node; task " + node.task("paused"));
            ClusterFixture.await("the paused task's instants are counted missed", 10, () ->
                queryLong("select missed from orchestrator_tasks where name = 'paused'") >= 2 &&
                node.task("paused").orElseThrow().missed() >= 2, () -> "task " + node.task("paused"));
            assertEquals(TaskState.PAUSED, node.task("paused").orElseThrow().state());
            assertEquals(0, queryLong("select runs from orchestrator_tasks where name = 'paused'"));
        }
    }

    /**
     * A task rescheduled on a cluster node runs no instant of its old schedule once reschedule returned (the node's
     * claim of the old schedule's next instant is let go), and the shared row holds the new schedule and its next
     * fire.
     */
    @Test
    void shouldRunNoInstantOfTheOldScheduleAfterRescheduleAndStoreTheNewOneInTheRow() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicBoolean rescheduled = new AtomicBoolean();
        final Set<Long> ranAfter = ConcurrentHashMap.newKeySet(); // instants started once reschedule returned
        final AtomicInteger witness = new AtomicInteger();
        try (Scheduler node = node("solo"))
        {
            node.schedule(TaskSpec.named("t").cron("* * * * * *").run(context ->
            {
                if (rescheduled.get())
                {
                    ranAfter.add(context.scheduledAt().toEpochMilli());
                }
                runs.incrementAndGet();
            }));
            node.schedule(TaskSpec.named("witness").cron("* * * * * *").run(context -> witness.incrementAndGet()));
            node.start();
            ClusterFixture.await("t ran twice", 30, () -> runs.get() >= 2);
            assertTrue(node.reschedule("t", TaskSpec.named("t").cron("0 0 0 1 1 *"))); // yearly, its callback kept
            rescheduled.set(true);
            final int seen = witness.get();
            ClusterFixture.await("the witness ran 3 more times", 30, () -> witness.get() >= seen + 3);
            assertEquals(Set.of(), ranAfter, "instants of the old schedule started after reschedule returned");
            final long next = node.task("t").orElseThrow().nextFire().orElseThrow().toEpochMilli();
            ClusterFixture.await("the row holds the new schedule and next fire", 10, () -> queryLong("select count(*) " +
                "from orchestrator_tasks where name = 't' and schedule like '%0 0 0 1 1 *%' and next_fire = " + next) == 1,
                () -> "task " + node.task("t") + "; row's next fire " + queryLong("select next_fire from " +
                "orchestrator_tasks where name = 't'"));
        }
    }

    private static Scheduler node(final String id)
    {
        return Scheduler.builder().store(TaskStore.postgres(server.dataSource())).nodeId(id)
            .keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH])).build();
    }

    private static long queryLong(final String sql)
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery(sql))
        {
            rows.next();
            return rows.getLong(1);
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(sql, ex);
        }
    }

    private static void execute(final String sql) throws SQLException
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement())
        {
            statement.execute(sql);
        }
    }
}
