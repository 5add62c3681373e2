package orchestrator.scheduler.store;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
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
        final long now = a.heartbeat("a", epochA, 60_000, new String[]{"x"}).dbMillis();
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
        final long now = taker.heartbeat("taker", takerEpoch, 60_000, new String[]{"x"}).dbMillis();
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
        assertNull(dead.heartbeat("dead", deadEpoch, 60_000, names), "the dead node learns it was fenced");
        dead.close();
        taker.close();
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
