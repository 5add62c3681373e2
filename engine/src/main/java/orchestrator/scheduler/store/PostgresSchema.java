package orchestrator.scheduler.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Stateless: creates or migrates the PostgreSQL schema of {@link PostgresTaskStore}, in one transaction under a
 * transaction-scoped advisory lock, so that nodes starting together apply each version once.
 * <p>
 * Versions: 1 = {@code orchestrator_tasks} (one row per task name: the stored task's encoding, its progress columns
 * and the cluster's claim columns {@code owner}, {@code owner_epoch}, {@code fence}) and {@code orchestrator_nodes}
 * (one row per node: epoch and lease, in database time). {@code orchestrator_schema} holds the version applied.
 * <p>
 * A current schema is only read, so a role with data rights on the three tables and no right to create can open it.
 */
final class PostgresSchema
{
    static final int VERSION = 1;
    private static final long LOCK_KEY = 0x6f7263685f736368L; // "orch_sch"

    private static final String[] V1 = {
        "create table orchestrator_tasks (" +
            "name text primary key, " +
            "spec bytea not null, " +
            "schedule text not null, " +
            "state text not null, " +
            "next_fire bigint not null, " +
            "first_fire bigint not null, " +
            "runs bigint not null default 0, " +
            "missed bigint not null default 0, " +
            "failures bigint not null default 0, " +
            "interrupted bigint not null default 0, " +
            "running_fire bigint not null, " +
            "owner text, " +
            "owner_epoch bigint, " +
            "fence bigint not null default 0, " +
            "updated_at timestamptz not null default clock_timestamp()) with (fillfactor = 80)",
        "create index orchestrator_tasks_next_fire on orchestrator_tasks (next_fire)",
        "create table orchestrator_nodes (" +
            "node_id text primary key, " +
            "epoch bigint not null, " +
            "lease_until timestamptz not null, " +
            "heartbeat_at timestamptz not null, " +
            "rejected bigint not null default 0)",
    };

    private PostgresSchema()
    {
    }

    /**
     * Brings the database to {@link #VERSION}.
     *
     * @return the version found before (0: none).
     * @throws TaskStoreException when the database holds a newer version than this engine knows.
     */
    static int migrate(final Connection connection) throws SQLException
    {
        final boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement())
        {
            statement.execute("select pg_advisory_xact_lock(" + LOCK_KEY + ")");
            final int found = found(statement);
            if (found > VERSION)
            {
                connection.rollback();
                throw new TaskStoreException("the database holds orchestrator schema version " + found +
                    "; this engine knows up to " + VERSION);
            }
            if (found < 1)
            {
                statement.execute("create table if not exists orchestrator_schema (version int not null)");
                for (final String ddl : V1)
                {
                    statement.execute(ddl);
                }
                statement.execute("insert into orchestrator_schema (version) values (1)");
            }
            connection.commit();
            return found;
        }
        catch (final SQLException | RuntimeException ex)
        {
            connection.rollback();
            throw ex;
        }
        finally
        {
            connection.setAutoCommit(autoCommit);
        }
    }

    /**
     * Reads the version without DDL, so that a role with data rights only can open a current schema (PostgreSQL
     * checks the right to create before it checks {@code if not exists}).
     *
     * @return the version applied; 0 when {@code orchestrator_schema} does not exist or is empty.
     */
    private static int found(final Statement statement) throws SQLException
    {
        try (ResultSet rows = statement.executeQuery("select to_regclass('orchestrator_schema') is not null"))
        {
            rows.next();
            if (!rows.getBoolean(1))
            {
                return 0;
            }
        }
        try (ResultSet rows = statement.executeQuery("select coalesce(max(version), 0) from orchestrator_schema"))
        {
            rows.next();
            return rows.getInt(1);
        }
    }
}
