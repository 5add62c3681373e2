package orchestrator.scheduler;

import orchestrator.scheduler.store.ChildJvm;
import orchestrator.scheduler.store.PgServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster nodes in child JVMs on a real PostgreSQL: the same tasks registered on every node fire once per instant,
 * on time; a killed node is taken over; a paused node is fenced and its late completions rejected; cut connections
 * and skewed clocks lose nothing and run nothing twice. The fire ledger (unique on task and instant) is the proof.
 */
@Tag("crash")
class ClusterTest
{
    private static final int TASKS = 5;
    private static PgServer server;

    @TempDir
    Path temp;
    private ClusterFixture cluster;

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
    void setUp() throws Exception
    {
        cluster = new ClusterFixture(server, temp);
    }

    @AfterEach
    void tearDown() throws Exception
    {
        cluster.close();
    }

    @Test
    void shouldFireEachInstantOnceAndOnTimeOnThreeNodes() throws Exception
    {
        cluster.node("a", 0, TASKS, 0);
        cluster.node("b", 0, TASKS, 0);
        cluster.node("c", 0, TASKS, 0);
        final long from = cluster.dbNow() + 2 * ClusterNode.HEARTBEAT_MS; // the nodes agree on the live set
        ClusterFixture.await("8 s of fires", 30, () ->
            cluster.queryLong("select count(*) from fire_ledger where scheduled_at >= " + (from + 8_000)) >= TASKS);
        final long[] counted = cluster.assertAccounted(TASKS);
        assertEquals(0, counted[1] + counted[2], "nothing missed or interrupted without failures");
        assertTrue(cluster.queryLong("select count(*) from fire_ledger where scheduled_at >= " + from + " and " +
            "scheduled_at < " + (from + 8_000)) >= 8 * TASKS, "every instant fired");
        final long p99 = cluster.queryLong("select percentile_disc(0.99) within group (order by started_at - " +
            "scheduled_at) from fire_ledger where scheduled_at >= " + from);
        final long p50 = cluster.queryLong("select percentile_disc(0.5) within group (order by started_at - " +
            "scheduled_at) from fire_ledger where scheduled_at >= " + from);
        System.out.printf("three nodes, %d tasks every second: lateness p50 %d ms, p99 %d ms%n", TASKS, p50, p99);
        assertTrue(p99 < 400, "lateness p99 " + p99 + " ms");
    }

    @Test
    void shouldSendAtMostTwoStatementsPerSecondFromAnIdleNode() throws Exception
    {
        cluster.node("idle", 0, TASKS, 0, "0 0 0 1 1 *"); // once a year: nothing due
        final long before = server.xactCommits() + server.xactRollbacks();
        final long started = System.nanoTime();
        ClusterFixture.await("20 s of an idle node", 60, () -> System.nanoTime() - started >= 20_000_000_000L);
        final double seconds = (System.nanoTime() - started) / 1e9;
        final long transactions = server.xactCommits() + server.xactRollbacks() - before;
        System.out.printf("idle node: %d transactions in %.1f s (%.2f/s; every statement is one)%n", transactions,
            seconds, transactions / seconds);
        assertTrue(transactions / seconds <= 2.0, "idle node: " + transactions / seconds + " statements/s");
    }

    @Test
    void shouldTakeOverTheTasksOfAKilledNodeWithin12Seconds() throws Exception
    {
        final ChildJvm a = cluster.node("a", 0, TASKS, 0);
        final ChildJvm b = cluster.node("b", 0, TASKS, 0);
        ClusterFixture.await("fires", 30, () -> cluster.queryLong("select count(*) from fire_ledger") >= 2 * TASKS);
        final String owner = lastNode();
        final ChildJvm victim = owner.equals("a") ? a : b;
        final String survivor = owner.equals("a") ? "b" : "a";
        victim.kill("takeover");
        final long killedAt = cluster.dbNow();
        ClusterFixture.await("every task fires on the survivor", 30, () -> cluster.queryLong("select count(distinct " +
            "task) from fire_ledger where node = '" + survivor + "' and scheduled_at > " + killedAt) == TASKS);
        final long takeover = cluster.queryLong("select max(first) - " + killedAt + " from (select min(started_at) " +
            "as first from fire_ledger where node = '" + survivor + "' and scheduled_at > " + killedAt +
            " group by task) f");
        System.out.printf("takeover after SIGKILL: %d ms to the survivor's first run of every task%n", takeover);
        assertTrue(takeover <= 12_000, "takeover took " + takeover + " ms");
        cluster.assertAccounted(TASKS);
    }

    @Test
    void shouldFenceAPausedNodeAndRejectItsLateCompletions() throws Exception
    {
        final ChildJvm a = cluster.node("a", 0, TASKS, 400);
        final ChildJvm b = cluster.node("b", 0, TASKS, 400);
        ClusterFixture.await("fires", 30, () -> cluster.queryLong("select count(*) from fire_ledger") >= 2 * TASKS);
        final String owner = lastNode();
        final ChildJvm paused = owner.equals("a") ? a : b;
        final String other = owner.equals("a") ? "b" : "a";
        ClusterFixture.await("a run in flight on " + owner, 30, () -> cluster.queryLong("select count(*) from " +
            "fire_ledger l join orchestrator_tasks t on t.name = l.task where l.node = '" + owner + "' and " +
            "l.scheduled_at >= t.next_fire") > 0);
        ClusterFixture.signal(paused, "STOP");
        final long pausedAt = cluster.dbNow();
        ClusterFixture.await("the other node takes every task over", 30, () -> cluster.queryLong("select count(" +
            "distinct task) from fire_ledger where node = '" + other + "' and scheduled_at > " + pausedAt) == TASKS);
        ClusterFixture.await("past the lease", 30, () -> cluster.dbNow() - pausedAt > ClusterNode.LEASE_MS + 1_000);
        ClusterFixture.signal(paused, "CONT");
        ClusterFixture.await("the woken node's late completion rejected", 30, () -> cluster.queryLong("select " +
            "rejected from orchestrator_nodes where node_id = '" + owner + "'") > 0);
        ClusterFixture.await("the woken node fires again under a new epoch", 30, () -> cluster.queryLong("select " +
            "count(*) from fire_ledger where node = '" + owner + "' and started_at > " + cluster.dbNow()) > 0 ||
            cluster.queryLong("select count(*) from orchestrator_nodes where node_id = '" + owner + "' and epoch > 1")
                > 0);
        assertTrue(cluster.queryLong("select epoch from orchestrator_nodes where node_id = '" + owner + "'") > 1,
            "the paused node was fenced and rejoined");
        cluster.assertAccounted(TASKS);
    }

    @Test
    void shouldRecoverFromCutConnectionsAndLoseNothing() throws Exception
    {
        cluster.node("a", 0, TASKS, 0);
        cluster.node("b", 0, TASKS, 0);
        ClusterFixture.await("fires", 30, () -> cluster.queryLong("select count(*) from fire_ledger") >= 2 * TASKS);
        int cut = 0;
        for (int i = 0; i < 3; i++)
        {
            cut += server.terminateBackends("a") + server.terminateBackends("b");
            final long after = cluster.dbNow();
            ClusterFixture.await("fires after the cut", 30, () -> cluster.queryLong("select count(distinct task) " +
                "from fire_ledger where scheduled_at > " + (after + 1_000)) == TASKS);
        }
        assertTrue(cut > 0, "connections were cut");
        final long[] counted = cluster.assertAccounted(TASKS);
        assertTrue(counted[0] > 0, "runs counted");
    }

    @Test
    void shouldKeepGoingThroughADatabaseOutageAndLoseNothing() throws Exception
    {
        cluster.node("a", 0, TASKS, 0);
        cluster.node("b", 0, TASKS, 0);
        ClusterFixture.await("fires", 30, () -> cluster.queryLong("select count(*) from fire_ledger") >= 2 * TASKS);
        final long stopped = cluster.dbNow();
        server.stop(); // 3 s down: the nodes' leases (6 s) outlive it, their gates (4.5 s) too
        ClusterFixture.await("3 s of outage", 10, () -> System.currentTimeMillis() - stopped >= 3_000);
        server.restart();
        final long back = cluster.dbNow();
        ClusterFixture.await("every task fires after the outage", 30, () -> cluster.queryLong("select " +
            "count(distinct task) from fire_ledger where scheduled_at > " + (back + 1_000)) == TASKS);
        final long[] counted = cluster.assertAccounted(TASKS);
        assertTrue(counted[0] > 0, "runs counted");
    }

    @Test
    void shouldRunNothingTwiceWithClocksSkewedBy30Seconds() throws Exception
    {
        cluster.node("ahead", 30_000, TASKS, 0);
        cluster.node("behind", -30_000, TASKS, 0);
        final long from = cluster.dbNow() + 2 * ClusterNode.HEARTBEAT_MS;
        ClusterFixture.await("8 s of fires", 30, () ->
            cluster.queryLong("select count(*) from fire_ledger where scheduled_at >= " + (from + 8_000)) >= TASKS);
        final long[] counted = cluster.assertAccounted(TASKS);
        assertEquals(0, counted[1] + counted[2], "nothing missed or interrupted");
        final long p99 = cluster.queryLong("select percentile_disc(0.99) within group (order by abs(started_at - " +
            "scheduled_at)) from fire_ledger where scheduled_at >= " + from);
        assertTrue(p99 < 400, "fires on database time whatever the node's clock: |lateness| p99 " + p99 + " ms");
    }

    private String lastNode() throws Exception
    {
        try (var connection = server.connection(); var statement = connection.createStatement();
            var rows = statement.executeQuery("select node from fire_ledger order by started_at desc limit 1"))
        {
            rows.next();
            return rows.getString(1);
        }
    }
}
