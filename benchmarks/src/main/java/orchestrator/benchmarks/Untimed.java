package orchestrator.benchmarks;

import java.lang.management.ManagementFactory;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Thread confined (one per benchmark thread): two JMH event counters, summed per iteration (JMH zeroes them at the
 * start of each), that let the report turn {@code -prof gc}'s {@code gc.alloc.rate.norm} into bytes allocated per
 * operation of the timed section alone.
 * <p>
 * {@code gc.alloc.rate.norm} is every byte allocated during an iteration divided by JMH's operation count, and an
 * iteration includes the {@code Level.Invocation} fixtures, untimed as they are: the tear-down that cancels a batch
 * of scheduled timers, or schedules again the cancelled ones, would be charged to the operation measured. Fixtures
 * bracket their work with {@link #begin()} and {@link #end()}, which add what this thread allocated meanwhile to
 * {@code untimedBytes}; benchmarks whose figure counts something other than JMH operations (expired timers, fires) add
 * that count to {@code ops}. The report computes, per iteration, {@code (norm x JMH operations - untimedBytes) / ops}
 * ({@code orchestrator.benchmarks.report.Results}).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class Untimed
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    /** Bytes this thread allocated in untimed fixtures during the iteration. */
    public long untimedBytes;
    /** Operations the figure counts, when they are not JMH's own (0: use JMH's). */
    public long ops;
    private long start;

    /**
     * Starts an untimed stretch.
     */
    public void begin()
    {
        start = THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Ends an untimed stretch begun by {@link #begin()}.
     */
    public void end()
    {
        untimedBytes += THREADS.getCurrentThreadAllocatedBytes() - start;
    }
}
