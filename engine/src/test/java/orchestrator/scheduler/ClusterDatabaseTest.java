package orchestrator.scheduler;

import orchestrator.scheduler.store.PgServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.sql.SQLException;

/**
 * The PostgreSQL fixture of the in-process cluster tests: a throwaway server for each test class, started before its
 * first test and stopped after its last, and no orchestrator table left from one test to the next. The test classes
 * run one at a time (the build runs no two at once), so each holds the server in this class's field in turn.
 */
abstract class ClusterDatabaseTest
{
    static PgServer server;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = PgServer.start();
    }

    @AfterAll
    static void stopServer()
    {
        server.close();
        server = null;
    }

    @BeforeEach
    void emptyDatabase() throws SQLException
    {
        server.dropOrchestratorTables();
    }
}
