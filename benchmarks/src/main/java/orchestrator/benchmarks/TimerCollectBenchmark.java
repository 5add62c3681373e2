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
 * Thread confined (one JMH thread per state): due collection, in nanoseconds per expired timer. {@code n} timers
 * with deadlines spread uniformly over a 60 s window are expired by sweeping a virtual clock across the window 1 ms
 * at a time (60,001 calls to collect: one past the window); the sweep is timed as a whole.
 * <p>
 * The primary score is the whole sweep; the secondary score {@code expiredTimer} divides it by the timers that
 * expired (always {@code n}: the benchmark fails otherwise). At small {@code n} the figure is dominated by the cost
 * of stepping through empty milliseconds. Each sweep gets a fresh structure, filled untimed before it. One warm-up
 * iteration: at small n it holds hundreds of sweeps, at 1M one sweep is 60,001 calls, ample to compile the path.
 * <p>
 * Run alone: {@code mvn -pl benchmarks jmh -Djmh.args="TimerCollectBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchmarkJvm.XMS, BenchmarkJvm.XMX, BenchmarkJvm.PRE_TOUCH, BenchmarkJvm.HUGE_PAGES})
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
public class TimerCollectBenchmark
{
    /**
     * The sweep runs one tick past the window, for structures that report a timer up to one tick after its deadline
     * (Agrona's DeadlineTimerWheel).
     */
    static final long SWEEP_END_MS = Deadlines.WINDOW_MS + 1;

    @Param({"engine", "engineScheduler", "agrona", "kafka", "delayQueue", "quartz"})
    String structure;

    @Param({"1000", "100000", "1000000"})
    int n;

    private long[] deadlines;
    private TimerStructure timers;
    private int expired;

    /**
     * Counts expired timers, so that JMH reports time per expired timer next to time per sweep.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Expired
    {
        /** Timers expired by the measured sweeps. */
        public long expiredTimer;
    }

    @Setup(Level.Trial)
    public void deadlines()
    {
        deadlines = Deadlines.uniform(n, 1);
    }

    @Setup(Level.Invocation)
    public void fill()
    {
        timers = TimerStructures.create(structure);
        for (final long deadline : deadlines)
        {
            timers.schedule(deadline);
        }
    }

    @Benchmark
    public int sweep(final Expired counter)
    {
        final TimerStructure timers = this.timers;
        int expired = 0;
        for (long now = 1; now <= SWEEP_END_MS; now++)
        {
            expired += timers.collect(now);
        }
        counter.expiredTimer += expired;
        this.expired = expired;
        return expired;
    }

    @TearDown(Level.Invocation)
    public void check()
    {
        timers.close();
        timers = null;
        if (expired != n)
        {
            throw new IllegalStateException(structure + ": " + expired + " of " + n + " timers expired");
        }
    }
}
