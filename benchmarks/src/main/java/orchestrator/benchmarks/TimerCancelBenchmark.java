package orchestrator.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * Thread confined (one JMH thread per state): nanoseconds to cancel one of {@code n} pending timers with deadlines
 * spread over a 60 s window.
 * <p>
 * Each invocation cancels a batch of {@value #BATCH} timers picked in random order (at {@code n} = 1,000: all of
 * them) and is timed as a whole; after each invocation the batch is scheduled again, untimed, with the same
 * deadlines, so the structure returns to {@code n}.
 * <p>
 * Defaults: the structures of the default run. The other peers on request, e.g.
 * {@code -p structure=delayQueue,stpe,netty,quartz}; every structure is listed in {@link TimerStructures#ALL}.
 * <p>
 * Run alone: {@code mvn -pl benchmarks jmh -Djmh.args="TimerCancelBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = BenchmarkJvm.FORKS,
    jvmArgsAppend = {BenchmarkJvm.XMS, BenchmarkJvm.XMX, BenchmarkJvm.PRE_TOUCH, BenchmarkJvm.HUGE_PAGES})
@Warmup(iterations = BenchmarkJvm.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = BenchmarkJvm.MEASUREMENT_ITERATIONS, time = 1)
public class TimerCancelBenchmark
{
    /** Timers cancelled per invocation. */
    public static final int BATCH = 1000;

    @Param({"engine", "engineScheduler", "agrona", "agronaLookup", "kafka"})
    String structure;

    @Param({"1000", "100000", "1000000"})
    int n;

    private TimerStructure timers;
    private long[] deadlines;
    private long[] handles;
    private int[] order;
    private int cursor;
    private int cancelled;

    @Setup(Level.Trial)
    public void fill()
    {
        timers = TimerStructures.create(structure);
        deadlines = Deadlines.uniform(n, 1);
        handles = new long[n];
        for (int i = 0; i < n; i++)
        {
            handles[i] = timers.schedule(deadlines[i]);
        }
        order = Deadlines.permutation(n, 2);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int cancel()
    {
        final TimerStructure timers = this.timers;
        final long[] handles = this.handles;
        final int[] order = this.order;
        final int n = this.n;
        int cancelled = 0;
        for (int i = 0, k = cursor; i < BATCH; i++, k = k + 1 == n ? 0 : k + 1)
        {
            if (timers.cancel(handles[order[k]]))
            {
                cancelled++;
            }
        }
        this.cancelled = cancelled;
        return cancelled;
    }

    @TearDown(Level.Invocation)
    public void rescheduleBatch(final Untimed untimed)
    {
        untimed.begin();
        if (cancelled != BATCH)
        {
            throw new IllegalStateException(
                structure + ": cancelled " + cancelled + " of " + BATCH + " pending timers");
        }
        for (int i = 0, k = cursor; i < BATCH; i++, k = k + 1 == n ? 0 : k + 1)
        {
            final int index = order[k];
            handles[index] = timers.schedule(deadlines[index]);
        }
        cursor = (int)((cursor + (long)BATCH) % n);
        untimed.end();
    }

    @TearDown(Level.Trial)
    public void close()
    {
        timers.close();
    }
}
