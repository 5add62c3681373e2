package orchestrator.scheduler;

import orchestrator.scheduler.store.PgServer;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.store.TaskStoreException;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A cluster node's connections to PostgreSQL failing (the database down or restarted, a connection refused, a
 * connection that dies silently) at build, on registration and while it fires: the node goes on once the database
 * answers again, on new connections.
 */
class ClusterConnectionTest extends ClusterDatabaseTest
{
    /**
     * build() fails while the database is down (the store's open cannot connect); the same builder builds once the
     * database is up, rather than failing on the store left half open.
     */
    @Test
    void shouldBuildOnRetryOnceTheDatabaseIsUp() throws Exception
    {
        final Scheduler.Builder builder = builder(server.dataSource());
        server.stop();
        try
        {
            assertThrows(TaskStoreException.class, builder::build);
        }
        finally
        {
            server.restart();
        }
        try (Scheduler node = builder.build())
        {
            assertEquals("retry", node.nodeId());
        }
    }

    /**
     * build() opens the store, then its cluster join fails (its connection refused): the store is closed again, so
     * the same builder builds once connections are accepted.
     */
    @Test
    void shouldBuildOnRetryAfterTheClusterJoinFailed()
    {
        final AtomicBoolean refuse = new AtomicBoolean(true);
        final AtomicInteger connections = new AtomicInteger();
        final DataSource refusing = (DataSource)Proxy.newProxyInstance(DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class}, (proxy, method, args) ->
            {
                if (method.getName().equals("getConnection") && refuse.get() && connections.incrementAndGet() > 1)
                {
                    throw new SQLException("connection refused (injected)", "08001");
                }
                try
                {
                    return method.invoke(server.dataSource(), args);
                }
                catch (final InvocationTargetException ex)
                {
                    throw ex.getCause();
                }
            }); // the first connection (the store's writer) is accepted, the next ones refused
        final Scheduler.Builder builder = builder(refusing);
        assertThrows(TaskStoreException.class, builder::build);
        refuse.set(false);
        try (Scheduler node = builder.build())
        {
            assertEquals("retry", node.nodeId());
        }
    }

    /**
     * The database restarts while the node is idle: its store writer's connection is dead without knowing it. The
     * first registration once the database is back is written on a new connection, not refused, and fires.
     */
    @Test
    void shouldRegisterATaskOnceTheDatabaseIsBackAfterARestart() throws Exception
    {
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler node = builder(server.dataSource()).build())
        {
            node.schedule(TaskSpec.named("before").cron("* * * * * *").run(context -> { }));
            server.stop();
            server.restart();
            node.schedule(TaskSpec.named("after").cron("* * * * * *").run(context -> ran.incrementAndGet()));
            node.start();
            ClusterFixture.await("the task registered after the restart ran", 30, () -> ran.get() >= 1);
        }
    }

    /**
     * Every connection of the node dies without a reset (firewall or NAT state lost, a failover behind a virtual IP):
     * its statements get no answer and no error. The cluster thread's statement fails after the network timeout
     * instead of blocking for good, so the node heartbeats and fires again on a new connection; a registration on
     * the store writer's dead connection is written on a new one.
     */
    @Test
    void shouldGoOnWhenItsConnectionsDieSilently() throws Exception
    {
        try (BlackholeProxy proxy = new BlackholeProxy(server.port()))
        {
            final AtomicInteger ran = new AtomicInteger();
            final AtomicInteger after = new AtomicInteger();
            try (Scheduler node = builder(through(proxy)).build())
            {
                node.schedule(TaskSpec.named("t").cron("* * * * * *").run(context -> ran.incrementAndGet()));
                node.start();
                ClusterFixture.await("t ran twice", 30, () -> ran.get() >= 2);
                proxy.blackhole();
                final int seen = ran.get();
                ClusterFixture.await("t fires again on a new connection", 15, () -> ran.get() >= seen + 3);
                node.schedule(TaskSpec.named("after").cron("* * * * * *").run(context -> after.incrementAndGet()));
                ClusterFixture.await("the task registered after the cut ran", 15, () -> after.get() >= 1);
            }
        }
    }

    /**
     * The connections of a node die silently while it closes (statements in flight, and the last ones it writes, get
     * no answer): close(Duration) returns false within its bound instead of waiting out the network timeout (2 s per
     * statement) for up to 10 s, as it did whatever its bound.
     */
    @Test
    void shouldCloseWithinItsBoundWhenItsConnectionsDieSilently() throws Exception
    {
        try (BlackholeProxy proxy = new BlackholeProxy(server.port()))
        {
            final AtomicInteger ran = new AtomicInteger();
            final Scheduler node = builder(through(proxy)).build();
            try
            {
                node.schedule(TaskSpec.named("t").cron("* * * * * *").run(context -> ran.incrementAndGet()));
                node.start();
                ClusterFixture.await("t ran", 30, () -> ran.get() >= 1);
                proxy.blackhole();
                final long start = System.nanoTime();
                final boolean stopped = node.close(Duration.ofMillis(300));
                final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertFalse(stopped, "the cluster thread was still waiting for the database");
                assertTrue(tookMs < 1_500, "close(300 ms) took " + tookMs + " ms");
            }
            finally
            {
                node.close();
            }
        }
    }

    private static PGSimpleDataSource through(final BlackholeProxy proxy)
    {
        final PGSimpleDataSource viaProxy = new PGSimpleDataSource();
        viaProxy.setServerNames(new String[] {"127.0.0.1"});
        viaProxy.setPortNumbers(new int[] {proxy.port()});
        viaProxy.setDatabaseName(PgServer.DATABASE);
        viaProxy.setUser(PgServer.USER);
        return viaProxy;
    }

    private static Scheduler.Builder builder(final DataSource dataSource)
    {
        return Scheduler.builder().store(TaskStore.postgres(dataSource)).nodeId("retry")
            .keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH]));
    }
}
