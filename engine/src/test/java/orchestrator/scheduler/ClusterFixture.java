package orchestrator.scheduler;

import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.store.ChildJvm;
import orchestrator.scheduler.store.PgServer;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Cluster nodes as child JVMs ({@link ClusterNodeMain}) on one PostgreSQL, and the checks of the fire ledger against
 * the shared task rows.
 */
final class ClusterFixture implements AutoCloseable
{
    /** Every task of {@link ClusterNodeMain} fires every second. */
    static final long PERIOD_MS = 1_000;

    final PgServer server;
    private final Path dir;
    private final List<ChildJvm> children = new ArrayList<>();
    private int started;

    ClusterFixture(final PgServer server, final Path dir) throws SQLException
    {
        this.server = server;
        this.dir = dir;
        execute("drop table if exists orchestrator_tasks, orchestrator_nodes, orchestrator_schema, fire_ledger, " +
            "duplicates");
        execute("create table fire_ledger (task text not null, scheduled_at bigint not null, node text not null, " +
            "fence bigint not null, started_at bigint not null, unique (task, scheduled_at))");
        execute("create table duplicates (task text not null, scheduled_at bigint not null, node text not null, " +
            "fence bigint not null)");
    }

    ChildJvm node(final String id, final long offsetMs, final int tasks, final long workMs)
        throws IOException, InterruptedException
    {
        return node(id, offsetMs, tasks, workMs, "* * * * * *");
    }

    ChildJvm node(final String id, final long offsetMs, final int tasks, final long workMs, final String cron)
        throws IOException, InterruptedException
    {
        final ChildJvm child = ChildJvm.start(ClusterNodeMain.class, List.of(Integer.toString(server.port()), id,
            Long.toString(offsetMs), Integer.toString(tasks), Long.toString(workMs), cron),
            dir.resolve(id + "-" + started++ + ".err"));
        children.add(child);
        child.awaitReady("node " + id);
        return child;
    }

    static void signal(final ChildJvm child, final String signal) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
    }

    /** @return a builder of an in-process node of the cluster on {@code server}, with a fixed key. */
    static Scheduler.Builder node(final PgServer server, final String id)
    {
        return Scheduler.builder().store(TaskStore.postgres(server.dataSource())).nodeId(id)
            .keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH]));
    }

    /**
     * Polls {@code condition} every 50 ms until it holds or {@code seconds} pass.
     */
    static void await(final String what, final long seconds, final BooleanSupplier condition)
    {
        await(what, seconds, condition, () -> "");
    }

    /**
     * As {@link #await(String, long, BooleanSupplier)}, with {@code state} in the failure message.
     */
    static void await(final String what, final long seconds, final BooleanSupplier condition,
        final java.util.function.Supplier<String> state)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("not within " + seconds + " s: " + what + "; " + state.get());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    long queryLong(final String sql)
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery(sql))
        {
            return rows.next() ? rows.getLong(1) : 0;
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(sql, ex);
        }
    }

    void execute(final String sql) throws SQLException
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement())
        {
            statement.execute(sql);
        }
    }

    /**
     * @return the rows of {@code sql}, one line each, for failure messages.
     */
    String rows(final String sql)
    {
        final StringBuilder text = new StringBuilder();
        try (Connection connection = server.connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery(sql))
        {
            final int columns = rows.getMetaData().getColumnCount();
            while (rows.next())
            {
                text.append('\n');
                for (int i = 1; i <= columns; i++)
                {
                    text.append(i > 1 ? " | " : "").append(rows.getString(i));
                }
            }
        }
        catch (final SQLException ex)
        {
            text.append(ex);
        }
        return text.toString();
    }

    long dbNow()
    {
        return queryLong("select (extract(epoch from clock_timestamp()) * 1000)::bigint");
    }

    /**
     * The ledger against the task rows, in one snapshot: no duplicate; for every task, its instants from the first
     * fire up to the next are each counted once as run, missed or interrupted (runs + missed + interrupted = instants,
     * every second); each ledger row lies on an instant; the ledger holds every run and at most the interrupted
     * instants more.
     *
     * @return the summed counters: runs, missed, interrupted.
     */
    long[] assertAccounted(final int tasks) throws SQLException
    {
        assertEquals(0, queryLong("select count(*) from duplicates"), "duplicate fires");
        final long[] sums = new long[3];
        try (Connection connection = server.connection())
        {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            final Map<String, long[]> rows = new HashMap<>();
            try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("select name, first_fire, next_fire, runs, missed, " +
                    "interrupted from orchestrator_tasks"))
            {
                while (result.next())
                {
                    rows.put(result.getString(1), new long[] {result.getLong(2), result.getLong(3), result.getLong(4),
                        result.getLong(5), result.getLong(6)});
                }
            }
            assertEquals(tasks, rows.size(), "one row per task name, whatever the number of nodes");
            for (final Map.Entry<String, long[]> row : rows.entrySet())
            {
                final long[] r = row.getValue();
                final String task = row.getKey();
                assertEquals(0, (r[1] - r[0]) % PERIOD_MS, task + ": next fire on the grid");
                assertEquals((r[1] - r[0]) / PERIOD_MS, r[2] + r[3] + r[4],
                    task + ": every instant from the first fire counted once as run, missed or interrupted " +
                        "(runs, missed, interrupted = " + r[2] + ", " + r[3] + ", " + r[4] + ")");
                final long ledger;
                try (Statement statement = connection.createStatement();
                    ResultSet result = statement.executeQuery("select count(*), count(*) filter (where " +
                        "scheduled_at % " + PERIOD_MS + " <> " + Math.floorMod(r[0], PERIOD_MS) + " or scheduled_at < " +
                        r[0] + ") from fire_ledger where task = '" + task + "' and scheduled_at < " + r[1]))
                {
                    result.next();
                    ledger = result.getLong(1);
                    assertEquals(0, result.getLong(2), task + ": ledger rows off the task's instants");
                }
                assertTrue(ledger >= r[2] && ledger <= r[2] + r[4], task + ": the ledger (" + ledger + ") holds " +
                    "every counted run (" + r[2] + ") and at most the interrupted instants (" + r[4] + ") more");
                sums[0] += r[2];
                sums[1] += r[3];
                sums[2] += r[4];
            }
            connection.rollback();
        }
        return sums;
    }

    @Override
    public void close() throws InterruptedException, IOException
    {
        if (System.getProperty("cluster.logs") != null)
        {
            final Path logs = Path.of(System.getProperty("cluster.logs"));
            java.nio.file.Files.createDirectories(logs);
            try (var files = java.nio.file.Files.list(dir))
            {
                for (final Path file : (Iterable<Path>)files::iterator)
                {
                    java.nio.file.Files.copy(file, logs.resolve(file.getFileName()),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        for (final ChildJvm child : children)
        {
            if (child.isAlive())
            {
                signal(child, "CONT");
                child.kill("close");
            }
        }
    }
}
