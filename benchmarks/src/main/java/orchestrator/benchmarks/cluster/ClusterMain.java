package orchestrator.benchmarks.cluster;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import orchestrator.benchmarks.report.Environment;
import orchestrator.scheduler.store.PgServer;

/**
 * NOT thread safe (a program): the cluster harness. Starts one PostgreSQL server ({@link PgServer}) and measures every
 * contender on it in turn ({@link ClusterMeasurements}), with nodes in child JVMs ({@link ClusterNodeMain}); prints
 * lines starting {@code cluster} and writes {@value #REPORT} to {@code bench.cluster.out}. Settings:
 * {@link ClusterSettings}. Run by {@link ClusterRunner}, or directly from {@code benchmarks/}:
 * <pre>
 * java -cp target/benchmarks.jar orchestrator.benchmarks.cluster.ClusterMain "&lt;command for the report&gt;"
 * </pre>
 */
public final class ClusterMain
{
    /** The Markdown page. */
    public static final String REPORT = "cluster.md";

    private ClusterMain()
    {
    }

    /**
     * @param args the command to print in the report (optional).
     * @throws Exception when a measurement fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final long started = System.nanoTime();
        final String loadAtStart = Environment.loadAverage();
        final ClusterSettings settings = ClusterSettings.fromSystemProperties();
        final Path logDir = settings.outputDir().resolve("logs");
        Files.createDirectories(logDir);
        final List<ContenderFigures> figures = new ArrayList<>();
        final String postgres;
        try (PgServer server = PgServer.start())
        {
            postgres = version(server);
            System.out.println("# cluster: " + postgres + " on port " + server.port() + ", contenders " +
                settings.contenders());
            for (final String name : settings.contenders())
            {
                figures.add(new ClusterMeasurements(settings, server, Contender.named(name.strip()), logDir).run());
            }
        }
        final String command = args.length > 0 ? args[0] : "java " + ClusterMain.class.getName();
        final Environment environment = Environment.capture(Path.of(System.getProperty("java.home"), "bin", "java"),
            command, loadAtStart, started);
        final Path report = settings.outputDir().resolve(REPORT);
        Files.writeString(report, new ClusterReport(settings, figures).render(environment, postgres),
            StandardCharsets.UTF_8);
        System.out.println("# cluster: wrote " + report);
        System.exit(0); // peers' non-daemon threads must not keep the JVM
    }

    private static String version(final PgServer server) throws Exception
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery("show server_version"))
        {
            rows.next();
            return "PostgreSQL " + rows.getString(1);
        }
    }
}
