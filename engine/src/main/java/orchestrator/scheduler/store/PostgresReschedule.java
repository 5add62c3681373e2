package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.LongBinaryOperator;

/**
 * Stateless: a task's changed schedule written to its shared row ({@link ClusterStore#reschedule}) in one transaction
 * on the store's writer: the row is locked and read, then stored as a registration stores it, and the instants of the
 * old schedule that came due with no live node's claim on them are added to its {@code missed}.
 */
final class PostgresReschedule
{
    // the row's instants are free to count when no live node holds its claim: that node counts its own instant
    private static final String READ = "select t.next_fire, " + PostgresCluster.DB_NOW + ", t.state = 'SCHEDULED' " +
        "and t.schedule <> ? and (t.owner is null or not exists (select 1 from orchestrator_nodes n where " +
        "n.node_id = t.owner and n.epoch = t.owner_epoch and n.lease_until >= clock_timestamp())) " +
        "from orchestrator_tasks t where t.name = ? for update of t";
    private static final String MISSED = "update orchestrator_tasks set missed = missed + ? where name = ?";

    private PostgresReschedule()
    {
    }

    /**
     * @return the row's state once stored; see {@link ClusterStore#reschedule}. Idempotent: once applied, the row
     *         holds the new schedule, so a retry counts nothing again.
     */
    static TaskState write(final PostgresTaskStore store, final StoredTask task, final LongBinaryOperator dueFires)
    {
        return TaskState.valueOf(store.onWriter("reschedule of '" + task.name() + "'", connection ->
        {
            connection.setAutoCommit(false);
            try
            {
                final String state = write(connection, task, dueFires);
                connection.commit();
                return state;
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
        }));
    }

    private static String write(final Connection connection, final StoredTask task, final LongBinaryOperator dueFires)
        throws SQLException
    {
        long missed = 0;
        try (PreparedStatement statement = connection.prepareStatement(READ))
        {
            statement.setString(1, task.schedule());
            statement.setString(2, task.name());
            try (ResultSet rows = statement.executeQuery())
            {
                if (rows.next() && rows.getBoolean(3) && rows.getLong(1) <= rows.getLong(2))
                {
                    missed = dueFires.applyAsLong(rows.getLong(1), rows.getLong(2));
                }
            }
        }
        final String state;
        try (PreparedStatement statement = connection.prepareStatement(PostgresCluster.REGISTER))
        {
            PostgresTaskStore.bind(statement, task);
            try (ResultSet rows = statement.executeQuery())
            {
                rows.next();
                state = rows.getString(1);
            }
        }
        if (missed > 0)
        {
            try (PreparedStatement statement = connection.prepareStatement(MISSED))
            {
                statement.setLong(1, missed);
                statement.setString(2, task.name());
                statement.executeUpdate();
            }
        }
        return state;
    }
}
