package orchestrator.benchmarks;

import orchestrator.scheduler.cron.CronSchedule;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Instant;
import java.time.ZoneId;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Single-threaded benchmark state: {@code CronSchedule.countFiresBetween}, the count of fires missed over a forward
 * clock jump, for a range of one day and of ten years. Each call starts after the next of 1024 random instants in
 * 2024-2026. Stepping {@code nextAfterEpochMilli} once per fire instead costs one call per fire: 86,400 calls for a
 * day of {@code * * * * * *}, 315 million for ten years.
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar CronFireCountBenchmark -f 1 -wi 1 -i 3 -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CronFireCountBenchmark
{
    /** Every second; every day at 09:00 on weekdays (the count walks the calendar month by month). */
    @Param({"* * * * * *", "0 0 9 * * MON-FRI"})
    public String expression;

    @Param({"UTC", "America/New_York"})
    public String zone;

    /** The length of the counted range. */
    @Param({"1d", "10y"})
    public String range;

    private static final int MASK = 1023;
    private static final long DAY_MILLI = 86_400_000L;

    private CronSchedule schedule;
    private long length;
    private final long[] millis = new long[MASK + 1];
    private int next;

    @Setup
    public void setup()
    {
        schedule = CronSchedule.parse(expression, ZoneId.of(zone));
        length = range.equals("1d") ? DAY_MILLI : 3_652 * DAY_MILLI;
        final SplittableRandom random = new SplittableRandom(42);
        final long from = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
        final long span = Instant.parse("2026-12-31T00:00:00Z").toEpochMilli() - from;
        for (int i = 0; i <= MASK; i++)
        {
            millis[i] = from + random.nextLong(span);
        }
    }

    @Benchmark
    public long count()
    {
        final long after = millis[next++ & MASK];
        return schedule.countFiresBetween(after, after + length);
    }
}
