package orchestrator.scheduler.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Confined to the thread that runs it: statements on one connection, whose outcome the caller commits or rolls back.
 *
 * @param <T> what the statements answer.
 */
interface SqlWork<T>
{
    T run(Connection connection) throws SQLException;

    /**
     * Rolls back the transaction of {@code connection}, a failure to do so ignored: it ends with the connection.
     */
    static void rollbackQuietly(final Connection connection)
    {
        try
        {
            connection.rollback();
        }
        catch (final SQLException ex)
        {
            // the transaction ends with the connection
        }
    }
}
