package orchestrator.benchmarks.footprint;

import java.lang.ref.Reference;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

import orchestrator.benchmarks.Deadlines;
import orchestrator.benchmarks.timers.TimerStructure;
import orchestrator.benchmarks.timers.TimerStructures;

/**
 * NOT thread safe (a program): measures the heap a structure retains per pending timer. Run in a JVM of its own per
 * structure by {@link FootprintRunner}, which reads the {@code footprint} lines it prints.
 * <p>
 * Method: the deadlines and the array that keeps each handle are allocated first; then the heap in use after full
 * collections is read, the structure is created and filled with {@code n} timers spread over a 60 s window, its
 * background thread (if any) is given time to file them ({@link TimerStructure#quiesce()}), and the heap in use after
 * full collections is read again. The difference, less the adapter's own handle table, divided by {@code n}, is the
 * figure: everything the structure allocated for those timers, its empty size included, so small {@code n} carry the
 * fixed cost.
 * <p>
 * Usage: {@code java -XX:+UseParallelGC -cp benchmarks.jar orchestrator.benchmarks.footprint.FootprintMain
 * <structure> <n>...}
 */
public final class FootprintMain
{
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private FootprintMain()
    {
    }

    /**
     * @param args a structure name, then one or more sizes.
     * @throws Exception when a structure fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final String structure = args[0];
        warmUp(structure);
        for (int i = 1; i < args.length; i++)
        {
            final int n = Integer.parseInt(args[i]);
            final double bytes = bytesPerTimer(structure, n);
            System.out.printf("footprint %s %d %.1f%n", structure, n, bytes);
        }
    }

    /**
     * Loads and initialises the classes involved, so that static state is not counted.
     */
    private static void warmUp(final String structure) throws InterruptedException
    {
        try (TimerStructure timers = TimerStructures.create(structure))
        {
            for (final long deadline : Deadlines.uniform(1000, 3))
            {
                timers.cancel(timers.schedule(deadline));
                timers.schedule(deadline);
            }
            timers.quiesce();
        }
    }

    private static double bytesPerTimer(final String structure, final int n) throws InterruptedException
    {
        final long[] deadlines = Deadlines.uniform(n, 1);
        final long[] handles = new long[n];
        final long before = usedAfterGc();
        final TimerStructure timers = TimerStructures.create(structure);
        for (int i = 0; i < n; i++)
        {
            handles[i] = timers.schedule(deadlines[i]);
        }
        timers.quiesce();
        final long after = usedAfterGc();
        final double perTimer = (double)(after - before - timers.adapterBytes()) / n;
        if (!timers.cancel(handles[n - 1]))
        {
            throw new IllegalStateException(structure + ": the last timer was not pending");
        }
        timers.close();
        // the baseline included these arrays: keep them reachable through the second reading
        Reference.reachabilityFence(deadlines);
        Reference.reachabilityFence(handles);
        return perTimer;
    }

    private static long usedAfterGc()
    {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++)
        {
            System.gc();
            used = Math.min(used, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
