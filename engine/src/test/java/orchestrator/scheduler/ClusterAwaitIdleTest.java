package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scheduler.awaitIdle on a cluster node (on a throwaway PostgreSQL): a run the node may not start locally is not
 * waited for. The interleaving is forced with latches and the registry's lock instrumented.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterAwaitIdleTest extends ClusterDatabaseTest
{
    /**
     * A late claim handed to the fire cycle as a triggered run waits behind the task's run going on; meanwhile its
     * instant goes to another node, so when the run ends the collection refuses the triggered run. awaitIdle, which
     * waited for it while it was pending, must wake then, not sleep until its timeout.
     */
    @Test
    void shouldReturnFromAwaitIdleWhenTheClaimOfAPendingTriggeredRunIsRefused() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        final CountDownLatch sawPending = new CountDownLatch(1); // awaitIdle saw the triggered run ready, not taken
        final AtomicBoolean gateDriver = new AtomicBoolean();
        final AtomicReference<Scheduler> built = new AtomicReference<>();
        final Thread waiter = Thread.currentThread();
        final Scheduler.Builder builder = ClusterFixture.node(server, "solo").dispatcher(Dispatcher.withWorkers(1));
        builder.registryLock = new ReentrantLock()
        {
            @Override
            public void lock()
            {
                if (gateDriver.get() && Thread.currentThread().getName().equals("orchestrator-driver"))
                {
                    Latches.awaitUninterruptibly(sawPending); // the driver collects once awaitIdle waits for the run
                }
                super.lock();
            }

            @Override
            public void unlock()
            {
                final Scheduler scheduler = built.get();
                if (Thread.currentThread() == waiter && gateDriver.get() && getHoldCount() == 1 &&
                    scheduler.registry().cycle.isIdle() && scheduler.registry().control.pending.any())
                {
                    sawPending.countDown();
                }
                super.unlock();
            }
        };
        try (Scheduler node = builder.build())
        {
            built.set(node);
            node.schedule(TaskSpec.named("t").cron("0 0 0 1 1 *").run(context ->
            {
                started.countDown();
                Latches.awaitUninterruptibly(finish);
            }));
            node.start();
            assertTrue(node.triggerNow("t"), "an application's trigger, run locally without a claim");
            assertTrue(started.await(30, TimeUnit.SECONDS));
            // the cluster thread finds a claim of "t" late and hands it to the fire cycle as a triggered run; its
            // instant lies ahead here so that the cluster thread itself never looks at it
            final ClusterClaims claims = node.registry().cluster.claims;
            final long at = System.currentTimeMillis() + TimeUnit.DAYS.toMillis(1);
            claims.add(new ClusterClaims.Held("t", at, 1, 1));
            assertEquals(1, claims.late(at + 1).size());
            assertTrue(node.registry().control.triggerNow("t", at), "pending behind the run going on");
            assertNotNull(claims.dropUnstarted("t"), "the instant went to another node: this node may not start it");
            gateDriver.set(true);
            finish.countDown();
            final boolean idle = node.awaitIdle(Duration.ofSeconds(10));
            assertEquals(0, sawPending.getCount(), "positive control: awaitIdle waited for the pending triggered run");
            assertTrue(idle, "awaitIdle slept until its timeout after the triggered run's claim was refused");
            assertEquals(1, node.task("t").orElseThrow().runs(), "the refused run did not start here");
        }
        finally
        {
            sawPending.countDown();
            finish.countDown();
        }
    }
}
