package orchestrator.scheduler;

import orchestrator.scheduler.store.PgServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commits per fire under load: two nodes in child JVMs share 1,000 tasks that fire every second (callbacks that
 * do nothing, so every transaction counted is the engine's: claims, completions, heartbeats), for 15 s once
 * 10 fires per task have run (registering 1,000 tasks one by one on both nodes at once is the start-up).
 */
@Tag("crash")
class ClusterLoadTest
{
    private static final int TASKS = 1_000;

    @TempDir
    Path temp;

    @Test
    void shouldCommitAtMostOncePerTwentyFiresUnderLoad() throws Exception
    {
        try (PgServer server = PgServer.start(); ClusterFixture cluster = new ClusterFixture(server, temp))
        {
            cluster.node("a", 0, TASKS, -1);
            cluster.node("b", 0, TASKS, -1);
            final String runs = "select coalesce(sum(runs), 0) from orchestrator_tasks";
            ClusterFixture.await("warm-up", 90, () -> cluster.queryLong(runs) >= 10L * TASKS);
            final String missed = "select coalesce(sum(missed + interrupted), 0) from orchestrator_tasks";
            final long runs0 = cluster.queryLong(runs);
            final long missed0 = cluster.queryLong(missed);
            final long commits0 = server.xactCommits();
            final long started = System.nanoTime();
            ClusterFixture.await("15 s of fires", 60, () -> System.nanoTime() - started >= 15_000_000_000L);
            final long fires = cluster.queryLong(runs) - runs0;
            final long commits = server.xactCommits() - commits0;
            final double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("load: 2 nodes, %d tasks every second: %d fires in %.1f s (%.0f/s), %d commits, " +
                    "%.4f commits per fire; %d instants missed or interrupted meanwhile, %d while the nodes started%n",
                TASKS, fires, seconds, fires / seconds, commits, (double)commits / fires,
                cluster.queryLong(missed) - missed0, missed0);
            assertTrue(fires >= 10L * TASKS, "fires: " + fires);
            assertTrue(cluster.queryLong(missed) - missed0 <= fires / 100, "at most 1% missed once started");
            assertTrue((double)commits / fires <= 0.05, "commits per fire: " + (double)commits / fires);
            assertEquals(TASKS, cluster.queryLong("select count(*) from orchestrator_tasks where runs >= 20"),
                "every task keeps firing");
        }
    }
}
