package orchestrator.scheduler;

import orchestrator.scheduler.store.ChildJvm;
import orchestrator.scheduler.store.PgServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chaos run: three nodes in child JVMs on a real PostgreSQL for five minutes ({@code -Dcluster.chaos.seconds}),
 * one killed (SIGKILL) and restarted every 30 s, one paused (SIGSTOP) past its lease every 60 s, connections of the
 * other two cut every 20 s, clocks skewed by +30 s and -30 s. Then: zero duplicate fires in the ledger, every
 * scheduled instant counted once as run, missed or interrupted, the counters equal to the ledger, and at least one
 * fenced completion rejected.
 */
@Tag("chaos")
class ClusterChaosTest
{
    private static final int TASKS = 10;
    private static final long WORK_MS = 200;

    @TempDir
    Path temp;

    @Test
    void shouldFireNothingTwiceAndAccountForEveryInstantThroughKillsPausesCutsAndSkew() throws Exception
    {
        final long seconds = Long.getLong("cluster.chaos.seconds", 300);
        try (PgServer server = PgServer.start(); ClusterFixture cluster = new ClusterFixture(server, temp))
        {
            ChildJvm killed = cluster.node("killed", 0, TASKS, WORK_MS);
            final ChildJvm paused = cluster.node("paused", 30_000, TASKS, WORK_MS);
            cluster.node("skewed", -30_000, TASKS, WORK_MS);
            final long start = cluster.dbNow();
            int kills = 0;
            int pauses = 0;
            int cuts = 0;
            for (long second = 10; second <= seconds; second += 10)
            {
                final long at = start + second * 1_000;
                ClusterFixture.await("chaos second " + second, 60, () -> cluster.dbNow() >= at);
                if (second % 30 == 0)
                {
                    killed.kill("chaos kill " + kills++);
                    killed = cluster.node("killed", 0, TASKS, WORK_MS);
                }
                if (second % 60 == 0)
                {
                    ClusterFixture.await("a run in flight on the node to pause", 30, () -> cluster.queryLong(
                        "select count(*) from fire_ledger l join orchestrator_tasks t on t.name = l.task where " +
                            "l.node = 'paused' and l.scheduled_at >= t.next_fire") > 0);
                    ClusterFixture.signal(paused, "STOP");
                    pauses++;
                    final long stopped = cluster.dbNow();
                    ClusterFixture.await("pause past the lease", 60, () ->
                        cluster.dbNow() - stopped > ClusterNode.LEASE_MS + 2_000);
                    ClusterFixture.signal(paused, "CONT");
                }
                if (second % 20 == 0)
                {
                    cuts += server.terminateBackends("skewed") + server.terminateBackends("killed");
                }
            }
            final long end = cluster.dbNow();
            ClusterFixture.await("every task fires after the chaos", 60, () -> cluster.queryLong("select count(" +
                "distinct task) from fire_ledger where scheduled_at > " + (end + 2_000)) == TASKS);
            final long[] counted = cluster.assertAccounted(TASKS);
            final long rejected = cluster.queryLong("select sum(rejected) from orchestrator_nodes");
            final long ledger = cluster.queryLong("select count(*) from fire_ledger");
            System.out.printf("chaos: %d s, %d kills, %d pauses, %d connections cut; %d ledger rows, runs %d, " +
                    "missed %d, interrupted %d, rejected completions %d%n", seconds, kills, pauses, cuts, ledger,
                counted[0], counted[1], counted[2], rejected);
            assertEquals(0, cluster.queryLong("select count(*) from duplicates"), "duplicate fires");
            assertTrue(rejected > 0, "at least one fenced completion was rejected (the paused-node path ran)");
            assertTrue(kills >= seconds / 30 && pauses >= seconds / 60, "the chaos ran");
        }
    }
}
