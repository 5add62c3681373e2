package orchestrator.benchmarks;

import java.io.IOException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
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

import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.SchedulerMeterBinder;
import orchestrator.scheduler.cron.CronSchedule;

/**
 * Thread confined (one JMH thread per state): what the engine's metrics cost on the fire path, as
 * {@link RunPendingBenchmark}'s inline figure (fires per second through {@code runPending()}, {@code n} tasks on
 * {@code * * * * * *}, one empty callback, a {@link ManualClock} advanced one second per operation) with:
 * <ul>
 * <li>{@code none}: nothing attached, the default scheduler (counters only): the baseline of the run;</li>
 * <li>{@code timings}: {@code Scheduler.Builder.recordTimings(true)}, the engine's lateness and run-time
 * histograms;</li>
 * <li>{@code micrometer}: a {@code SchedulerMeterBinder} bound to a {@code SimpleMeterRegistry} (which switches the
 * timings on), the meters read once per iteration as a scrape would;</li>
 * <li>{@code jfrQuiet}: a JDK Flight Recorder recording with the JDK's {@code default} settings and the engine's
 * events disabled;</li>
 * <li>{@code jfr}: the same recording with {@code orchestrator.Fire} and {@code orchestrator.MissedFire} enabled,
 * one event per fire. The recording is in memory ({@code setToDisk(false)}): JFR keeps its newest buffers and drops
 * the oldest, so the figure is the cost on the firing thread without a disk to fill at millions of events a
 * second.</li>
 * </ul>
 * Not in the default run; quote each figure as a ratio to {@code none} of the same run:
 * {@code mvn -pl benchmarks jmh -Djmh.args="RunPendingMetricsBenchmark -f 1 -wi 3 -i 5"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = BenchmarkJvm.FORKS,
    jvmArgsAppend = {BenchmarkJvm.XMS, BenchmarkJvm.XMX, BenchmarkJvm.PRE_TOUCH, BenchmarkJvm.HUGE_PAGES})
@Warmup(iterations = BenchmarkJvm.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = BenchmarkJvm.MEASUREMENT_ITERATIONS, time = 1)
public class RunPendingMetricsBenchmark
{
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final Runnable CALLBACK = () -> { };

    @Param({"none", "timings", "micrometer", "jfrQuiet", "jfr"})
    String metrics;

    @Param({"1000", "1000000"})
    int n;

    private ManualClock clock;
    private Scheduler scheduler;
    private SimpleMeterRegistry registry;
    private Recording recording;

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
    public void register() throws IOException, ParseException
    {
        clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        scheduler = Scheduler.builder().clock(clock).recordTimings("timings".equals(metrics)).build();
        final CronSchedule everySecond = CronSchedule.parse("* * * * * *", ZoneOffset.UTC);
        for (int i = 0; i < n; i++)
        {
            scheduler.registerTask("task-" + i, everySecond, CALLBACK);
        }
        if ("micrometer".equals(metrics))
        {
            registry = new SimpleMeterRegistry();
            new SchedulerMeterBinder(scheduler).bindTo(registry);
        }
        if (metrics.startsWith("jfr"))
        {
            recording = new Recording(Configuration.getConfiguration("default"));
            recording.setToDisk(false);
            if ("jfr".equals(metrics))
            {
                recording.enable("orchestrator.Fire");
                recording.enable("orchestrator.MissedFire");
            }
            else
            {
                recording.disable("orchestrator.Fire");
                recording.disable("orchestrator.MissedFire");
            }
            recording.start();
        }
    }

    @Benchmark
    public int runPending(final Fires counter, final Untimed allocation)
    {
        clock.advance(PERIOD);
        final int fired = scheduler.runPending();
        if (fired != n)
        {
            throw new IllegalStateException(fired + " of " + n + " tasks fired");
        }
        counter.fires += fired;
        allocation.ops += fired;
        return fired;
    }

    /**
     * A scrape: every meter read once, untimed.
     */
    @TearDown(Level.Iteration)
    public void scrape()
    {
        if (registry != null)
        {
            registry.getMeters().forEach(meter -> meter.measure().forEach(measurement -> measurement.getValue()));
        }
    }

    @TearDown(Level.Trial)
    public void close()
    {
        if (recording != null)
        {
            recording.close();
        }
        scheduler.close();
    }
}
