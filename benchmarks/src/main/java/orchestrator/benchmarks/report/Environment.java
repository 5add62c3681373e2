package orchestrator.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

/**
 * Thread safe (immutable): the machine and JVM a run measured on, as the commands a reader would type print it.
 *
 * @param javaVersion output of {@code java -version} for the JVM that ran the forks.
 * @param nproc       output of {@code nproc}.
 * @param cpuModel    the "Model name" line of {@code lscpu}.
 * @param os          operating system name, version and architecture.
 * @param date        when the run finished, UTC.
 * @param command     the command that produced the run.
 * @param loadAtStart the 1, 5 and 15 minute load averages when the run started ({@code /proc/loadavg}).
 * @param loadAtEnd   the same when it finished.
 * @param duration    how long the run took, from the start of the JMH runs to the report, e.g. "21 min 10 s".
 */
public record Environment(String javaVersion, String nproc, String cpuModel, String os, String date, String command,
    String loadAtStart, String loadAtEnd, String duration)
{
    /**
     * @return the 1, 5 and 15 minute load averages, or "unavailable".
     */
    public static String loadAverage()
    {
        try
        {
            final String[] fields = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unavailable";
        }
    }

    /**
     * @param javaExecutable the java launcher whose version is reported.
     * @param command        the command that produced the run.
     * @param loadAtStart    {@link #loadAverage()} when the run started.
     * @param startNanos     {@link System#nanoTime()} when the run started.
     * @return the environment of this machine.
     */
    public static Environment capture(final Path javaExecutable, final String command, final String loadAtStart,
        final long startNanos)
    {
        final String javaVersion = run(javaExecutable.toString(), "-version");
        final String nproc = run("nproc");
        String cpuModel = "unknown";
        for (final String line : run("lscpu").split("\n"))
        {
            if (line.startsWith("Model name:"))
            {
                cpuModel = line.substring("Model name:".length()).trim();
                break;
            }
        }
        final String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " " +
            System.getProperty("os.arch");
        final String date = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
            .format(DateTimeFormatter.ISO_INSTANT);
        final String cores = nproc.isEmpty() ? Integer.toString(Runtime.getRuntime().availableProcessors()) : nproc;
        final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
        final String duration = seconds / 60 + " min " + seconds % 60 + " s";
        return new Environment(javaVersion, cores, cpuModel, os, date, command, loadAtStart, loadAverage(), duration);
    }

    private static String run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroy();
            }
            return output.strip();
        }
        catch (final IOException ex)
        {
            return "unavailable (" + ex.getMessage() + ")";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
