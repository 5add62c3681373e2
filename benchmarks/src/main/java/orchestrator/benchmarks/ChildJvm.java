package orchestrator.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Thread safe (immutable): runs a main class of the benchmarks jar in a JVM of its own, echoing its output and
 * handing each line to a consumer; used by the harnesses that are not JMH benchmarks.
 *
 * @param java      the java launcher.
 * @param classpath the benchmarks jar.
 */
public record ChildJvm(Path java, Path classpath)
{
    /**
     * @param jvmOptions options of the child JVM.
     * @param mainClass  the class to run.
     * @param args       its arguments.
     * @param lines      receives every output line.
     * @throws IOException          when the JVM cannot be started.
     * @throws InterruptedException when interrupted.
     */
    public void run(final List<String> jvmOptions, final Class<?> mainClass, final List<String> args,
        final Consumer<String> lines) throws IOException, InterruptedException
    {
        final Process process = start(jvmOptions, mainClass, args);
        try (BufferedReader reader = reader(process))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                System.out.println(line);
                lines.accept(line);
            }
        }
        final int exit = process.waitFor();
        if (exit != 0)
        {
            throw new IllegalStateException(mainClass.getSimpleName() + " " + args + " failed with exit code " + exit);
        }
    }

    /**
     * As {@link #run}, but kills the JVM with SIGKILL ({@link Process#destroyForcibly()}) as soon as it prints a line
     * starting with {@code ready}: no shutdown hook, no close.
     *
     * @return that line.
     * @throws IOException          when the JVM cannot be started.
     * @throws InterruptedException when interrupted.
     */
    public String runAndKill(final List<String> jvmOptions, final Class<?> mainClass, final List<String> args,
        final String ready) throws IOException, InterruptedException
    {
        final Process process = start(jvmOptions, mainClass, args);
        try (BufferedReader reader = reader(process))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                System.out.println(line);
                if (line.startsWith(ready))
                {
                    process.destroyForcibly();
                    process.waitFor();
                    System.out.println("# killed (SIGKILL) " + mainClass.getSimpleName() + " " + args);
                    return line;
                }
            }
        }
        throw new IllegalStateException(mainClass.getSimpleName() + " " + args + " ended with exit code " +
            process.waitFor() + " before printing '" + ready + "'");
    }

    private Process start(final List<String> jvmOptions, final Class<?> mainClass, final List<String> args)
        throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath.toString());
        command.add(mainClass.getName());
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static BufferedReader reader(final Process process)
    {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }
}
