package orchestrator.benchmarks;

/**
 * Thread safe (constants only): the JVM options every benchmark fork runs with, and the forks and iterations of the
 * benchmarks of the default run.
 * <p>
 * A fixed, pre-touched heap keeps first-touch page faults out of allocation-heavy benchmarks; transparent huge pages
 * make the pre-touch of the heap take well under a second instead of several seconds per fork on small VMs.
 */
public final class BenchmarkJvm
{
    /** Initial heap, equal to the maximum. */
    public static final String XMS = "-Xms4g";
    /** Maximum heap. */
    public static final String XMX = "-Xmx4g";
    /** Touch every heap page at start-up. */
    public static final String PRE_TOUCH = "-XX:+AlwaysPreTouch";
    /** Back the heap with transparent huge pages where the kernel allows it (madvise). */
    public static final String HUGE_PAGES = "-XX:+UseTransparentHugePages";
    /** Forks of every benchmark of the default run: run-to-run variation shows in the error margins. */
    public static final int FORKS = 2;
    /** Warm-up iterations per fork. */
    public static final int WARMUP_ITERATIONS = 2;
    /** Measured iterations per fork: with {@link #FORKS}, 10 samples, so Student's t at 99.9% is 4.8, not 31.6. */
    public static final int MEASUREMENT_ITERATIONS = 5;

    private BenchmarkJvm()
    {
    }
}
