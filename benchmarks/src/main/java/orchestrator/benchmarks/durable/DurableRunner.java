package orchestrator.benchmarks.durable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import orchestrator.benchmarks.ChildJvm;

/**
 * NOT thread safe: runs {@link RestartMain} in fresh JVMs on one journal directory: one that registers the tasks
 * (registration latency, bytes on disk), then {@value #RESTARTS} that each restart a scheduler on it after a clean
 * close (restart time), then {@value #RESTARTS} times one that fires rounds until the log since the snapshot is as long
 * as the journal lets it grow, killed with SIGKILL, and one that restarts after it (restart time after a kill).
 * The figures are printed (lines starting {@code durable}); they are not part of {@code benchmarks.md}.
 */
public final class DurableRunner
{
    /** Options of the measuring JVMs: the benchmarks' fixed, pre-touched heap. */
    public static final List<String> JVM_OPTIONS =
        List.of("-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages");
    /** Restarts measured, each in a fresh JVM. */
    public static final int RESTARTS = 3;

    private final ChildJvm jvm;

    /**
     * @param jvm launches the measuring JVMs.
     */
    public DurableRunner(final ChildJvm jvm)
    {
        this.jvm = jvm;
    }

    /**
     * @param tasks  tasks registered from many threads.
     * @param sample registrations timed one by one from one thread, after those.
     * @param parent where the journal's directory is made (the disk to measure), deleted afterwards.
     * @throws IOException          when a JVM cannot be started.
     * @throws InterruptedException when interrupted.
     */
    public void run(final int tasks, final int sample, final Path parent) throws IOException, InterruptedException
    {
        Files.createDirectories(parent);
        final Path dir = Files.createTempDirectory(parent, "durable-restart");
        final Path journal = dir.resolve("journal");
        System.out.println("# Durable store: " + tasks + " + " + sample + " tasks, journal in " + journal);
        try
        {
            jvm.run(JVM_OPTIONS, RestartMain.class,
                List.of("register", journal.toString(), Integer.toString(tasks), Integer.toString(sample)), line -> { });
            final String all = Integer.toString(tasks + sample);
            for (int i = 0; i < RESTARTS; i++)
            {
                jvm.run(JVM_OPTIONS, RestartMain.class,
                    List.of("restart", journal.toString(), all, Integer.toString(i)), line -> { });
            }
            int round = RESTARTS; // where the last restart left the clock
            for (int i = 0; i < RESTARTS; i++)
            {
                // rounds until the log is as long as the compaction rule lets it grow, then SIGKILL and restart
                final String ready = jvm.runAndKill(JVM_OPTIONS, RestartMain.class,
                    List.of("fire", journal.toString(), all, Integer.toString(round), "0"), "durable ready");
                round = Integer.parseInt(ready.split(" ")[2]);
                jvm.run(JVM_OPTIONS, RestartMain.class, List.of("restart", journal.toString(), all,
                    Integer.toString(round)), line -> { });
                round++;
            }
        }
        finally
        {
            RestartMain.deleteTree(dir);
        }
    }
}
