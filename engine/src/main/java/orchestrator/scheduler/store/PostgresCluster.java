package orchestrator.scheduler.store;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Not thread safe apart from {@link #register}: the cluster's statements on PostgreSQL, on one connection held by
 * the node's cluster thread. See {@link ClusterStore}.
 */
final class PostgresCluster implements ClusterStore
{
    private static final String DB_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
    private static final String CLAIMABLE = "t.state = 'SCHEDULED' and t.name = any(?) and (t.owner is null or " +
        "not exists (select 1 from orchestrator_nodes n where n.node_id = t.owner and n.epoch = t.owner_epoch and " +
        "n.lease_until >= clock_timestamp()))";
    private static final String JOIN = "insert into orchestrator_nodes (node_id, epoch, lease_until, heartbeat_at) " +
        "values (?, 1, clock_timestamp() + ? * interval '1 millisecond', clock_timestamp()) on conflict (node_id) do " +
        "update set epoch = orchestrator_nodes.epoch + 1, lease_until = excluded.lease_until, " +
        "heartbeat_at = excluded.heartbeat_at returning epoch, " + DB_NOW;
    private static final String HEARTBEAT = "update orchestrator_nodes set lease_until = clock_timestamp() + ? * " +
        "interval '1 millisecond', heartbeat_at = clock_timestamp() where node_id = ? and epoch = ? returning " +
        DB_NOW + ", (select min(t.next_fire) from orchestrator_tasks t where " + CLAIMABLE + "), (select " +
        "array_agg(node_id order by node_id) from orchestrator_nodes where lease_until >= clock_timestamp())";
    private static final String CLAIM = "with due as (select t.name, t.owner as previous from orchestrator_tasks t " +
        "where " + CLAIMABLE + " and (t.next_fire <= " + DB_NOW + " + ? or (t.name = any(?) and t.next_fire <= " +
        DB_NOW + " + ?)) order by t.next_fire limit ? " +
        "for update of t skip locked) update orchestrator_tasks t set owner = ?, owner_epoch = ?, " +
        "fence = t.fence + 1, updated_at = clock_timestamp() from due where t.name = due.name " +
        "returning t.name, t.next_fire, t.fence, due.previous, " + DB_NOW;
    private static final String FENCE_DEAD = "update orchestrator_nodes set epoch = epoch + 1 " +
        "where node_id = any(?) and lease_until < clock_timestamp()";
    private static final String COMPLETE = "update orchestrator_tasks set state = ?, next_fire = ?, runs = runs + ?, " +
        "missed = missed + ?, failures = failures + ?, interrupted = interrupted + ?, owner = null, " +
        "owner_epoch = null, updated_at = clock_timestamp() where name = ? and owner = ? and owner_epoch = ? and " +
        "fence = ?";
    private static final String REJECTED = "update orchestrator_nodes set rejected = rejected + ? where node_id = ?";
    private static final String REGISTER = PostgresTaskStore.UPSERT + "spec = excluded.spec, " +
        "next_fire = case when orchestrator_tasks.schedule = excluded.schedule and orchestrator_tasks.state = " +
        "excluded.state then orchestrator_tasks.next_fire else excluded.next_fire end, " +
        "first_fire = case when orchestrator_tasks.schedule = excluded.schedule and orchestrator_tasks.state = " +
        "excluded.state then orchestrator_tasks.first_fire else excluded.first_fire end, " +
        "schedule = excluded.schedule, state = excluded.state, updated_at = clock_timestamp()";

    private final DataSource dataSource;
    private final PostgresTaskStore store;
    private Connection connection; // confined to the cluster thread

    PostgresCluster(final DataSource dataSource, final PostgresTaskStore store)
    {
        this.dataSource = dataSource;
        this.store = store;
    }

    @Override
    public ClusterLease join(final String nodeId, final long leaseMs)
    {
        try
        {
            try (PreparedStatement statement = connection().prepareStatement(JOIN))
            {
                statement.setString(1, nodeId);
                statement.setLong(2, leaseMs);
                try (ResultSet rows = statement.executeQuery())
                {
                    rows.next();
                    return new ClusterLease(rows.getLong(1), rows.getLong(2), Long.MIN_VALUE, List.of());
                }
            }
        }
        catch (final SQLException ex)
        {
            throw failed("join", ex);
        }
    }

    @Override
    public ClusterLease heartbeat(final String nodeId, final long epoch, final long leaseMs, final String[] names)
    {
        try
        {
            final Connection connection = connection();
            try (PreparedStatement statement = connection.prepareStatement(HEARTBEAT))
            {
                statement.setLong(1, leaseMs);
                statement.setString(2, nodeId);
                statement.setLong(3, epoch);
                statement.setArray(4, connection.createArrayOf("text", names));
                try (ResultSet rows = statement.executeQuery())
                {
                    if (!rows.next())
                    {
                        return null;
                    }
                    final long due = rows.getLong(2);
                    final boolean none = rows.wasNull();
                    final Array live = rows.getArray(3);
                    return new ClusterLease(epoch, rows.getLong(1), none ? Long.MAX_VALUE : due,
                        live == null ? List.of() : List.of((String[])live.getArray()));
                }
            }
        }
        catch (final SQLException ex)
        {
            throw failed("heartbeat", ex);
        }
    }

    @Override
    public List<ClusterClaim> claim(final String nodeId, final long epoch, final long overdueMs,
        final String[] names, final long lookaheadMs, final String[] preferred, final int max)
    {
        return inTransaction("claim", connection ->
        {
            final List<ClusterClaim> claims = new ArrayList<>();
            final Set<String> previous = new LinkedHashSet<>();
            try (PreparedStatement statement = connection.prepareStatement(CLAIM))
            {
                statement.setArray(1, connection.createArrayOf("text", names));
                statement.setLong(2, -overdueMs);
                statement.setArray(3, connection.createArrayOf("text", preferred));
                statement.setLong(4, lookaheadMs);
                statement.setInt(5, max);
                statement.setString(6, nodeId);
                statement.setLong(7, epoch);
                try (ResultSet rows = statement.executeQuery())
                {
                    while (rows.next())
                    {
                        final String owner = rows.getString(4);
                        claims.add(new ClusterClaim(rows.getString(1), rows.getLong(2), rows.getLong(3), owner,
                            rows.getLong(5)));
                        if (owner != null && !owner.equals(nodeId))
                        {
                            previous.add(owner);
                        }
                    }
                }
            }
            if (!previous.isEmpty())
            {
                try (PreparedStatement statement = connection.prepareStatement(FENCE_DEAD))
                {
                    final Array owners = connection.createArrayOf("text", previous.toArray());
                    statement.setArray(1, owners);
                    statement.executeUpdate();
                }
            }
            claims.sort((a, b) -> Long.compare(a.fireAt(), b.fireAt()));
            return claims;
        });
    }

    @Override
    public int complete(final String nodeId, final long epoch, final List<ClusterCompletion> completions)
    {
        return inTransaction("completion", connection ->
        {
            int rejected = 0;
            try (PreparedStatement statement = connection.prepareStatement(COMPLETE))
            {
                for (final ClusterCompletion done : completions)
                {
                    statement.setString(1, done.state().name());
                    statement.setLong(2, done.nextFire());
                    statement.setLong(3, done.runs());
                    statement.setLong(4, done.missed());
                    statement.setLong(5, done.failures());
                    statement.setLong(6, done.interrupted());
                    statement.setString(7, done.name());
                    statement.setString(8, nodeId);
                    statement.setLong(9, epoch);
                    statement.setLong(10, done.fence());
                    statement.addBatch();
                }
                for (final int count : statement.executeBatch())
                {
                    rejected += count == 0 ? 1 : 0;
                }
            }
            if (rejected > 0)
            {
                try (PreparedStatement statement = connection.prepareStatement(REJECTED))
                {
                    statement.setLong(1, rejected);
                    statement.setString(2, nodeId);
                    statement.executeUpdate();
                }
            }
            return rejected;
        });
    }

    @Override
    public void register(final StoredTask task)
    {
        store.write(REGISTER, task); // on the store's writer thread and connection, committed when it returns
    }

    @Override
    public void close()
    {
        if (connection != null)
        {
            try
            {
                connection.close();
            }
            catch (final SQLException ex)
            {
                // dropped either way
            }
            connection = null;
        }
    }

    private Connection connection() throws SQLException
    {
        if (connection == null)
        {
            connection = dataSource.getConnection();
            connection.setAutoCommit(true);
        }
        return connection;
    }

    /** Runs {@code work} in one transaction, committed when it returns and rolled back when it throws. */
    private <T> T inTransaction(final String what, final Work<T> work)
    {
        try
        {
            final Connection connection = connection();
            connection.setAutoCommit(false);
            try
            {
                final T result = work.run(connection);
                connection.commit();
                return result;
            }
            catch (final SQLException | RuntimeException ex)
            {
                PostgresTaskStore.rollbackQuietly(connection);
                throw ex;
            }
            finally
            {
                connection.setAutoCommit(true);
            }
        }
        catch (final SQLException ex)
        {
            throw failed(what, ex);
        }
    }

    private interface Work<T>
    {
        T run(Connection connection) throws SQLException;
    }

    private TaskStoreException failed(final String what, final SQLException ex)
    {
        close(); // the next call connects again
        return new TaskStoreException("cluster " + what + " failed: " + ex.getMessage(), ex);
    }
}
