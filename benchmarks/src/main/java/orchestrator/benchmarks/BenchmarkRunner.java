package orchestrator.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import orchestrator.benchmarks.cluster.ClusterRunner;
import orchestrator.benchmarks.durable.DurableRunner;
import orchestrator.benchmarks.footprint.FootprintRunner;
import orchestrator.benchmarks.lateness.LatenessRunner;
import orchestrator.benchmarks.lockhold.LockHoldRunner;
import orchestrator.benchmarks.report.Charts;
import orchestrator.benchmarks.report.Environment;
import orchestrator.benchmarks.report.MarkdownReport;
import orchestrator.benchmarks.report.Results;
import orchestrator.benchmarks.timers.TimerStructures;

/**
 * NOT thread safe (a program): the entry point of {@code mvn -pl benchmarks jmh}. Runs the JMH benchmarks in this jar
 * (JMH prints its progress) with JMH's GC profiler, then the footprint, lateness and lock-hold harnesses, and writes
 * the JMH JSON, {@code benchmarks.md} and PNG charts; see {@link RunMode} for what the system properties select and
 * where the files go.
 */
public final class BenchmarkRunner
{
    /** The JMH result file. */
    public static final String JSON_FILE = "jmh-result.json";
    /** The Markdown page. */
    public static final String MARKDOWN_FILE = "benchmarks.md";

    /**
     * What the default run ({@code mvn -pl benchmarks jmh} with no {@code jmh.args}) includes: the timer benchmarks
     * (with the structures and sizes of their {@code @Param} defaults), runPending throughput, and the two figures of
     * the production-mode target, a handler fire in production and test mode and one bare open of the same record
     * ({@link #DEFAULT_PARAMS}). The jar's other benchmarks (cron, vault seal and the other ciphers and sizes) and the
     * peers left out of the defaults run on request, e.g. {@code -Djmh.args="CronNextFireBenchmark"}; the default
     * run stays within 25 minutes on two cores, and the smoke run inside {@code mvn verify} covers every benchmark.
     */
    public static final String DEFAULT_INCLUDE = "orchestrator\\.benchmarks\\.(Timer\\w+|RunPending)Benchmark|" +
        "orchestrator\\.scheduler\\.ProductionModeBenchmark|orchestrator\\.benchmarks\\.VaultBenchmark\\.open";

    /** Parameters the default run narrows: one payload size and the default cipher for the production-mode target. */
    public static final List<String[]> DEFAULT_PARAMS =
        List.of(new String[] {"payloadSize", "64"}, new String[] {"cipher", "CHACHA20_POLY1305"});

    private static final String NOTE = "What each figure measures and how the structures are configured: the " +
        "README's Performance section and the javadoc of each benchmark class in benchmarks/src/main/java.";
    private static final List<Integer> FOOTPRINT_SIZES = List.of(100_000, 1_000_000);
    private static final List<Integer> SMOKE_FOOTPRINT_SIZES = List.of(10_000);
    private static final List<Integer> LATENESS_RATES = List.of(10_000, 100_000);
    private static final List<Integer> SMOKE_LATENESS_RATES = List.of(10_000);
    private static final long LATENESS_WARMUP_MS = 3_000;
    private static final long LATENESS_MEASURE_MS = 10_000;
    private static final int LOCK_HOLD_TASKS = 1_000_000;
    private static final int SMOKE_LOCK_HOLD_TASKS = 10_000;
    private static final int STALL_PROBE_SECONDS = 10;
    private static final int DURABLE_TASKS = 1_000_000;
    private static final int SMOKE_DURABLE_TASKS = 10_000;
    private static final int DURABLE_SAMPLE = 10_000;
    private static final int SMOKE_DURABLE_SAMPLE = 200;

    private BenchmarkRunner()
    {
    }

    /**
     * @param args ignored; everything comes from system properties (see {@link RunMode}).
     */
    public static void main(final String[] args)
    {
        final RunMode mode = RunMode.fromSystemProperties();
        try
        {
            run(mode);
        }
        catch (final RunnerException | CommandLineOptionException | IOException | RuntimeException ex)
        {
            System.err.println("Benchmark run failed: " + ex);
            ex.printStackTrace();
            System.exit(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            System.exit(1);
        }
    }

    private static void run(final RunMode mode)
        throws RunnerException, CommandLineOptionException, IOException, InterruptedException
    {
        final long started = System.nanoTime();
        final String loadAtStart = Environment.loadAverage();
        Files.createDirectories(mode.outputDir());
        final Path json = mode.outputDir().resolve(JSON_FILE);
        System.out.println("# Benchmark run: " + mode.kind() + ", files in " + mode.outputDir());

        final Collection<RunResult> runResults = new Runner(options(mode, json)).run();
        final Results results = new Results();
        results.addJmh(runResults);

        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Path jar = Path.of(BenchmarkRunner.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        final ChildJvm jvm = new ChildJvm(java, jar);
        if (mode.harnesses())
        {
            final boolean smoke = mode.kind() == RunMode.Kind.SMOKE;
            new FootprintRunner(jvm).run(TimerStructures.ALL, smoke ? SMOKE_FOOTPRINT_SIZES : FOOTPRINT_SIZES, results);
            new LatenessRunner(jvm).run(smoke ? SMOKE_LATENESS_RATES : LATENESS_RATES, smoke ? 200 : LATENESS_WARMUP_MS,
                smoke ? 500 : LATENESS_MEASURE_MS, results);
            new LockHoldRunner(jvm).run(smoke ? SMOKE_LOCK_HOLD_TASKS : LOCK_HOLD_TASKS, smoke ? 1 : STALL_PROBE_SECONDS,
                results);
        }
        if (mode.durableHarness())
        {
            final boolean smoke = mode.kind() == RunMode.Kind.SMOKE;
            new DurableRunner(jvm).run(smoke ? SMOKE_DURABLE_TASKS : DURABLE_TASKS,
                smoke ? SMOKE_DURABLE_SAMPLE : DURABLE_SAMPLE, mode.moduleDir().resolve("target"));
        }
        if (mode.clusterHarness())
        {
            new ClusterRunner(jvm).run(mode.outputDir(), mode.moduleDir().resolve("target/cluster"), mode.command(),
                mode.kind() == RunMode.Kind.SMOKE ? ClusterRunner.SMOKE_SETTINGS : List.of());
        }

        final List<String> charts = new Charts(results, TimerStructures.ALL, BenchmarkRunner::label)
            .write(mode.outputDir());
        final Environment environment = Environment.capture(java, mode.command(), loadAtStart, started);
        final String page = new MarkdownReport(results, TimerStructures.ALL, BenchmarkRunner::label)
            .render(environment, settings(runResults, mode), charts, List.of(NOTE));
        Files.writeString(mode.outputDir().resolve(MARKDOWN_FILE), page, StandardCharsets.UTF_8);
        System.out.println("# Wrote " + json + ", " + MARKDOWN_FILE + " and " + charts.size() + " charts in " +
            mode.outputDir());
    }

    private static String label(final String name)
    {
        switch (name)
        {
            case "inline":
                return "inline dispatcher (callbacks on the runPending thread)";
            case "workers":
                return "worker dispatch (1 worker thread), waiting for completion";
            default:
                return TimerStructures.label(name);
        }
    }

    private static org.openjdk.jmh.runner.options.Options options(final RunMode mode, final Path json)
        throws CommandLineOptionException
    {
        final List<String> args = new ArrayList<>(mode.jmhArgs());
        if (!args.contains("-foe"))
        {
            // a benchmark that throws fails the run instead of leaving a hole in the tables
            args.add("-foe");
            args.add("true");
        }
        final ChainedOptionsBuilder builder = new OptionsBuilder()
            .parent(new CommandLineOptions(args.toArray(new String[0])))
            .resultFormat(ResultFormatType.JSON)
            .result(json.toString());
        if (!args.contains("-jvmArgs"))
        {
            // forks would otherwise inherit this JVM's options; the annotations add heap and page settings
            builder.jvmArgs();
        }
        if (!args.contains("-prof"))
        {
            // bytes allocated per operation (gc.alloc.rate.norm); the report subtracts untimed fixtures (Untimed)
            builder.addProfiler(GCProfiler.class);
        }
        if (mode.kind() == RunMode.Kind.FULL)
        {
            builder.include(DEFAULT_INCLUDE);
            for (final String[] param : DEFAULT_PARAMS)
            {
                builder.param(param[0], param[1]);
            }
        }
        if (mode.kind() == RunMode.Kind.SMOKE)
        {
            builder.forks(1)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("n", "1000")
                .jvmArgsAppend("-Xms1g", "-Xmx1g");
        }
        return builder.build();
    }

    private static List<String> settings(final Collection<RunResult> runResults, final RunMode mode)
    {
        final Set<String> lines = new LinkedHashSet<>();
        for (final RunResult run : runResults)
        {
            final BenchmarkParams params = run.getParams();
            final String benchmark = params.getBenchmark();
            final String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            lines.add("JMH " + params.getJmhVersion() + ", " + params.getVmName() + " " + params.getVmVersion());
            lines.add(name + ": " + params.getForks() + " fork(s), warmup " + params.getWarmup().getCount() + " x " +
                params.getWarmup().getTime() + ", measurement " + params.getMeasurement().getCount() + " x " +
                params.getMeasurement().getTime() + ", JVM options " + String.join(" ", params.getJvmArgs()));
        }
        if (mode.harnesses())
        {
            lines.add("footprint harness (FootprintMain), JVM options: " +
                String.join(" ", FootprintRunner.JVM_OPTIONS));
            lines.add("lateness harness (LatenessMain), JVM options: " + String.join(" ", LatenessRunner.JVM_OPTIONS));
            lines.add("lock-hold harness (LockHoldMain), JVM options: " + String.join(" ", LockHoldRunner.JVM_OPTIONS));
        }
        if (mode.durableHarness())
        {
            lines.add("durable-store harness (RestartMain), JVM options: " + String.join(" ", DurableRunner.JVM_OPTIONS) +
                "; figures in the run's output, not in this page");
        }
        if (mode.clusterHarness())
        {
            lines.add("cluster harness (ClusterMain), JVM options: " + String.join(" ", ClusterRunner.JVM_OPTIONS) +
                "; figures in " + ClusterRunner.REPORT + ", not in this page");
        }
        return new ArrayList<>(lines);
    }
}
