package orchestrator.benchmarks.lateness;

import java.io.IOException;
import java.util.List;

import orchestrator.benchmarks.ChildJvm;
import orchestrator.benchmarks.report.Results;

/**
 * NOT thread safe: runs {@link LatenessMain} in a fresh JVM per rate and records its percentiles.
 */
public final class LatenessRunner
{
    /** Options of the measuring JVM. */
    public static final List<String> JVM_OPTIONS =
        List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages");

    private final ChildJvm jvm;

    /**
     * @param jvm launches the measuring JVMs.
     */
    public LatenessRunner(final ChildJvm jvm)
    {
        this.jvm = jvm;
    }

    /**
     * @param rates     fires per second, one run each.
     * @param warmupMs  warm-up period of each run.
     * @param measureMs measured period of each run.
     * @param results   receives the percentiles.
     * @throws IOException          when a JVM cannot be started.
     * @throws InterruptedException when interrupted.
     */
    public void run(final List<Integer> rates, final long warmupMs, final long measureMs, final Results results)
        throws IOException, InterruptedException
    {
        for (final int rate : rates)
        {
            System.out.println("# Lateness: " + rate + " fires/s, warm-up " + warmupMs + " ms, measured " + measureMs +
                " ms");
            jvm.run(JVM_OPTIONS, LatenessMain.class,
                List.of(Integer.toString(rate), Long.toString(warmupMs), Long.toString(measureMs)), line ->
                {
                    final String[] f = line.split(" ");
                    if (f.length == 10 && "lateness-causes".equals(f[0]))
                    {
                        results.addLatenessCauses(new Results.LatenessCauses(Integer.parseInt(f[1]),
                            Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
                            Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]),
                            Double.parseDouble(f[9])));
                    }
                    if (f.length == 9 && "lateness".equals(f[0]))
                    {
                        results.addLateness(new Results.Lateness(Integer.parseInt(f[1]), f[2], Long.parseLong(f[3]),
                            Long.parseLong(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                            Double.parseDouble(f[7]), Double.parseDouble(f[8])));
                    }
                });
        }
    }
}
