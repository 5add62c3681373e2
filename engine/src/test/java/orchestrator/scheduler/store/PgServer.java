package orchestrator.scheduler.store;

import org.postgresql.ds.PGSimpleDataSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import javax.sql.DataSource;

/**
 * Thread safe: every method may be called from any thread; {@link #close()} is idempotent. A throwaway PostgreSQL
 * server for tests and benchmarks, started from the Debian package {@code postgresql-15}: {@code initdb} in a temporary
 * data directory, {@code pg_ctl start} on a free port of 127.0.0.1 with its Unix socket inside the data directory,
 * one database, durable commits ({@code fsync=on}), trust authentication for the superuser {@code postgres}.
 *
 * <h2>Caveats</h2>
 * <ul>
 *     <li>{@code initdb} and {@code pg_ctl} refuse to run as root: as root (CI) they run as the {@code postgres}
 *     user through {@code runuser}, and the data directory is handed to that user.</li>
 *     <li>{@link #close()} stops the server with {@code pg_ctl stop -m immediate} (like a crash: no checkpoint) and
 *     deletes the data directory; a JVM shutdown hook does the same when a test forgets.</li>
 *     <li>{@link #xactCommits()} reads {@code pg_stat_database}, which backends update at most about once a second
 *     while busy and when they go idle or exit; measure deltas over windows of seconds, or after the connections that
 *     did the work were closed.</li>
 * </ul>
 */
public final class PgServer implements AutoCloseable
{
    /** The Debian package that provides the binaries. */
    public static final String DEBIAN_PACKAGE = "postgresql-15";
    /** The superuser, created by {@code initdb -U}. */
    public static final String USER = "postgres";
    /** The database created for the caller. */
    public static final String DATABASE = "orchestrator";

    private static final int START_ATTEMPTS = 3;

    private final Path bin;
    private final Path dataDir;
    private final boolean asPostgresUser;
    private final int port;
    private final PGSimpleDataSource dataSource;
    private final Thread shutdownHook;
    private boolean closed; // guarded by this

    private PgServer(final Path bin, final Path dataDir, final boolean asPostgresUser, final int port)
    {
        this.bin = bin;
        this.dataDir = dataDir;
        this.asPostgresUser = asPostgresUser;
        this.port = port;
        this.dataSource = dataSource(port, DATABASE);
        this.shutdownHook = new Thread(this::stopAndDelete, "pg-server-shutdown");
    }

    /**
     * Creates, starts and returns a server with an empty database {@value #DATABASE}.
     *
     * @throws IllegalStateException when PostgreSQL 15 is not installed, or initdb or pg_ctl fail (with their output).
     */
    public static PgServer start() throws IOException, InterruptedException
    {
        final Path bin = PgCommands.findBinaries();
        final Path dataDir = Files.createTempDirectory("orchestrator-pg");
        final boolean root = Integer.valueOf(0).equals(Files.getAttribute(dataDir, "unix:uid"));
        if (root)
        {
            PgCommands.giveToPostgresUser(dataDir);
        }
        try
        {
            PgCommands.run(bin, dataDir, root, List.of(bin.resolve("initdb").toString(), "-D",
                dataDir.toString(), "-U", USER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"));
            final PgServer server = startOnFreePort(bin, dataDir, root);
            Runtime.getRuntime().addShutdownHook(server.shutdownHook);
            server.createDatabase();
            return server;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            PgCommands.stop(bin, dataDir, root);
            PgCommands.delete(dataDir);
            throw ex;
        }
    }

    /**
     * Stops the server at once ({@code pg_ctl stop -m immediate}, as a crash or a power cut would), keeping its data:
     * every connection is cut and new ones are refused until {@link #restart}.
     */
    public void stop()
    {
        PgCommands.stop(bin, dataDir, asPostgresUser);
    }

    /**
     * Starts the stopped server again on the same port and data (it recovers from its log).
     */
    public void restart() throws IOException, InterruptedException
    {
        PgCommands.run(bin, dataDir, asPostgresUser, List.of(bin.resolve("pg_ctl").toString(), "-D",
            dataDir.toString(), "-w", "-t", "60", "-l", dataDir.resolve("server.log").toString(), "-o",
            options(port, dataDir), "start"));
    }

    private static String options(final int port, final Path dataDir)
    {
        return "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dataDir +
            " -c fsync=on -c max_connections=200";
    }

    private static PgServer startOnFreePort(final Path bin, final Path dataDir, final boolean root)
        throws IOException, InterruptedException
    {
        for (int attempt = 1; ; attempt++)
        {
            final int port = PgCommands.freePort();
            final String options = options(port, dataDir);
            try
            {
                PgCommands.run(bin, dataDir, root, List.of(bin.resolve("pg_ctl").toString(), "-D",
                    dataDir.toString(), "-w", "-t", "60", "-l", dataDir.resolve("server.log").toString(), "-o",
                    options, "start"));
                return new PgServer(bin, dataDir, root, port);
            }
            catch (final IllegalStateException ex)
            {
                if (attempt == START_ATTEMPTS) // another process may have taken the port between probe and start
                {
                    throw new IllegalStateException(ex.getMessage() + "\nserver.log:\n" +
                        PgCommands.serverLog(dataDir), ex);
                }
            }
        }
    }

    /**
     * The JDBC URL of the database, with the user; no password is needed.
     */
    public String jdbcUrl()
    {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE + "?user=" + USER;
    }

    /**
     * The TCP port on 127.0.0.1.
     */
    public int port()
    {
        return port;
    }

    /**
     * The data directory, which also holds the Unix socket and {@code server.log}.
     */
    public Path dataDir()
    {
        return dataDir;
    }

    /**
     * A data source of the database, user {@value #USER}, no pool: each {@code getConnection} opens a new session.
     */
    public DataSource dataSource()
    {
        return dataSource;
    }

    /**
     * A new connection to the database, in auto-commit mode.
     */
    public Connection connection() throws SQLException
    {
        return dataSource.getConnection();
    }

    /**
     * @return the first column of the first row {@code sql} returns, 0 when it returns none.
     * @throws IllegalStateException naming the statement when it fails.
     */
    public long queryLong(final String sql)
    {
        try (Connection connection = connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery(sql))
        {
            return rows.next() ? rows.getLong(1) : 0;
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(sql, ex);
        }
    }

    /** Runs {@code sql} on a new connection. */
    public void execute(final String sql) throws SQLException
    {
        try (Connection connection = connection(); Statement statement = connection.createStatement())
        {
            statement.execute(sql);
        }
    }

    /** Drops the engine's tables, so that the next node starts on an empty database. */
    public void dropOrchestratorTables() throws SQLException
    {
        execute("drop table if exists orchestrator_tasks, orchestrator_nodes, orchestrator_schema");
    }

    /**
     * Terminates, with {@code pg_terminate_backend}, every session of the database whose application name or user name
     * equals {@code applicationNameOrUser}, except the caller's own, and waits (up to 10 s each) until they are gone.
     *
     * @return how many sessions were terminated.
     */
    public int terminateBackends(final String applicationNameOrUser) throws SQLException
    {
        try (Connection connection = connection();
            PreparedStatement statement = connection.prepareStatement(
                "select count(*) filter (where pg_terminate_backend(pid, 10000)) from pg_stat_activity " +
                "where datname = ? and pid <> pg_backend_pid() and (application_name = ? or usename = ?)"))
        {
            statement.setString(1, DATABASE);
            statement.setString(2, applicationNameOrUser);
            statement.setString(3, applicationNameOrUser);
            return (int)queryLong(statement);
        }
    }

    /**
     * The number of committed transactions of the database since the server started ({@code xact_commit} of
     * {@code pg_stat_database}). The query is itself a transaction, counted once its session has ended; see the caveat
     * about update lag.
     */
    public long xactCommits() throws SQLException
    {
        return statDatabase("xact_commit");
    }

    /**
     * The number of rolled back transactions of the database since the server started ({@code xact_rollback}).
     */
    public long xactRollbacks() throws SQLException
    {
        return statDatabase("xact_rollback");
    }

    /**
     * Stops the server at once ({@code pg_ctl stop -m immediate}) and deletes its data directory.
     */
    @Override
    public void close()
    {
        stopAndDelete();
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (final IllegalStateException ex)
        {
            // the JVM is shutting down and runs the hook itself
        }
    }

    @Override
    public String toString()
    {
        return "PgServer{port=" + port + ", dataDir=" + dataDir + "}";
    }

    private synchronized void stopAndDelete()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        PgCommands.stop(bin, dataDir, asPostgresUser);
        PgCommands.delete(dataDir);
    }

    private void createDatabase()
    {
        try (Connection connection = dataSource(port, "postgres").getConnection();
            Statement statement = connection.createStatement())
        {
            statement.execute("create database " + DATABASE);
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException("could not create the database " + DATABASE + " on port " + port, ex);
        }
    }

    private long statDatabase(final String column) throws SQLException
    {
        try (Connection connection = connection();
            PreparedStatement statement = connection.prepareStatement(
                "select " + column + " from pg_stat_database where datname = ?"))
        {
            statement.setString(1, DATABASE);
            return queryLong(statement);
        }
    }

    private static long queryLong(final PreparedStatement statement) throws SQLException
    {
        try (ResultSet rows = statement.executeQuery())
        {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static PGSimpleDataSource dataSource(final int port, final String database)
    {
        final PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {"127.0.0.1"});
        dataSource.setPortNumbers(new int[] {port});
        dataSource.setDatabaseName(database);
        dataSource.setUser(USER);
        return dataSource;
    }
}
