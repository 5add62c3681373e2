package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import javax.sql.DataSource;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Thread safe: writes go through one writer thread, in the order they were made. Tasks in PostgreSQL over plain
 * JDBC, on a {@code DataSource} the application supplies: one row per task name in {@code orchestrator_tasks}, the
 * schema created or migrated by {@link #open()} ({@link PostgresSchema}).
 * <p>
 * {@link #upsert} and {@link #remove} are committed when they return; a {@link #recordProgress} batch is one
 * transaction, written in the background after every write made before it. The cluster's side of the table
 * (claims, fences, leases) is {@link #cluster()}.
 */
final class PostgresTaskStore implements TaskStore
{
    static final String UPSERT = "insert into orchestrator_tasks (name, spec, schedule, state, next_fire, first_fire, " +
        "runs, missed, failures, running_fire) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (name) do update set ";
    private static final String REPLACE = UPSERT + "spec = excluded.spec, schedule = excluded.schedule, " +
        "state = excluded.state, next_fire = excluded.next_fire, first_fire = excluded.first_fire, " +
        "runs = excluded.runs, missed = excluded.missed, failures = excluded.failures, " +
        "running_fire = excluded.running_fire, interrupted = 0, owner = null, owner_epoch = null, " +
        "updated_at = clock_timestamp()";
    private static final String PROGRESS = "update orchestrator_tasks set state = ?, next_fire = ?, runs = ?, " +
        "missed = ?, failures = ?, running_fire = ?, updated_at = clock_timestamp() where name = ?";
    private static final long CLOSE_WAIT_S = 30;
    /**
     * How long a statement waits for an answer before its connection counts as failed (and the statement fails), on
     * the writer's and the cluster's connections: a connection that died without a reset (firewall or NAT state lost,
     * a failover behind a virtual IP) would otherwise block its thread for good. The heartbeat period, so that a
     * heartbeat stuck on a dead connection is retried on a new one before the gate closes (lease 6 s minus 1.5 s).
     */
    static final int NETWORK_TIMEOUT_MS = 2_000;

    private final DataSource dataSource;
    private final PostgresCluster cluster;
    private final Object lock = new Object();
    private ExecutorService writer; // guarded by lock: null until open and after close
    private Connection connection;  // confined to the writer thread
    private boolean opened;         // guarded by lock

    PostgresTaskStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
        this.cluster = new PostgresCluster(dataSource, this);
    }

    @Override
    public List<StoredTask> open()
    {
        final ExecutorService started;
        synchronized (lock)
        {
            if (writer != null)
            {
                throw new IllegalStateException(this + " is already open");
            }
            started = Executors.newSingleThreadExecutor(r ->
            {
                final Thread thread = new Thread(r, "orchestrator-pg-store");
                thread.setDaemon(true);
                return thread;
            });
            writer = started;
            opened = true;
        }
        try
        {
            return await(started.submit(() ->
            {
                PostgresSchema.migrate(connection());
                return readAll(connection());
            }), "open");
        }
        catch (final RuntimeException ex)
        {
            try
            {
                close(); // the writer thread and its connection are let go: the store may open again
            }
            catch (final RuntimeException closing)
            {
                ex.addSuppressed(closing);
            }
            throw ex;
        }
    }

    @Override
    public void upsert(final StoredTask task)
    {
        write(REPLACE, task);
    }

    /**
     * Writes a task with {@code sql} (an insert of {@link #bind}'s parameters) on the writer thread; committed when
     * this returns. Retried once on a new connection when the connection failed: {@code sql} must be idempotent.
     *
     * @return the first column of the first row the statement returns; null when it returns none.
     */
    String write(final String sql, final StoredTask task)
    {
        Objects.requireNonNull(task, "task");
        return onWriter("write of '" + task.name() + "'", connection ->
        {
            try (PreparedStatement statement = connection.prepareStatement(sql))
            {
                bind(statement, task);
                if (!statement.execute())
                {
                    return null;
                }
                try (ResultSet rows = statement.getResultSet())
                {
                    return rows.next() ? rows.getString(1) : null;
                }
            }
        });
    }

    /**
     * Runs {@code work} on the writer thread and its connection (in auto-commit mode), after every write made before
     * it; retried once on a new connection when the connection failed: {@code work} must be idempotent.
     */
    <T> T onWriter(final String what, final SqlWork<T> work)
    {
        return await(submit(() -> work.run(connection())), what);
    }

    @Override
    public void remove(final String name)
    {
        Objects.requireNonNull(name, "name");
        await(submit(() ->
        {
            try (PreparedStatement statement = connection().prepareStatement(
                "delete from orchestrator_tasks where name = ?"))
            {
                statement.setString(1, name);
                statement.executeUpdate();
            }
            return null;
        }), "remove of '" + name + "'");
    }

    @Override
    public CompletableFuture<Void> recordProgress(final ProgressBatch batch)
    {
        final ProgressBatch copy = batch; // the store owns the batch from here on
        final CompletableFuture<Void> written = new CompletableFuture<>();
        submit(() ->
        {
            try
            {
                writeProgress(copy);
                written.complete(null);
            }
            catch (final SQLException | RuntimeException ex)
            {
                written.completeExceptionally(new TaskStoreException("progress batch not written: " + ex, ex));
            }
            return null;
        });
        return written;
    }

    @Override
    public boolean isDurable()
    {
        return true;
    }

    @Override
    public ClusterStore cluster()
    {
        return cluster;
    }

    @Override
    public void close()
    {
        final ExecutorService stopping;
        synchronized (lock)
        {
            stopping = writer;
            writer = null;
        }
        if (stopping == null)
        {
            return;
        }
        stopping.submit(this::closeConnection);
        stopping.shutdown();
        try
        {
            if (!stopping.awaitTermination(CLOSE_WAIT_S, TimeUnit.SECONDS))
            {
                throw new TaskStoreException(this + ": the writer did not stop within " + CLOSE_WAIT_S + " s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TaskStoreException(this + ": interrupted while closing", ex);
        }
    }

    @Override
    public String toString()
    {
        return "TaskStore.postgres(" + dataSource + ")";
    }

    static void bind(final PreparedStatement statement, final StoredTask task) throws SQLException
    {
        final TaskProgress progress = task.progress();
        statement.setString(1, task.name());
        statement.setBytes(2, RecordCodec.upsert(task));
        statement.setString(3, task.schedule());
        statement.setString(4, progress.state().name());
        statement.setLong(5, progress.nextFire());
        statement.setLong(6, progress.nextFire());
        statement.setLong(7, progress.runs());
        statement.setLong(8, progress.missed());
        statement.setLong(9, progress.failures());
        statement.setLong(10, progress.runningFire());
    }

    private <T> java.util.concurrent.Future<T> submit(final java.util.concurrent.Callable<T> write)
    {
        synchronized (lock)
        {
            if (writer == null)
            {
                throw new IllegalStateException(this + (opened ? " is closed" : " is not open"));
            }
            try
            {
                return writer.submit(() ->
                {
                    try
                    {
                        return attempt(write);
                    }
                    catch (final SQLException ex)
                    {
                        if (ex.getSQLState() == null || !ex.getSQLState().startsWith("08"))
                        {
                            throw ex;
                        }
                        // a connection that died while idle (a database restart, a network cut) fails the first
                        // statement sent on it: once more on a new one. The writes that get here (the upserts of
                        // write(), the delete of remove()) are idempotent, so one that applied before the cut may
                        // apply again; a progress batch reports its own failure.
                        return attempt(write);
                    }
                });
            }
            catch (final RejectedExecutionException ex)
            {
                throw new IllegalStateException(this + " is closed", ex);
            }
        }
    }

    private <T> T attempt(final java.util.concurrent.Callable<T> write) throws Exception // writer thread
    {
        try
        {
            return write.call();
        }
        catch (final SQLException ex)
        {
            closeConnection(); // the next write connects again
            throw ex;
        }
    }

    private <T> T await(final java.util.concurrent.Future<T> write, final String what)
    {
        try
        {
            return write.get(CLOSE_WAIT_S, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof TaskStoreException)
            {
                throw (TaskStoreException)cause;
            }
            throw new TaskStoreException(this + ": " + what + " failed: " + cause, cause);
        }
        catch (final TimeoutException ex)
        {
            throw new TaskStoreException(this + ": " + what + " did not finish within " + CLOSE_WAIT_S + " s", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TaskStoreException(this + ": interrupted while waiting for " + what, ex);
        }
    }

    private void writeProgress(final ProgressBatch batch) throws SQLException
    {
        final Connection connection = connection();
        connection.setAutoCommit(false);
        try (PreparedStatement statement = connection.prepareStatement(PROGRESS))
        {
            for (int i = 0; i < batch.size(); i++)
            {
                statement.setString(1, batch.state(i).name());
                statement.setLong(2, batch.nextFire(i));
                statement.setLong(3, batch.runs(i));
                statement.setLong(4, batch.missed(i));
                statement.setLong(5, batch.failures(i));
                statement.setLong(6, batch.runningFire(i));
                statement.setString(7, batch.name(i));
                statement.addBatch();
            }
            statement.executeBatch();
            connection.commit();
        }
        catch (final SQLException | RuntimeException ex)
        {
            SqlWork.rollbackQuietly(connection);
            throw ex;
        }
        finally
        {
            connection.setAutoCommit(true);
        }
    }

    private static List<StoredTask> readAll(final Connection connection) throws SQLException
    {
        final List<StoredTask> tasks = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("select spec, state, next_fire, runs, " +
            "missed, failures, running_fire from orchestrator_tasks");
            ResultSet rows = statement.executeQuery())
        {
            while (rows.next())
            {
                final StoredTask spec = RecordCodec.readUpsert(ByteBuffer.wrap(rows.getBytes(1)));
                tasks.add(spec.withProgress(new TaskProgress(spec.name(), TaskState.valueOf(rows.getString(2)),
                    rows.getLong(3), rows.getLong(4), rows.getLong(5), rows.getLong(6), rows.getLong(7))));
            }
        }
        return tasks;
    }

    private Connection connection() throws SQLException // writer thread
    {
        if (connection != null && !connection.isClosed() && connection.getAutoCommit())
        {
            return connection;
        }
        closeConnection();
        connection = dataSource.getConnection();
        connection.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MS);
        connection.setAutoCommit(true);
        return connection;
    }

    private Void closeConnection() // writer thread
    {
        if (connection != null)
        {
            try
            {
                connection.close();
            }
            catch (final SQLException ex)
            {
                // the connection is dropped either way
            }
            connection = null;
        }
        return null;
    }
}
