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
 * Thread confined (one JMH thread per state): nanoseconds to schedule one timer into a structure that already holds
 * {@code n} pending timers with deadlines spread over a 60 s window.
 * <p>
 * Each invocation schedules a batch of {@value #BATCH} timers (random deadlines in the window) and is timed as a
 * whole; the batch is cancelled, untimed, after each invocation so the structure stays at {@code n}.
 * <p>
 * Defaults: the structures of the default run. The other peers on request, e.g.
 * {@code -p structure=delayQueue,stpe,netty,quartz}; every structure is listed in {@link TimerStructures#ALL}.
 * <p>
 * Run alone: {@code mvn -pl benchmarks jmh -Djmh.args="TimerScheduleBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = BenchmarkJvm.FORKS,
    jvmArgsAppend = {BenchmarkJvm.XMS, BenchmarkJvm.XMX, BenchmarkJvm.PRE_TOUCH, BenchmarkJvm.HUGE_PAGES})
@Warmup(iterations = BenchmarkJvm.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = BenchmarkJvm.MEASUREMENT_ITERATIONS, time = 1)
public class TimerScheduleBenchmark
{
    /** Timers scheduled per invocation. */
    public static final int BATCH = 1000;
    private static final int DEADLINE_POOL = 1 << 16;

    @Param({"engine", "engineScheduler", "agrona", "agronaLookup", "kafka"})
    String structure;

    @Param({"1000", "100000", "1000000"})
    int n;

    private TimerStructure timers;
    private long[] deadlines;
    private final long[] batch = new long[BATCH];
    private int cursor;

    @Setup(Level.Trial)
    public void fill()
    {
        timers = TimerStructures.create(structure);
        final long[] initial = Deadlines.uniform(n, 1);
        for (final long deadline : initial)
        {
            timers.schedule(deadline);
        }
        deadlines = Deadlines.uniform(DEADLINE_POOL, 2);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long schedule()
    {
        final TimerStructure timers = this.timers;
        final long[] deadlines = this.deadlines;
        final long[] batch = this.batch;
        final int start = cursor;
        for (int i = 0; i < BATCH; i++)
        {
            batch[i] = timers.schedule(deadlines[(start + i) & (DEADLINE_POOL - 1)]);
        }
        return batch[BATCH - 1];
    }

    @TearDown(Level.Invocation)
    public void cancelBatch(final Untimed untimed)
    {
        untimed.begin();
        for (int i = 0; i < BATCH; i++)
        {
            if (!timers.cancel(batch[i]))
            {
                throw new IllegalStateException(structure + ": a timer scheduled by the batch was not pending");
            }
        }
        cursor = (cursor + BATCH) & (DEADLINE_POOL - 1);
        untimed.end();
    }

    @TearDown(Level.Trial)
    public void close()
    {
        timers.close();
    }
}
