package orchestrator.benchmarks.cluster;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

/**
 * Thread safe (stateless): runs DDL and maintenance statements for the contenders.
 */
final class Sql
{
    private Sql()
    {
    }

    /**
     * Runs each statement in auto-commit mode.
     */
    static void execute(final DataSource dataSource, final String... statements) throws SQLException
    {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement())
        {
            for (final String sql : statements)
            {
                statement.execute(sql);
            }
        }
    }

    /**
     * Runs a script of statements separated by {@code ;}, without its {@code --} comments.
     */
    static void executeScript(final DataSource dataSource, final String script) throws SQLException
    {
        final StringBuilder withoutComments = new StringBuilder();
        for (final String line : script.split("\n"))
        {
            final int comment = line.indexOf("--");
            withoutComments.append(comment < 0 ? line : line.substring(0, comment)).append('\n');
        }
        for (final String statement : withoutComments.toString().split(";"))
        {
            final String sql = statement.strip();
            if (!sql.isEmpty() && !sql.equalsIgnoreCase("commit"))
            {
                execute(dataSource, sql);
            }
        }
    }
}
