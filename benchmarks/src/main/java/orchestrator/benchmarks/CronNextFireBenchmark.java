package orchestrator.benchmarks;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import orchestrator.scheduler.cron.CronDialect;
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
import org.springframework.scheduling.support.CronExpression;

import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Date;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;

/**
 * Single-threaded benchmark state: next fire time after an instant, the engine's compiled path against cron-utils
 * {@code ExecutionTime}, Spring {@code CronExpression} and Quartz {@code CronExpression}, for the same schedules
 * in UTC and in a zone with daylight saving. Each call takes the next of 1024 random instants in 2024-2026, given
 * to each implementation in its native input type (epoch millis, {@code ZonedDateTime}, {@code Date}), converted
 * in setup.
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar CronNextFireBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CronNextFireBenchmark
{
    /** Schedule name; the expressions for each implementation are in {@link #setup()}. */
    @Param({"every5min", "daily", "weekdays9", "monthly"})
    public String schedule;

    @Param({"UTC", "America/New_York"})
    public String zone;

    private static final int MASK = 1023;

    private CronSchedule engine;
    private ExecutionTime cronUtils;
    private CronExpression spring;
    private org.quartz.CronExpression quartz;
    private final long[] millis = new long[MASK + 1];
    private final ZonedDateTime[] zoned = new ZonedDateTime[MASK + 1];
    private final Date[] dates = new Date[MASK + 1];
    private int next;

    @Setup
    public void setup() throws ParseException
    {
        final String unix;
        final String springText;
        final String quartzText;
        switch (schedule)
        {
            case "every5min": unix = "*/5 * * * *"; springText = "0 */5 * * * *"; quartzText = "0 0/5 * * * ?"; break;
            case "daily": unix = "30 2 * * *"; springText = "0 30 2 * * *"; quartzText = "0 30 2 * * ?"; break;
            case "weekdays9": unix = "0 9 * * 1-5"; springText = "0 0 9 * * MON-FRI"; quartzText = "0 0 9 ? * MON-FRI"; break;
            default: unix = "0 0 1 * *"; springText = "0 0 0 1 * *"; quartzText = "0 0 0 1 * ?"; break;
        }
        final ZoneId id = ZoneId.of(zone);
        engine = CronSchedule.parse(unix, CronDialect.UNIX, id);
        cronUtils = ExecutionTime.forCron(
            new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX)).parse(unix));
        spring = CronExpression.parse(springText);
        quartz = new org.quartz.CronExpression(quartzText);
        quartz.setTimeZone(TimeZone.getTimeZone(id));

        final SplittableRandom random = new SplittableRandom(42);
        final long from = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
        final long span = Instant.parse("2026-12-31T00:00:00Z").toEpochMilli() - from;
        for (int i = 0; i <= MASK; i++)
        {
            millis[i] = from + random.nextLong(span);
            zoned[i] = Instant.ofEpochMilli(millis[i]).atZone(id);
            dates[i] = new Date(millis[i]);
        }
    }

    @Benchmark
    public long engine()
    {
        return engine.nextAfterEpochMilli(millis[next++ & MASK]);
    }

    @Benchmark
    public Optional<ZonedDateTime> cronUtils()
    {
        return cronUtils.nextExecution(zoned[next++ & MASK]);
    }

    @Benchmark
    public ZonedDateTime spring()
    {
        return spring.next(zoned[next++ & MASK]);
    }

    @Benchmark
    public Date quartz()
    {
        return quartz.getNextValidTimeAfter(dates[next++ & MASK]);
    }
}
