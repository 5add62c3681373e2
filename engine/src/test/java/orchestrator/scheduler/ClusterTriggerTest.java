package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Triggered runs on a cluster node (on a throwaway PostgreSQL): an application's {@code triggerNow} and a late claim
 * the cluster thread triggers wait as one pending run behind the task's run going on, and neither is lost for the
 * other.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterTriggerTest extends ClusterDatabaseTest
{
    /**
     * An application's trigger waits behind a run, merged with a late claim of a later instant; the claim's instant
     * then goes to another node, so the collection refuses the claim's run. The application's trigger still runs.
     */
    @Test
    void shouldRunAnApplicationsTriggerMergedWithALateClaimWhoseRunIsRefused() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler node = ClusterFixture.node(server, "solo").dispatcher(Dispatcher.withWorkers(1)).build())
        {
            startHeldRun(node, ran, started, finish);
            assertTrue(node.triggerNow("t"), "an application's trigger, pending behind the run going on");
            final ClusterClaims claims = node.registry().cluster.claims;
            triggerLateClaim(node, new ClusterClaims.Held("t", System.currentTimeMillis() + TimeUnit.DAYS.toMillis(1),
                1, 1));
            assertNotNull(claims.dropUnstarted("t"), "the instant went to another node: this node may not start it");
            finish.countDown();
            assertTrue(node.awaitIdle(Duration.ofSeconds(30)));
            final TaskInfo task = node.task("t").orElseThrow();
            assertEquals(2, task.runs() + task.missed(),
                "the application's second trigger ran or was counted missed: runs " + task.runs() + ", missed " +
                task.missed());
            assertEquals(2, ran.get(), "the application's second trigger ran");
        }
        finally
        {
            finish.countDown();
        }
    }

    /**
     * A late claim handed to the fire cycle as a triggered run waits behind the task's run going on; the task is
     * paused meanwhile, then the run ends. A paused task's instants are counted missed, not run: the late claim's run
     * does not start, and the claim goes back to the cluster thread, which counts its instants missed.
     */
    @Test
    void shouldNotStartALateClaimWaitingBehindARunWhenItsTaskIsPausedMeanwhile() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler node = ClusterFixture.node(server, "solo").dispatcher(Dispatcher.withWorkers(1)).build())
        {
            startHeldRun(node, ran, started, finish);
            final ClusterClaims.Held held =
                new ClusterClaims.Held("t", System.currentTimeMillis() + TimeUnit.DAYS.toMillis(1), 1, 1);
            triggerLateClaim(node, held);
            assertTrue(node.pause("t"));
            finish.countDown();
            assertTrue(node.awaitIdle(Duration.ofSeconds(30)));
            assertEquals(1, ran.get(), "the late claim of the paused task did not run");
            assertEquals(ClusterClaims.CLAIMED, held.state.get(), "the claim went back to the cluster thread");
        }
        finally
        {
            finish.countDown();
        }
    }

    /**
     * Registers task "t", which counts its runs on {@code ran} and holds each until {@code finish}, starts the node's
     * driver and runs "t" once by an application's trigger, held.
     */
    private static void startHeldRun(final Scheduler node, final AtomicInteger ran, final CountDownLatch started,
        final CountDownLatch finish) throws InterruptedException
    {
        node.schedule(TaskSpec.named("t").cron("0 0 0 1 1 *").run(context ->
        {
            ran.incrementAndGet();
            started.countDown();
            Latches.awaitUninterruptibly(finish);
        }));
        node.start();
        assertTrue(node.triggerNow("t"), "an application's trigger, run locally without a claim");
        assertTrue(started.await(30, TimeUnit.SECONDS));
    }

    /**
     * Does what the cluster thread does with a claim it finds late: hands it to the fire cycle as a triggered run,
     * pending behind the run going on. The claim's instant lies ahead so that the cluster thread itself never looks
     * at it.
     */
    private static void triggerLateClaim(final Scheduler node, final ClusterClaims.Held held)
    {
        final ClusterClaims claims = node.registry().cluster.claims;
        claims.add(held);
        assertEquals(1, claims.late(held.fireAt + 1).size());
        assertTrue(node.registry().control.triggerNow(held.name, held.fireAt), "pending behind the run going on");
    }
}
