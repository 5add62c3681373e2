package orchestrator.benchmarks.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import orchestrator.benchmarks.ChildJvm;

/**
 * NOT thread safe: runs the cluster harness ({@link ClusterMain}) in a JVM of its own, for {@code mvn -pl benchmarks
 * jmh -Dbench.harnesses=cluster}, with the default {@link ClusterSettings}; the {@code bench.cluster.*} system
 * properties of this JVM are passed on. The figures are printed (lines starting {@code cluster}) and written to
 * {@value #REPORT} in the run's output directory ({@code results/} for a full run).
 */
public final class ClusterRunner
{
    /** Options of the harness's JVM (its nodes have their own, {@link ClusterSettings#NODE_JVM_OPTIONS}). */
    public static final List<String> JVM_OPTIONS = List.of("-Xms512m", "-Xmx512m");
    /** The Markdown page. */
    public static final String REPORT = ClusterMain.REPORT;
    /**
     * Settings of the smoke run inside {@code mvn verify}: every contender and phase once, briefly, two nodes, no
     * takeover (the peers need 15 s or more); windows of a second, so that ours, whose tasks all fire on whole seconds,
     * has an instant in each. The figures mean nothing; a broken harness fails the build.
     */
    public static final List<String> SMOKE_SETTINGS = List.of("-Dbench.cluster.nodes=2",
        "-Dbench.cluster.warmup.ms=200", "-Dbench.cluster.window.ms=1000", "-Dbench.cluster.idle.ms=500",
        "-Dbench.cluster.rate=200", "-Dbench.cluster.lateness.ms=1000", "-Dbench.cluster.drain.ms=500",
        "-Dbench.cluster.takeover.ms=0", "-Dbench.cluster.recurring=200", "-Dbench.cluster.backlog.scale=0.05");

    private final ChildJvm jvm;

    /**
     * @param jvm launches the harness's JVM.
     */
    public ClusterRunner(final ChildJvm jvm)
    {
        this.jvm = jvm;
    }

    /**
     * @param outputDir where {@value #REPORT} goes.
     * @param workDir   the harness's own directory (its nodes' logs, its copy of the report).
     * @param command   the command of the run, for the report.
     * @throws IOException          when the JVM cannot be started or the report not copied.
     * @throws InterruptedException when interrupted.
     */
    public void run(final Path outputDir, final Path workDir, final String command)
        throws IOException, InterruptedException
    {
        run(outputDir, workDir, command, List.of());
    }

    /**
     * As {@link #run(Path, Path, String)}, with settings given before this JVM's {@code bench.cluster.*} properties
     * (which win), e.g. {@link #SMOKE_SETTINGS}.
     */
    public void run(final Path outputDir, final Path workDir, final String command, final List<String> settings)
        throws IOException, InterruptedException
    {
        final List<String> options = new ArrayList<>(JVM_OPTIONS);
        options.addAll(settings);
        for (final String name : System.getProperties().stringPropertyNames())
        {
            if (name.startsWith("bench.cluster.") && !"bench.cluster.out".equals(name))
            {
                options.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        options.add("-Dbench.cluster.out=" + workDir);
        System.out.println("# Cluster harness: " + options);
        jvm.run(options, ClusterMain.class, List.of(command), line -> { });
        Files.createDirectories(outputDir);
        Files.copy(workDir.resolve(REPORT), outputDir.resolve(REPORT), StandardCopyOption.REPLACE_EXISTING);
    }
}
