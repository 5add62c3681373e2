package orchestrator.scheduler;

import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster node whose claim round or completion batch commits while the answer is lost with its connection (as when
 * a connection is cut during the commit): the rows the database now says it holds, which it does not know of, fire
 * again rather than stay claimed by a live node forever. The fault is injected once, at the commit of the chosen
 * statement, which applies and then fails as a cut connection does.
 */
class ClusterLostCommitTest extends ClusterDatabaseTest
{
    /** Text of the statements whose commit loses its answer (see PostgresCluster). */
    private static final String CLAIM = "with due as";
    private static final String COMPLETE = "set state = v.state";

    private final AtomicReference<String> lose = new AtomicReference<>(); // the statement whose next commit is lost
    private final CountDownLatch lost = new CountDownLatch(1);
    private final AtomicBoolean twice = new AtomicBoolean();
    private final AtomicBoolean downAfterLoss = new AtomicBoolean(); // the database stays unreachable after the loss
    private final AtomicBoolean down = new AtomicBoolean();

    @Test
    void shouldFireATaskWhoseKeptRowWasCommittedWithoutAnAnswer() throws Exception
    {
        final Set<Long> instants = ConcurrentHashMap.newKeySet();
        final CountDownLatch more = new CountDownLatch(3);
        try (Scheduler node = node())
        {
            node.schedule(TaskSpec.named("tick").cron("* * * * * *").run(context ->
            {
                if (!instants.add(context.scheduledAt().toEpochMilli()))
                {
                    twice.set(true);
                }
                if (!lose.compareAndSet(null, COMPLETE)) // the first run's completion keeps the row, answerless
                {
                    more.countDown();
                }
            }));
            node.start();
            assertTrue(lost.await(15, TimeUnit.SECONDS), "the first completion's commit lost its answer");
            assertTrue(more.await(15, TimeUnit.SECONDS), "the task fires again after its completion's lost answer; " +
                rows());
        }
        assertFalse(twice.get(), "an instant ran twice: " + instants);
    }

    /**
     * The completion whose commit lost its answer kept the row for the task's next instant; the database then stays
     * unreachable until that instant has passed. The node never knew it held the instant, so nobody started it: when
     * the node claims the row back, the instant runs (by its misfire policy) rather than being counted interrupted, as
     * a claim taken over from a node that may have started it would be.
     */
    @Test
    void shouldRunTheKeptInstantOfACompletionThatLostItsAnswerOnceItPassedDuringTheOutage() throws Exception
    {
        final Set<Long> ran = ConcurrentHashMap.newKeySet();
        downAfterLoss.set(true);
        try (Scheduler node = node())
        {
            node.schedule(TaskSpec.named("tick").cron("* * * * * *").misfire(MisfirePolicy.FIRE_ONCE).run(context ->
            {
                ran.add(context.scheduledAt().toEpochMilli());
                lose.compareAndSet(null, COMPLETE); // the first run's completion keeps the row, answerless
            }));
            node.start();
            assertTrue(lost.await(15, TimeUnit.SECONDS), "the first completion's commit lost its answer");
            final long kept = queryLong("select next_fire from orchestrator_tasks where name = 'tick'");
            ClusterFixture.await("the kept instant passed during the outage", 15, () -> queryLong("select " +
                "(extract(epoch from clock_timestamp()) * 1000)::bigint") >= kept + 300);
            down.set(false);
            ClusterFixture.await("the kept instant was decided", 15, () -> queryLong("select next_fire from " +
                "orchestrator_tasks where name = 'tick'") > kept, ClusterLostCommitTest::rows);
            assertEquals(0, queryLong("select interrupted from orchestrator_tasks where name = 'tick'"),
                "nothing counted interrupted: no node may have started the kept instant " + kept + "; " + rows());
            assertTrue(ran.contains(kept), "the kept instant " + kept + " ran; ran " + ran + "; " + rows());
        }
    }

    @Test
    void shouldFireATaskWhoseClaimWasCommittedWithoutAnAnswer() throws Exception
    {
        final Set<Long> instants = ConcurrentHashMap.newKeySet();
        final CountDownLatch runs = new CountDownLatch(2);
        lose.set(CLAIM);
        try (Scheduler node = node())
        {
            node.schedule(TaskSpec.named("tick").cron("* * * * * *").run(context ->
            {
                if (!instants.add(context.scheduledAt().toEpochMilli()))
                {
                    twice.set(true);
                }
                runs.countDown();
            }));
            node.start();
            assertTrue(lost.await(15, TimeUnit.SECONDS), "the first claim's commit lost its answer");
            assertTrue(runs.await(15, TimeUnit.SECONDS), "the task fires after its claim's lost answer; " + rows());
            assertEquals(2, queryLong("select epoch from orchestrator_nodes where node_id = 'solo'"),
                "the node rejoined once, for the commit it could not know the outcome of");
        }
        assertFalse(twice.get(), "an instant ran twice: " + instants);
    }

    /**
     * The claim round whose commit loses its answer takes a row that is overdue (no node ran it for 6 s): the node
     * rejoins to free it, then claims it again. No node can have started that instant (the node that claimed it never
     * knew it held it), so it runs by its misfire policy (FIRE_ONCE: once) rather than being written off as
     * interrupted, as a claim taken over from a node that may have started it would be.
     */
    @Test
    void shouldRunAnOverdueRowWhoseClaimLostItsAnswer() throws Exception
    {
        final Set<Long> ran = ConcurrentHashMap.newKeySet();
        final TaskSpec spec = TaskSpec.named("catch-up").cron("* * * * * *").misfire(MisfirePolicy.FIRE_ONCE)
            .run(context -> ran.add(context.scheduledAt().toEpochMilli()));
        try (Scheduler registering = node())
        {
            registering.schedule(spec); // the row; never started, so never claimed
        }
        final long lateAt = queryLong("update orchestrator_tasks set next_fire = ((extract(epoch from " +
            "clock_timestamp()) * 1000)::bigint / 1000 - 6) * 1000 where name = 'catch-up' returning next_fire");
        lose.set(CLAIM);
        try (Scheduler node = node())
        {
            node.schedule(spec);
            node.start();
            assertTrue(lost.await(15, TimeUnit.SECONDS), "the first claim's commit lost its answer");
            ClusterFixture.await("the overdue row was decided", 15, () -> queryLong("select runs + missed + " +
                "interrupted from orchestrator_tasks where name = 'catch-up'") >= 6, ClusterLostCommitTest::rows);
            assertTrue(ran.contains(lateAt), "the overdue instant " + lateAt + " ran once by FIRE_ONCE; ran " + ran +
                "; " + rows());
            assertEquals(0, queryLong("select interrupted from orchestrator_tasks where name = 'catch-up'"),
                "nothing counted interrupted: no node may have started the instant; " + rows());
        }
    }

    /**
     * As above, but the row the unanswered claim round took was held by a node whose lease ran out, which may have
     * started that instant: the claim that takes it back still counts it as interrupted and does not run it, as the
     * takeover would have.
     */
    @Test
    void shouldNotRunAnInstantTheUnansweredClaimTookOverFromANodeThatMayHaveStartedIt() throws Exception
    {
        final Set<Long> ran = ConcurrentHashMap.newKeySet();
        final TaskSpec spec = TaskSpec.named("catch-up").cron("* * * * * *").misfire(MisfirePolicy.FIRE_ONCE)
            .run(context -> ran.add(context.scheduledAt().toEpochMilli()));
        try (Scheduler registering = node())
        {
            registering.schedule(spec);
        }
        queryString("insert into orchestrator_nodes (node_id, epoch, lease_until, heartbeat_at) values ('dead', 1, " +
            "clock_timestamp() - interval '1 second', clock_timestamp() - interval '7 seconds') returning node_id");
        final long heldAt = queryLong("update orchestrator_tasks set next_fire = ((extract(epoch from " +
            "clock_timestamp()) * 1000)::bigint / 1000 - 2) * 1000, owner = 'dead', owner_epoch = 1 " +
            "where name = 'catch-up' returning next_fire"); // before the end of its lease: it may have started
        lose.set(CLAIM);
        try (Scheduler node = node())
        {
            node.schedule(spec);
            node.start();
            assertTrue(lost.await(15, TimeUnit.SECONDS), "the first claim's commit lost its answer");
            ClusterFixture.await("the row taken over was decided", 15, () -> queryLong("select interrupted from " +
                "orchestrator_tasks where name = 'catch-up'") + queryLong("select runs from orchestrator_tasks " +
                "where name = 'catch-up'") >= 1, ClusterLostCommitTest::rows);
            assertEquals(1, queryLong("select interrupted from orchestrator_tasks where name = 'catch-up'"),
                "the instant the dead node may have started is counted interrupted; " + rows());
            assertFalse(ran.contains(heldAt), "the instant " + heldAt + " the dead node may have started ran again; " +
                rows());
        }
    }

    private Scheduler node()
    {
        return Scheduler.builder().store(TaskStore.postgres(losing(server.dataSource()))).nodeId("solo")
            .keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH])).build();
    }

    /**
     * @return {@code target}, whose connections commit the transaction that ran the statement {@link #lose} names,
     *         once, then close and throw as a connection cut during the commit does.
     */
    private DataSource losing(final DataSource target)
    {
        return ClusterFaults.proxy(DataSource.class, target, (method, args) ->
        {
            if (method.getName().equals("getConnection") && down.get())
            {
                throw new SQLException("the database is unreachable (injected)", "08001");
            }
            final Object result = method.invoke(target, args);
            return method.getName().equals("getConnection") ? losing((Connection)result) : result;
        });
    }

    private Connection losing(final Connection target)
    {
        final AtomicReference<String> ran = new AtomicReference<>(""); // the statements of the open transaction
        return ClusterFaults.proxy(Connection.class, target, (method, args) ->
        {
            if (method.getName().equals("prepareStatement"))
            {
                ran.updateAndGet(sql -> sql + args[0]);
            }
            else if (method.getName().equals("commit"))
            {
                final String statements = ran.getAndSet("");
                final String chosen = lose.get();
                if (chosen != null && !chosen.isEmpty() && statements.contains(chosen) &&
                    lose.compareAndSet(chosen, ""))
                {
                    target.commit();
                    target.close();
                    down.set(downAfterLoss.get());
                    lost.countDown();
                    throw new SQLException("the connection was cut during the commit (injected)", "08006");
                }
            }
            else if (method.getName().equals("rollback"))
            {
                ran.set("");
            }
            return method.invoke(target, args);
        });
    }

    private static String rows()
    {
        return "task: " + queryString("select name || ' next ' || next_fire || ' owner ' || coalesce(owner, '-') || " +
            "' epoch ' || coalesce(owner_epoch, 0) || ' fence ' || fence || ' runs ' || runs || ' missed ' || missed || " +
            "' interrupted ' || interrupted from orchestrator_tasks") + ", node: " +
            queryString("select node_id || ' epoch ' || epoch from orchestrator_nodes");
    }

    private static long queryLong(final String sql)
    {
        return Long.parseLong(queryString(sql));
    }

    private static String queryString(final String sql)
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery(sql))
        {
            return rows.next() ? rows.getString(1) : "";
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(sql, ex);
        }
    }
}
