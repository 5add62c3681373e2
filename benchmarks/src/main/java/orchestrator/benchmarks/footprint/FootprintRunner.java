package orchestrator.benchmarks.footprint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import orchestrator.benchmarks.ChildJvm;
import orchestrator.benchmarks.report.Metric;
import orchestrator.benchmarks.report.Results;

/**
 * NOT thread safe: runs {@link FootprintMain} in a fresh JVM per structure (fixed heap, parallel collector, whose
 * heap-in-use figure after a full collection is exact) and records its figures as {@link Metric#FOOTPRINT}.
 */
public final class FootprintRunner
{
    /** Options of the measuring JVM. */
    public static final List<String> JVM_OPTIONS = List.of("-Xms4g", "-Xmx4g", "-XX:+UseParallelGC");

    private final ChildJvm jvm;

    /**
     * @param jvm launches the measuring JVMs.
     */
    public FootprintRunner(final ChildJvm jvm)
    {
        this.jvm = jvm;
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
            System.out.println("# Footprint: " + structure + " at n = " + sizes);
            final List<String> args = new ArrayList<>();
            args.add(structure);
            for (final int n : sizes)
            {
                args.add(Integer.toString(n));
            }
            jvm.run(JVM_OPTIONS, FootprintMain.class, args, line ->
            {
                final String[] fields = line.split(" ");
                if (fields.length == 4 && "footprint".equals(fields[0]))
                {
                    results.put(Metric.FOOTPRINT, fields[1], Long.parseLong(fields[2]),
                        new Results.Score(Double.parseDouble(fields[3]), Double.NaN));
                }
            });
        }
    }
}
