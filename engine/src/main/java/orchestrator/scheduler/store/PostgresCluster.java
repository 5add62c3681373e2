package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongBinaryOperator;

/**
 * Not thread safe apart from {@link #register}: the cluster's statements on PostgreSQL, on one connection held by
 * the node's cluster thread. See {@link ClusterStore}.
 */
final class PostgresCluster implements ClusterStore
{
    static final String DB_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
    // a name list as a hashed set (IN a subquery), not = any(array): a generic plan searches an array parameter
    // linearly for every row, which with tens of thousands of names costs seconds per statement
    private static final String NAMED = "t.state = 'SCHEDULED' and t.name in (select unnest(?::text[]))";
    private static final String CLAIMABLE = NAMED + " and (t.owner is null or " +
        "not exists (select 1 from orchestrator_nodes n where n.node_id = t.owner and n.epoch = t.owner_epoch and " +
        "n.lease_until >= clock_timestamp()))";
    private static final String DUE = "(t.next_fire <= " + DB_NOW + " + ? or (t.name in (select unnest(?::text[])) " +
        "and t.next_fire <= " + DB_NOW + " + ?))";
    private static final String JOIN = "insert into orchestrator_nodes (node_id, epoch, lease_until, heartbeat_at) " +
        "values (?, 1, clock_timestamp() + ? * interval '1 millisecond', clock_timestamp()) on conflict (node_id) do " +
        "update set epoch = orchestrator_nodes.epoch + 1, lease_until = excluded.lease_until, " +
        "heartbeat_at = excluded.heartbeat_at returning epoch, " + DB_NOW + ", (select array_agg(n.node_id) from " +
        "orchestrator_nodes n where n.lease_until >= clock_timestamp())"; // the others: the statement's own row is not seen
    private static final String LEAVE = "update orchestrator_nodes set lease_until = clock_timestamp() where " +
        "node_id = ? and epoch = ?";
    private static final String HEARTBEAT = "update orchestrator_nodes set lease_until = clock_timestamp() + ? * " +
        "interval '1 millisecond', heartbeat_at = clock_timestamp() where node_id = ? and epoch = ? returning " +
        DB_NOW + ", (select min(t.next_fire) from orchestrator_tasks t where " + CLAIMABLE + "), (select " +
        "array_agg(node_id order by node_id) from orchestrator_nodes where lease_until >= clock_timestamp()), " +
        "(select array_agg(t.state || ' ' || t.name) from orchestrator_tasks t where t.state in ('COMPLETED', " +
        "'FAILED') and t.name in (select unnest(?::text[])))";
    // first in a claim's transaction: the other nodes whose lease ran out and that own due rows move to a new epoch,
    // their rows locked until the claim commits, so that a heartbeat of theirs racing the takeover waits for it and
    // then matches 0 rows (a heartbeat that got there first leaves its node alive and its rows not claimed)
    private static final String FENCE_DEAD = "update orchestrator_nodes set epoch = epoch + 1 where node_id in " +
        "(select n.node_id from orchestrator_nodes n where n.node_id <> ? and n.lease_until < clock_timestamp() and " +
        "exists (select 1 from orchestrator_tasks t where t.owner = n.node_id and t.owner_epoch = n.epoch and " +
        NAMED + " and " + DUE + ") for update of n skip locked)";
    // claimable: not owned, or owned under an epoch that moved on (FENCE_DEAD moved those of the dead owners); the
    // owner may have started the instant when it is at or before the end of its lease (which only grows) and now
    private static final String CLAIM = "with due as (select t.name, t.owner as previous, t.owner is not null and " +
        "t.next_fire <= coalesce((select least((extract(epoch from n.lease_until) * 1000)::bigint, " + DB_NOW +
        ") from orchestrator_nodes n where n.node_id = t.owner), " + DB_NOW + ") as started from orchestrator_tasks t " +
        "where " + NAMED + " and (t.owner is null or not exists (select 1 from orchestrator_nodes n where " +
        "n.node_id = t.owner and n.epoch = t.owner_epoch)) and " + DUE + " order by t.next_fire limit ? " +
        "for update of t skip locked) update orchestrator_tasks t set owner = ?, owner_epoch = ?, " +
        "fence = t.fence + 1, updated_at = clock_timestamp() from due where t.name = due.name " +
        "returning t.name, t.next_fire, t.fence, due.previous, due.started, " + DB_NOW;
    private static final String COMPLETE = "update orchestrator_tasks t set state = v.state, next_fire = v.next_fire, " +
        "runs = t.runs + v.runs, missed = t.missed + v.missed, failures = t.failures + v.failures, " +
        "interrupted = t.interrupted + v.interrupted, owner = case when v.keep then t.owner end, " +
        "owner_epoch = case when v.keep then t.owner_epoch end, fence = t.fence + case when v.keep then 1 else 0 end, " +
        "updated_at = clock_timestamp() from unnest(?::text[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], " +
        "?::bigint[], ?::bigint[], ?::bigint[], ?::boolean[]) as v(name, fence, state, next_fire, runs, missed, " +
        "failures, interrupted, keep) where t.name = any(?) and t.name = v.name and t.owner = ? and " +
        "t.owner_epoch = ? and t.fence = v.fence returning t.name";
    private static final String HASH_JOIN = "set local enable_nestloop = off"; // one probe per row, not rows squared
    private static final String REJECTED = "update orchestrator_nodes set rejected = rejected + ? where node_id = ?";
    // the same schedule keeps the row's instants; a row the cluster finished (a one-time task that ran) stays finished
    private static final String SAME = "orchestrator_tasks.schedule = excluded.schedule and " +
        "(orchestrator_tasks.state = excluded.state or orchestrator_tasks.state in ('COMPLETED', 'FAILED'))";
    static final String REGISTER = PostgresTaskStore.UPSERT + "spec = excluded.spec, " +
        "next_fire = case when " + SAME + " then orchestrator_tasks.next_fire else excluded.next_fire end, " +
        "first_fire = case when " + SAME + " then orchestrator_tasks.first_fire else excluded.first_fire end, " +
        "state = case when " + SAME + " then orchestrator_tasks.state else excluded.state end, " +
        "schedule = excluded.schedule, updated_at = clock_timestamp() returning orchestrator_tasks.state";

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
                    final Array others = rows.getArray(3);
                    final TreeSet<String> live = new TreeSet<>();
                    if (others != null)
                    {
                        live.addAll(List.of((String[])others.getArray()));
                    }
                    live.add(nodeId);
                    return new ClusterLease(rows.getLong(1), rows.getLong(2), Long.MIN_VALUE, List.copyOf(live));
                }
            }
        }
        catch (final SQLException ex)
        {
            throw failed("join", ex);
        }
    }

    @Override
    public void leave(final String nodeId, final long epoch)
    {
        try (PreparedStatement statement = connection().prepareStatement(LEAVE))
        {
            statement.setString(1, nodeId);
            statement.setLong(2, epoch);
            statement.executeUpdate();
        }
        catch (final SQLException ex)
        {
            throw failed("leave", ex);
        }
    }

    @Override
    public ClusterLease heartbeat(final String nodeId, final long epoch, final long leaseMs, final String[] names,
        final String[] ending)
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
                statement.setArray(5, connection.createArrayOf("text", ending));
                try (ResultSet rows = statement.executeQuery())
                {
                    if (!rows.next())
                    {
                        return null;
                    }
                    final long due = rows.getLong(2);
                    final boolean none = rows.wasNull();
                    final Array live = rows.getArray(3);
                    final Array ended = rows.getArray(4);
                    final Map<String, TaskState> finished = new HashMap<>();
                    for (final String row : ended == null ? new String[0] : (String[])ended.getArray())
                    {
                        final int space = row.indexOf(' '); // "STATE name"
                        finished.put(row.substring(space + 1), TaskState.valueOf(row.substring(0, space)));
                    }
                    return new ClusterLease(epoch, rows.getLong(1), none ? Long.MAX_VALUE : due,
                        live == null ? List.of() : List.of((String[])live.getArray()), finished);
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
            final Array nameArray = connection.createArrayOf("text", names);
            final Array preferredArray = connection.createArrayOf("text", preferred);
            try (PreparedStatement statement = connection.prepareStatement(FENCE_DEAD))
            {
                statement.setString(1, nodeId);
                statement.setArray(2, nameArray);
                statement.setLong(3, -overdueMs);
                statement.setArray(4, preferredArray);
                statement.setLong(5, lookaheadMs);
                statement.executeUpdate();
            }
            final List<ClusterClaim> claims = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(CLAIM))
            {
                statement.setArray(1, nameArray);
                statement.setLong(2, -overdueMs);
                statement.setArray(3, preferredArray);
                statement.setLong(4, lookaheadMs);
                statement.setInt(5, max);
                statement.setString(6, nodeId);
                statement.setLong(7, epoch);
                try (ResultSet rows = statement.executeQuery())
                {
                    while (rows.next())
                    {
                        claims.add(new ClusterClaim(rows.getString(1), rows.getLong(2), rows.getLong(3),
                            rows.getBoolean(5) ? rows.getString(4) : null, rows.getLong(6)));
                    }
                }
            }
            claims.sort((a, b) -> Long.compare(a.fireAt(), b.fireAt()));
            return claims;
        });
    }

    @Override
    public List<String> complete(final String nodeId, final long epoch, final List<ClusterCompletion> completions)
    {
        return inTransaction("completion", connection ->
        {
            final int n = completions.size();
            final String[] names = new String[n];
            final Long[] fences = new Long[n];
            final String[] states = new String[n];
            final Long[] next = new Long[n];
            final Long[] runs = new Long[n];
            final Long[] missed = new Long[n];
            final Long[] failures = new Long[n];
            final Long[] interrupted = new Long[n];
            final Boolean[] keep = new Boolean[n];
            for (int i = 0; i < n; i++)
            {
                final ClusterCompletion done = completions.get(i);
                names[i] = done.name();
                fences[i] = done.fence();
                states[i] = done.state().name();
                next[i] = done.nextFire();
                runs[i] = done.runs();
                missed[i] = done.missed();
                failures[i] = done.failures();
                interrupted[i] = done.interrupted();
                keep[i] = done.keep();
            }
            final Set<String> applied = new HashSet<>();
            try (Statement statement = connection.createStatement())
            {
                statement.execute(HASH_JOIN);
            }
            try (PreparedStatement statement = connection.prepareStatement(COMPLETE))
            {
                final Array nameArray = connection.createArrayOf("text", names);
                statement.setArray(1, nameArray);
                statement.setArray(2, connection.createArrayOf("bigint", fences));
                statement.setArray(3, connection.createArrayOf("text", states));
                statement.setArray(4, connection.createArrayOf("bigint", next));
                statement.setArray(5, connection.createArrayOf("bigint", runs));
                statement.setArray(6, connection.createArrayOf("bigint", missed));
                statement.setArray(7, connection.createArrayOf("bigint", failures));
                statement.setArray(8, connection.createArrayOf("bigint", interrupted));
                statement.setArray(9, connection.createArrayOf("boolean", keep));
                statement.setArray(10, nameArray);
                statement.setString(11, nodeId);
                statement.setLong(12, epoch);
                try (ResultSet rows = statement.executeQuery())
                {
                    while (rows.next())
                    {
                        applied.add(rows.getString(1));
                    }
                }
            }
            final List<String> rejected = new ArrayList<>();
            for (final String name : names)
            {
                if (!applied.contains(name))
                {
                    rejected.add(name);
                }
            }
            if (!rejected.isEmpty())
            {
                try (PreparedStatement statement = connection.prepareStatement(REJECTED))
                {
                    statement.setLong(1, rejected.size());
                    statement.setString(2, nodeId);
                    statement.executeUpdate();
                }
            }
            return rejected;
        });
    }

    @Override
    public TaskState register(final StoredTask task)
    {
        // on the store's writer thread and connection, committed when it returns
        return TaskState.valueOf(store.write(REGISTER, task));
    }

    @Override
    public TaskState reschedule(final StoredTask task, final LongBinaryOperator dueFires)
    {
        return PostgresReschedule.write(store, task, dueFires);
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
            connection.setNetworkTimeout(Runnable::run, PostgresTaskStore.NETWORK_TIMEOUT_MS); // a dead one fails
            connection.setAutoCommit(true);
        }
        return connection;
    }

    /**
     * Runs {@code work} in one transaction, committed when it returns and rolled back when it throws.
     *
     * @throws ClusterStore.CommitUnknownException when the commit itself failed: it may have applied.
     */
    private <T> T inTransaction(final String what, final SqlWork<T> work)
    {
        final Connection connection;
        final T result;
        try
        {
            connection = connection();
            connection.setAutoCommit(false);
            try
            {
                result = work.run(connection);
            }
            catch (final SQLException | RuntimeException ex)
            {
                SqlWork.rollbackQuietly(connection);
                try
                {
                    connection.setAutoCommit(true);
                }
                catch (final SQLException reset)
                {
                    ex.addSuppressed(reset); // the work's failure is the one to report
                }
                throw ex;
            }
        }
        catch (final SQLException ex)
        {
            throw failed(what, ex);
        }
        try
        {
            connection.commit();
        }
        catch (final SQLException ex)
        {
            close(); // the next call connects again
            throw new ClusterStore.CommitUnknownException("cluster " + what + ": the commit got no answer, it may " +
                "have applied: " + ex.getMessage(), ex, result);
        }
        try
        {
            connection.setAutoCommit(true);
        }
        catch (final SQLException ex)
        {
            close(); // committed: the answer stands, the next call connects again
        }
        return result;
    }

    private TaskStoreException failed(final String what, final SQLException ex)
    {
        close(); // the next call connects again
        return new TaskStoreException("cluster " + what + " failed: " + ex.getMessage(), ex);
    }
}
