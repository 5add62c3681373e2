package orchestrator.scheduler.cron;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.scheduling.support.CronExpression;

import java.text.ParseException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/**
 * Single-threaded benchmark state: the cost of turning expression text into a schedule at registration, with and
 * without the engine's parse cache, against cron-utils, Spring and Quartz parsing. Lives in the engine's package to
 * reach the package-private uncached parse. Each call parses the next of 8 typical expressions, plus the bind of an
 * {@code H} expression to a task name (what registering a task with {@code H} costs).
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar CronParseBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CronParseBenchmark
{
    private static final String[] UNIX = {
        "*/5 * * * *", "30 2 * * *", "0 9 * * 1-5", "0 0 1 * *", "15,45 * * * *", "0 */2 * * *", "0 0 * * SUN", "5 4 * * *"};
    private static final String[] SPRING = {
        "0 */5 * * * *", "0 30 2 * * *", "0 0 9 * * MON-FRI", "0 0 0 1 * *", "0 15,45 * * * *", "0 0 */2 * * *",
        "0 0 0 * * SUN", "0 5 4 * * *"};
    private static final String[] QUARTZ = {
        "0 0/5 * * * ?", "0 30 2 * * ?", "0 0 9 ? * MON-FRI", "0 0 0 1 * ?", "0 15,45 * * * ?", "0 0 0/2 * * ?",
        "0 0 0 ? * SUN", "0 5 4 * * ?"};
    private static final ZoneId ZONE = ZoneOffset.UTC;

    private CronParser cronUtilsParser;
    private CronSchedule hashTemplate;
    private int next;

    @Setup
    public void setup()
    {
        cronUtilsParser = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
        hashTemplate = CronSchedule.parse("H H * * *", ZONE);
    }

    @Benchmark
    public CronSchedule engineCached()
    {
        return CronSchedule.parse(UNIX[next++ & 7], CronDialect.UNIX, ZONE).requireCanFire();
    }

    @Benchmark
    public CronSchedule engineUncached()
    {
        return CronSchedule.parseUncached(UNIX[next++ & 7], CronDialect.UNIX, ZONE, DstPolicy.CRON_DAEMON).requireCanFire();
    }

    @Benchmark
    public CronSchedule engineBindHash()
    {
        return hashTemplate.forTask("task-" + (next++ & 1023)).requireCanFire();
    }

    @Benchmark
    public Cron cronUtils()
    {
        return cronUtilsParser.parse(UNIX[next++ & 7]).validate();
    }

    @Benchmark
    public CronExpression spring()
    {
        return CronExpression.parse(SPRING[next++ & 7]);
    }

    @Benchmark
    public org.quartz.CronExpression quartz() throws ParseException
    {
        return new org.quartz.CronExpression(QUARTZ[next++ & 7]);
    }
}
