package orchestrator.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.cron.CronSchedule;

/**
 * Thread confined (one JMH thread per state): {@code runPending()} throughput in fires per second for {@code n}
 * recurring tasks that all fire every second (cron {@code * * * * * *}, one shared callback that does nothing).
 * <p>
 * Each operation advances a {@link ManualClock} by one period and calls {@code runPending()}, which fires every task
 * once. With {@code dispatcher = inline} the callbacks run on the benchmark thread; with {@code workers} they run on
 * one worker thread (the machine has two cores) and the operation also waits ({@code awaitIdle}) until every run is
 * done and accounted for, so the figure is end-to-end. The operation fails unless all {@code n} tasks fired. The
 * secondary score {@code fires} is fires per second.
 * <p>
 * Run alone: {@code mvn -pl benchmarks jmh -Djmh.args="RunPendingBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = BenchmarkJvm.FORKS,
    jvmArgsAppend = {BenchmarkJvm.XMS, BenchmarkJvm.XMX, BenchmarkJvm.PRE_TOUCH, BenchmarkJvm.HUGE_PAGES})
@Warmup(iterations = BenchmarkJvm.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = BenchmarkJvm.MEASUREMENT_ITERATIONS, time = 1)
public class RunPendingBenchmark
{
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(1);
    private static final Runnable CALLBACK = () -> { };

    @Param({"inline", "workers"})
    String dispatcher;

    @Param({"1000", "100000", "1000000"})
    int n;

    private ManualClock clock;
    private Scheduler scheduler;
    private boolean workers;

    /**
     * Counts fires, so that JMH reports fires per second next to runPending calls per second.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Fires
    {
        /** Callbacks run by the measured runPending calls. */
        public long fires;
    }

    @Setup(Level.Trial)
    public void register()
    {
        workers = "workers".equals(dispatcher);
        clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        scheduler = Scheduler.builder()
            .clock(clock)
            .dispatcher(workers ? Dispatcher.withWorkers(1) : new Dispatcher())
            .build();
        final CronSchedule everySecond = CronSchedule.parse("* * * * * *", ZoneOffset.UTC);
        for (int i = 0; i < n; i++)
        {
            scheduler.registerTask("task-" + i, everySecond, CALLBACK);
        }
    }

    @Benchmark
    public int runPending(final Fires counter, final Untimed allocation) throws InterruptedException
    {
        clock.advance(PERIOD);
        final int fired = scheduler.runPending();
        if (workers && !scheduler.awaitIdle(IDLE_TIMEOUT))
        {
            throw new IllegalStateException("workers did not finish within " + IDLE_TIMEOUT);
        }
        if (fired != n)
        {
            throw new IllegalStateException(fired + " of " + n + " tasks fired");
        }
        counter.fires += fired;
        allocation.ops += fired; // bytes allocated per fire, not per runPending call
        return fired;
    }

    @TearDown(Level.Trial)
    public void close()
    {
        scheduler.close();
    }
}
