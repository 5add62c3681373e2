package orchestrator.benchmarks.lockhold;

import java.io.IOException;
import java.util.List;

import orchestrator.benchmarks.ChildJvm;
import orchestrator.benchmarks.report.LockHolds;
import orchestrator.benchmarks.report.Results;
import orchestrator.scheduler.LockHoldMain;

/**
 * NOT thread safe: runs {@link LockHoldMain} in a fresh JVM and records the lock holds of each of its phases.
 */
public final class LockHoldRunner
{
    /** Options of the measuring JVM: the benchmarks' fixed, pre-touched heap, big enough for 1M tasks' snapshots. */
    public static final List<String> JVM_OPTIONS =
        List.of("-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages");
    private static final int ROUNDS = 3; // measured rounds, whose sweeps are compared hold by hold
    private static final int FIELDS = 13;
    private static final int MINIMUM_FIELDS = 10;
    private static final int STALL_FIELDS = 7;

    private final ChildJvm jvm;

    /**
     * @param jvm launches the measuring JVM.
     */
    public LockHoldRunner(final ChildJvm jvm)
    {
        this.jvm = jvm;
    }

    /**
     * @param tasks        how many tasks.
     * @param probeSeconds how long the stall probe runs.
     * @param results      receives the figures.
     * @throws IOException          when the JVM cannot be started.
     * @throws InterruptedException when interrupted.
     */
    public void run(final int tasks, final int probeSeconds, final Results results)
        throws IOException, InterruptedException
    {
        System.out.println("# Lock holds: " + tasks + " tasks");
        jvm.run(JVM_OPTIONS, LockHoldMain.class, List.of(Integer.toString(tasks), Integer.toString(ROUNDS),
            Integer.toString(probeSeconds)), line ->
        {
            final String[] f = line.split(" ", FIELDS);
            if (f.length == MINIMUM_FIELDS && "lockhold-min".equals(f[0]))
            {
                results.lockHolds().minimum(new LockHolds.Minimum(Integer.parseInt(f[2]), Long.parseLong(f[3]),
                    Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]), Long.parseLong(f[7]),
                    Long.parseLong(f[8]), f[9]));
            }
            else if (f.length == STALL_FIELDS && "stall".equals(f[0]))
            {
                results.lockHolds().stall(new LockHolds.Stall(Integer.parseInt(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6])));
            }
            else if (f.length == FIELDS && "lockhold".equals(f[0]))
            {
                results.lockHolds().add(new LockHolds.Phase(f[1], f[2], Long.parseLong(f[3]), Double.parseDouble(f[4]),
                    Double.parseDouble(f[5]), Double.parseDouble(f[6]), Double.parseDouble(f[7]), Long.parseLong(f[8]),
                    Long.parseLong(f[9]), Double.parseDouble(f[10]), Long.parseLong(f[11]), f[12]));
            }
        });
    }
}
