package orchestrator.scheduler.store;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract on {@link TaskStore#postgres}, against a real PostgreSQL 15 ({@link PgServer}); "reopen" is a new
 * store object on the same database. Also the versioned schema and the cluster's claim, fence and lease statements.
 */
class PostgresTaskStoreTest extends TaskStoreContract
{
    @Override
    boolean queuesTaskWrites()
    {
        return false; // a shared store's tasks are written by the cluster
    }

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

    @Override
    TaskStore newStore()
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement())
        {
            statement.execute("drop table if exists orchestrator_tasks, orchestrator_nodes, orchestrator_schema");
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(ex);
        }
        return TaskStore.postgres(server.dataSource());
    }

    @Override
    TaskStore sameStoreAgain(final TaskStore closed)
    {
        return TaskStore.postgres(server.dataSource());
    }

    @Test
    void shouldCreateTheSchemaOnceWhenNodesOpenTogether() throws Exception
    {
        newStore();
        final int nodes = 4;
        final ExecutorService pool = Executors.newFixedThreadPool(nodes);
        final CountDownLatch go = new CountDownLatch(1);
        final List<Future<List<StoredTask>>> opened = new ArrayList<>();
        final List<TaskStore> stores = new ArrayList<>();
        for (int i = 0; i < nodes; i++)
        {
            final TaskStore store = TaskStore.postgres(server.dataSource());
            stores.add(store);
            opened.add(pool.submit((Callable<List<StoredTask>>)() ->
            {
                go.await();
                return store.open();
            }));
        }
        go.countDown();
        for (final Future<List<StoredTask>> open : opened)
        {
            assertEquals(List.of(), open.get());
        }
        pool.shutdown();
        stores.forEach(TaskStore::close);
        assertEquals(1, queryLong("select count(*) from orchestrator_schema"));
        assertEquals(PostgresSchema.VERSION, queryLong("select max(version) from orchestrator_schema"));
    }

    @Test
    void shouldRefuseANewerSchema() throws Exception
    {
        openNew().close();
        execute("insert into orchestrator_schema values (" + (PostgresSchema.VERSION + 1) + ")");
        final TaskStore store = TaskStore.postgres(server.dataSource());
        final TaskStoreException refused = assertThrows(TaskStoreException.class, store::open);
        assertTrue(refused.getMessage().contains("version " + (PostgresSchema.VERSION + 1)), refused.getMessage());
        store.close();
    }

    /**
     * A least-privilege application role (data rights on the tables only, no CREATE on the schema, as PostgreSQL 15
     * gives by default on {@code public}) opens the store and joins once the schema is current: nothing to migrate, so
     * no DDL runs.
     */
    @Test
    void shouldOpenWithARoleThatCannotCreateTablesWhenTheSchemaIsCurrent() throws Exception
    {
        openNew().close();
        execute("drop role if exists app");
        execute("create role app login");
        execute("grant select, insert, update, delete on orchestrator_tasks, orchestrator_nodes, orchestrator_schema " +
            "to app");
        final org.postgresql.ds.PGSimpleDataSource app = new org.postgresql.ds.PGSimpleDataSource();
        app.setServerNames(new String[] {"127.0.0.1"});
        app.setPortNumbers(new int[] {server.port()});
        app.setDatabaseName(PgServer.DATABASE);
        app.setUser("app");
        final TaskStore store = TaskStore.postgres(app);
        try
        {
            assertEquals(List.of(), store.open());
            assertEquals(1, store.cluster().join("app-node", 60_000).epoch());
        }
        finally
        {
            store.cluster().close();
            store.close();
        }
    }

    @Test
    void shouldClaimADueRowOnceAndRejectACompletionUnderAnOldFence() throws SQLException
    {
        final TaskStore store = openNew();
        final ClusterStore a = store.cluster();
        final ClusterStore b = TaskStore.postgres(server.dataSource()).cluster();
        final long epochA = a.join("a", 60_000).epoch();
        final long epochB = b.join("b", 60_000).epoch();
        final long now = a.heartbeat("a", epochA, 60_000, new String[]{"x"}, new String[0]).dbMillis();
        a.register(Tasks.runnableTask("x", 1).withProgress(new TaskProgress("x",
            orchestrator.scheduler.TaskState.SCHEDULED, now, 0, 0, 0, TaskProgress.NOT_RUNNING)));
        final String[] names = {"x"};
        final List<ClusterClaim> claimed = a.claim("a", epochA, 0, names, 1_000, names, 10);
        assertEquals(1, claimed.size());
        assertNull(claimed.get(0).previous());
        assertEquals(List.of(), b.claim("b", epochB, 0, names, 1_000, names, 10), "a live owner's row is not claimable");
        final long fence = claimed.get(0).fence();
        assertEquals(List.of(), a.complete("a", epochA, List.of(new ClusterCompletion("x", fence,
            orchestrator.scheduler.TaskState.SCHEDULED, now + 1, 1, 0, 0, 0))));
        assertEquals(1, b.claim("b", epochB, 0, names, 1_000, names, 10).size());
        assertEquals(List.of("x"), a.complete("a", epochA, List.of(new ClusterCompletion("x", fence,
            orchestrator.scheduler.TaskState.SCHEDULED, now + 2, 1, 0, 0, 0))), "an old fence is rejected");
        assertEquals(1, queryLong("select runs from orchestrator_tasks where name = 'x'"));
        assertEquals(1, queryLong("select rejected from orchestrator_nodes where node_id = 'a'"));
        a.close();
        b.close();
    }

    @Test
    void shouldTakeOverTheRowsOfANodeWhoseLeaseRanOutAndFenceIt()
    {
        final TaskStore store = openNew();
        final ClusterStore dead = store.cluster();
        final ClusterStore taker = TaskStore.postgres(server.dataSource()).cluster();
        final long deadEpoch = dead.join("dead", 1).epoch();
        final long takerEpoch = taker.join("taker", 60_000).epoch();
        final long now = taker.heartbeat("taker", takerEpoch, 60_000, new String[]{"x"}, new String[0]).dbMillis();
        dead.register(Tasks.runnableTask("x", 1).withProgress(new TaskProgress("x",
            orchestrator.scheduler.TaskState.SCHEDULED, now - 5_000, 0, 0, 0, TaskProgress.NOT_RUNNING)));
        dead.register(Tasks.runnableTask("y", 1).withProgress(new TaskProgress("y",
            orchestrator.scheduler.TaskState.SCHEDULED, now + 500, 0, 0, 0, TaskProgress.NOT_RUNNING)));
        final String[] names = {"x", "y"};
        assertEquals(2, dead.claim("dead", deadEpoch, 0, names, 1_000, names, 10).size());
        final long deadline = System.nanoTime() + 10_000_000_000L;
        List<ClusterClaim> taken = List.of();
        while (taken.size() < 2 && System.nanoTime() - deadline < 0) // the 1 ms lease runs out in database time
        {
            final List<ClusterClaim> more = taker.claim("taker", takerEpoch, 0, names, 1_000, names, 10);
            if (!more.isEmpty())
            {
                taken = new java.util.ArrayList<>(taken);
                taken.addAll(more);
            }
        }
        assertEquals(2, taken.size());
        taken.sort(java.util.Comparator.comparing(ClusterClaim::name));
        assertEquals("dead", taken.get(0).previous(), "x came due while the dead node's lease lasted: maybe started");
        assertNull(taken.get(1).previous(), "y comes due after the dead node's lease ended: it cannot have started");
        assertNull(dead.heartbeat("dead", deadEpoch, 60_000, names, new String[0]),
            "the dead node learns it was fenced");
        dead.close();
        taker.close();
    }

    /**
     * A node whose lease ran out heartbeats while another node takes its row over, inside the taker's transaction
     * right after its claim statement: the heartbeat must not renew the lease under the taken claim. It waits for the
     * takeover and finds the node fenced (null), so the node never holds the instant the taker got.
     */
    @Test
    void shouldFenceTheOldOwnerWhenItsHeartbeatRacesTheTakeover() throws Exception
    {
        final TaskStore store = openNew();
        final ClusterStore paused = store.cluster();
        final AtomicReference<Runnable> afterClaim = new AtomicReference<>();
        final ClusterStore taker = TaskStore.postgres(afterClaim(server.dataSource(), afterClaim)).cluster();
        final long pausedEpoch = paused.join("paused", 1).epoch(); // its lease runs out at once
        final long takerEpoch = taker.join("taker", 60_000).epoch();
        final long now = taker.heartbeat("taker", takerEpoch, 60_000, new String[]{"x"}, new String[0]).dbMillis();
        paused.register(Tasks.runnableTask("x", 1).withProgress(new TaskProgress("x",
            orchestrator.scheduler.TaskState.SCHEDULED, now + 3_000, 0, 0, 0, TaskProgress.NOT_RUNNING)));
        final String[] names = {"x"};
        final List<ClusterClaim> held = paused.claim("paused", pausedEpoch, 0, names, 5_000, names, 10);
        assertEquals(1, held.size(), "the paused node holds x's next instant ahead");
        final ExecutorService wakes = Executors.newSingleThreadExecutor();
        final AtomicReference<Future<ClusterLease>> raced = new AtomicReference<>();
        afterClaim.set(() ->
        {
            // it wakes up
            raced.set(wakes.submit(() -> paused.heartbeat("paused", pausedEpoch, 60_000, names, new String[0])));
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (!raced.get().isDone() && queryLongUnchecked("select count(*) from pg_locks where not granted") == 0)
            {
                assertTrue(System.nanoTime() - deadline < 0, "the heartbeat neither returned nor waited for a lock");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        });
        List<ClusterClaim> taken = List.of();
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (taken.isEmpty() && System.nanoTime() - deadline < 0) // the 1 ms lease runs out in database time
        {
            taken = taker.claim("taker", takerEpoch, 0, names, 5_000, names, 10);
        }
        assertEquals(1, taken.size(), "the taker took x over");
        assertEquals(held.get(0).fireAt(), taken.get(0).fireAt(), "the same instant");
        assertNull(taken.get(0).previous(), "the instant is after the paused node's lease: the taker runs it");
        assertNull(raced.get().get(10, TimeUnit.SECONDS), "the heartbeat that raced the takeover finds the node fenced");
        assertNull(paused.heartbeat("paused", pausedEpoch, 60_000, names, new String[0]), "the node stays fenced");
        wakes.shutdown();
        paused.close();
        taker.close();
    }

    /**
     * @return {@code target}, whose connections run {@code hook} (once) right after a claim statement executed,
     *         inside the claim's transaction.
     */
    private static DataSource afterClaim(final DataSource target, final AtomicReference<Runnable> hook)
    {
        return (DataSource)Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
            (dataSource, method, args) ->
            {
                final Object result = invoke(method, target, args);
                if (!method.getName().equals("getConnection"))
                {
                    return result;
                }
                return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (connection, prepare, sql) ->
                    {
                        final Object prepared = invoke(prepare, result, sql);
                        if (!prepare.getName().equals("prepareStatement") || !((String)sql[0]).startsWith("with due as"))
                        {
                            return prepared;
                        }
                        return Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                            new Class<?>[] {PreparedStatement.class}, (statement, execute, parameters) ->
                            {
                                final Object executed = invoke(execute, prepared, parameters);
                                final Runnable once = execute.getName().equals("executeQuery") ? hook.getAndSet(null) :
                                    null;
                                if (once != null)
                                {
                                    once.run();
                                }
                                return executed;
                            });
                    });
            });
    }

    private static Object invoke(final Method method, final Object target, final Object[] args) throws Throwable
    {
        try
        {
            return method.invoke(target, args);
        }
        catch (final InvocationTargetException ex)
        {
            throw ex.getCause();
        }
    }

    private static long queryLongUnchecked(final String sql)
    {
        try
        {
            return queryLong(sql);
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(sql, ex);
        }
    }

    private static long queryLong(final String sql) throws SQLException
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery(sql))
        {
            rows.next();
            return rows.getLong(1);
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
