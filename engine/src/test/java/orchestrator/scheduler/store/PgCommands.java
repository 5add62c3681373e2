package orchestrator.scheduler.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Thread safe (stateless): the PostgreSQL binaries and files behind {@link PgServer}: finding {@code initdb} and
 * {@code pg_ctl}, running them (as the {@code postgres} user when we are root), the data directory's owner, a free
 * port, deleting the directory.
 */
final class PgCommands
{
    static final Path DEBIAN_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final long COMMAND_TIMEOUT_S = 120;

    private PgCommands()
    {
    }

    static Path findBinaries()
    {
        if (Files.isExecutable(DEBIAN_BIN.resolve("initdb")))
        {
            return DEBIAN_BIN;
        }
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String dir : path.split(":"))
            {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "initdb")) &&
                    Files.isExecutable(Path.of(dir, "pg_ctl")))
                {
                    return Path.of(dir);
                }
            }
        }
        throw new IllegalStateException("PostgreSQL is not installed: no initdb in " + DEBIAN_BIN +
            " nor on the PATH. Install the Debian package " + PgServer.DEBIAN_PACKAGE + " (apt-get install " +
            PgServer.DEBIAN_PACKAGE + "); .ci/run installs it when missing.");
    }

    static void giveToPostgresUser(final Path dataDir) throws IOException
    {
        final UserPrincipalLookupService users = dataDir.getFileSystem().getUserPrincipalLookupService();
        final UserPrincipal user;
        try
        {
            user = users.lookupPrincipalByName(PgServer.USER);
        }
        catch (final IOException ex)
        {
            delete(dataDir);
            throw new IllegalStateException("running as root, but there is no '" + PgServer.USER + "' user to run " +
                "PostgreSQL as; the Debian package " + PgServer.DEBIAN_PACKAGE + " creates it", ex);
        }
        final GroupPrincipal group = users.lookupPrincipalByGroupName(PgServer.USER);
        final PosixFileAttributeView view = Files.getFileAttributeView(dataDir, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
    }

    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    static void stop(final Path bin, final Path dataDir, final boolean root)
    {
        if (!Files.exists(dataDir.resolve("postmaster.pid")))
        {
            return;
        }
        try
        {
            run(bin, dataDir, root, List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w",
                "-m", "immediate", "stop"));
        }
        catch (final IOException | RuntimeException ex)
        {
            System.err.println("PgServer: could not stop the server in " + dataDir + ": " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs a PostgreSQL command, as the {@code postgres} user when we are root, in the data directory (which that user
     * can read), and fails with its output when it does not exit with 0 in time.
     */
    static void run(final Path bin, final Path dataDir, final boolean root, final List<String> command)
        throws IOException, InterruptedException
    {
        final List<String> full = new ArrayList<>();
        if (root)
        {
            full.addAll(List.of("runuser", "-u", PgServer.USER, "--"));
        }
        full.addAll(command);
        final Process process = new ProcessBuilder(full).directory(dataDir.toFile()).redirectErrorStream(true).start();
        final byte[] output;
        try (InputStream in = process.getInputStream())
        {
            output = in.readAllBytes(); // pg_ctl start sends the server's output to server.log, so this ends
        }
        if (!process.waitFor(COMMAND_TIMEOUT_S, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", full) + " did not finish in " + COMMAND_TIMEOUT_S + " s");
        }
        if (process.exitValue() != 0)
        {
            throw new IllegalStateException(String.join(" ", full) + " exited with " + process.exitValue() + ":\n" +
                new String(output, StandardCharsets.UTF_8));
        }
    }

    static String serverLog(final Path dataDir)
    {
        try
        {
            return Files.readString(dataDir.resolve("server.log"));
        }
        catch (final IOException ex)
        {
            return "(unreadable: " + ex + ")";
        }
    }

    static void delete(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("could not delete " + dir, ex);
        }
    }
}
