package orchestrator.benchmarks.footprint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import orchestrator.benchmarks.report.Metric;
import orchestrator.benchmarks.report.Results;

/**
 * NOT thread safe: runs {@link FootprintMain} in a fresh JVM per structure (fixed heap, parallel collector, whose
 * heap-in-use figure after a full collection is exact) and records its figures as {@link Metric#FOOTPRINT}.
 */
public final class FootprintRunner
{
    private final Path java;
    private final Path classpath;

    /**
     * @param java      the java launcher.
     * @param classpath the benchmarks jar.
     */
    public FootprintRunner(final Path java, final Path classpath)
    {
        this.java = java;
        this.classpath = classpath;
    }

    /**
     * @return the JVM options of the measuring JVM, for the report.
     */
    public static List<String> jvmOptions()
    {
        return List.of("-Xms4g", "-Xmx4g", "-XX:+UseParallelGC");
    }

    /**
     * @param structures structure names.
     * @param sizes      sizes to measure each at.
     * @param results    receives the figures.
     * @throws IOException          when a JVM cannot be started.
     * @throws InterruptedException when interrupted.
     */
    public void run(final List<String> structures, final List<Integer> sizes, final Results results)
        throws IOException, InterruptedException
    {
        for (final String structure : structures)
        {
            final List<String> command = new ArrayList<>();
            command.add(java.toString());
            command.addAll(jvmOptions());
            command.add("-cp");
            command.add(classpath.toString());
            command.add(FootprintMain.class.getName());
            command.add(structure);
            for (final int n : sizes)
            {
                command.add(Integer.toString(n));
            }
            System.out.println("# Footprint: " + structure + " at n = " + sizes);
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    System.out.println(line);
                    final String[] fields = line.split(" ");
                    if (fields.length == 4 && "footprint".equals(fields[0]))
                    {
                        results.put(Metric.FOOTPRINT, fields[1], Long.parseLong(fields[2]),
                            new Results.Score(Double.parseDouble(fields[3]), Double.NaN));
                    }
                }
            }
            final int exit = process.waitFor();
            if (exit != 0)
            {
                throw new IllegalStateException("footprint of " + structure + " failed with exit code " + exit);
            }
        }
    }
}
