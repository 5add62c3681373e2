package orchestrator.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import orchestrator.benchmarks.timers.TimerStructure;
import orchestrator.benchmarks.timers.TimerStructures;

/**
 * Thread confined (one JMH thread per state): due collection, in nanoseconds per expired timer, in a steady state of
 * {@code n} pending timers whose deadlines are spread uniformly over the next 60 s.
 * <p>
 * The structure is filled once per fork with {@code n} timers in the 60 s window. Each invocation sweeps a virtual
 * clock across the next {@value #SLICE_MS} ms of the window, one collect call per millisecond, and is timed whole;
 * after it, untimed, every timer due in that slice is scheduled again one window (60 s) later, so the structure keeps
 * {@code n} timers spread over the 60 s ahead and the sweep rolls on for as long as JMH measures. The primary score is
 * one slice; the secondary score {@code expiredTimer} divides it by the timers that expired (about {@code n / 60} per
 * slice). At small {@code n} the figure is dominated by the cost of stepping through empty milliseconds. The benchmark
 * fails unless every timer expires by the millisecond after its deadline.
 * <p>
 * Why slices: an earlier version timed one whole sweep of a freshly filled structure per invocation; at 1M a sweep
 * and its untimed fill take longer than a 1 s iteration, so each iteration held one or two invocations and the
 * 99.9% error margins of 3 iterations (Student's t = 31.6 for 2 degrees of freedom) exceeded the scores. A slice is
 * short at every {@code n}, so every iteration averages many of them.
 * <p>
 * Defaults: the structures of the default run. The other peers on request, e.g.
 * {@code -p structure=delayQueue,quartz}; every structure in {@link TimerStructures#ALL} but {@code stpe} and
 * {@code netty}, which run on the system clock, can collect.
 * <p>
 * Run alone: {@code mvn -pl benchmarks jmh -Djmh.args="TimerCollectBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {BenchmarkJvm.XMS, BenchmarkJvm.XMX, BenchmarkJvm.PRE_TOUCH, BenchmarkJvm.HUGE_PAGES})
@Warmup(iterations = BenchmarkJvm.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = BenchmarkJvm.MEASUREMENT_ITERATIONS, time = 1)
public class TimerCollectBenchmark
{
    /** Virtual milliseconds swept per invocation. */
    static final int SLICE_MS = 1000;
    private static final int SLICES = Deadlines.WINDOW_MS / SLICE_MS;

    @Param({"engine", "engineScheduler", "agrona", "agronaLookup", "kafka"})
    String structure;

    @Param({"1000", "100000", "1000000"})
    int n;

    private TimerStructure timers;
    private long[][] sliceDeadlines; // per slice of the window: the deadlines in it, relative to the window's start
    private long[][] sliceHandles;   // per slice: the handles of its timers in the current lap
    private int[] atSliceEnd;        // per slice: timers due at its last millisecond
    private long slice;              // the next slice to sweep, counted from the first
    private long due;                // timers due by the end of the slices swept so far
    private long expired;            // timers expired so far
    private int swept;               // timers expired by the last invocation

    /**
     * Counts expired timers, so that JMH reports time per expired timer next to time per slice.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Expired
    {
        /** Timers expired by the measured sweeps. */
        public long expiredTimer;
    }

    @Setup(Level.Trial)
    public void fill()
    {
        final long[] deadlines = Deadlines.uniform(n, 1);
        final int[] counts = new int[SLICES];
        for (final long deadline : deadlines)
        {
            counts[sliceOf(deadline)]++;
        }
        sliceDeadlines = new long[SLICES][];
        sliceHandles = new long[SLICES][];
        atSliceEnd = new int[SLICES];
        for (int s = 0; s < SLICES; s++)
        {
            sliceDeadlines[s] = new long[counts[s]];
            sliceHandles[s] = new long[counts[s]];
        }
        final int[] filled = new int[SLICES];
        timers = TimerStructures.create(structure);
        for (final long deadline : deadlines) // in random order, as they were generated
        {
            final int s = sliceOf(deadline);
            sliceDeadlines[s][filled[s]] = deadline;
            sliceHandles[s][filled[s]++] = timers.schedule(deadline);
            if (deadline == (long)(s + 1) * SLICE_MS)
            {
                atSliceEnd[s]++;
            }
        }
    }

    private static int sliceOf(final long deadline)
    {
        return (int)((deadline - 1) / SLICE_MS);
    }

    @Benchmark
    public int sweep(final Expired counter)
    {
        final TimerStructure timers = this.timers;
        final long from = slice * SLICE_MS + 1;
        final long to = from + SLICE_MS;
        int count = 0;
        for (long now = from; now < to; now++)
        {
            count += timers.collect(now);
        }
        counter.expiredTimer += count;
        swept = count;
        return count;
    }

    /**
     * Checks that the slice's timers expired (a structure may report those of its last millisecond one millisecond
     * late, in the next slice), then schedules them again one window later.
     */
    @TearDown(Level.Invocation)
    public void rearm(final Untimed untimed)
    {
        untimed.begin();
        final int s = (int)(slice % SLICES);
        final long lap = slice / SLICES;
        final long[] deadlines = sliceDeadlines[s];
        final long[] handles = sliceHandles[s];
        expired += swept;
        due += deadlines.length;
        if (expired > due || expired < due - atSliceEnd[s])
        {
            throw new IllegalStateException(structure + ": " + expired + " timers expired by the end of slice " +
                slice + ", where " + due + " were due");
        }
        untimed.ops += swept; // the figure counts expired timers, not invocations
        final TimerStructure timers = this.timers;
        final long next = (lap + 1) * Deadlines.WINDOW_MS;
        for (int i = 0; i < deadlines.length; i++)
        {
            timers.expired(handles[i]);
            handles[i] = timers.schedule(next + deadlines[i]);
        }
        slice++;
        untimed.end();
    }

    @TearDown(Level.Trial)
    public void close()
    {
        timers.close();
    }
}
