package orchestrator.scheduler.store;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class PgServerTest
{
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(30);

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

    @Test
    void shouldAnswerQueriesThroughTheUrlAndTheDataSource() throws Exception
    {
        try (Connection byUrl = DriverManager.getConnection(server.jdbcUrl());
            Connection byDataSource = server.dataSource().getConnection())
        {
            assertEquals(1, selectInt(byUrl, "select 1"));
            assertEquals(PgServer.DATABASE, selectString(byDataSource, "select current_database()"));
            assertEquals("on", selectString(byDataSource, "show fsync"));
            assertEquals(server.port(), selectInt(byDataSource, "select inet_server_port()"));
        }
    }

    @Test
    void shouldCountCommittedTransactions() throws Exception
    {
        final int commits = 20;
        final long before = server.xactCommits();
        try (Connection connection = server.connection(); Statement statement = connection.createStatement())
        {
            statement.execute("create table if not exists counted (id int)");
            connection.setAutoCommit(false);
            for (int i = 0; i < commits; i++)
            {
                statement.execute("insert into counted values (" + i + ")");
                connection.commit();
            }
        } // the backend publishes its counters when the session ends
        // each read is a committed transaction too: at most `reads` of the delta are ours, not the work's
        final long deadline = System.nanoTime() + DEADLINE_NS;
        int reads = 1;
        long after;
        while ((after = server.xactCommits()) - before - reads < commits)
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("xact_commit went from " + before + " to " + after + " after " + commits + " commits and " +
                    reads + " reads");
            }
            reads++;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    void shouldTerminateTheNamedSessionsOnly() throws Exception
    {
        try (Connection victim = DriverManager.getConnection(server.jdbcUrl() + "&ApplicationName=victim");
            Connection bystander = DriverManager.getConnection(server.jdbcUrl() + "&ApplicationName=bystander"))
        {
            assertEquals(1, selectInt(victim, "select 1"));
            assertEquals(1, server.terminateBackends("victim"));
            assertThrows(SQLException.class, () -> selectInt(victim, "select 1"));
            assertEquals(1, selectInt(bystander, "select 1"));
            assertEquals(0, server.terminateBackends("victim"));
        }
    }

    @Test
    void shouldStopTheServerAndDeleteItsDataDirectoryOnClose() throws Exception
    {
        final PgServer other = PgServer.start();
        final Path dataDir = other.dataDir();
        assertTrue(Files.isDirectory(dataDir.resolve("base")));
        try (Connection connection = other.connection())
        {
            assertEquals(1, selectInt(connection, "select 1"));
            other.close();
            assertThrows(SQLException.class, () -> selectInt(connection, "select 1"));
        }
        assertFalse(Files.exists(dataDir), dataDir + " still exists");
        assertThrows(SQLException.class, other::connection);
        other.close(); // idempotent
    }

    private static int selectInt(final Connection connection, final String sql) throws SQLException
    {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql))
        {
            assertTrue(rows.next());
            return rows.getInt(1);
        }
    }

    private static String selectString(final Connection connection, final String sql) throws SQLException
    {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql))
        {
            assertTrue(rows.next());
            return rows.getString(1);
        }
    }
}
