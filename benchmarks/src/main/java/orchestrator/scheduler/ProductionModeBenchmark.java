package orchestrator.scheduler;

import orchestrator.benchmarks.BenchmarkJvm;
import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.vault.KeyProvider;
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

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/**
 * Thread confined (one JMH thread per state): what production mode costs per fire in {@code runPending()}, against
 * test mode in the same run.
 * <p>
 * {@value #TASKS} handler tasks fire every second (cron {@code * * * * * *}), each with its own random payload of
 * {@code payloadSize} bytes and one shared handler that reads the payload. Each invocation advances a
 * {@link ManualClock} by one second and calls {@code runPending()} on the inline dispatcher, which fires every task
 * once; the score is nanoseconds per fire (the invocation time divided by {@value #TASKS}). In {@code production} mode
 * each fire opens the task's sealed record (the vault's default AEAD, Bouncy Castle) and wipes the plaintext after
 * the handler; in {@code test} mode it copies the plain record. Fires per second are 1e9 divided by the score, so
 * the ratio of the two modes' scores is the ratio of their fires per second, inverted.
 * <p>
 * The default run ({@code mvn -pl benchmarks jmh}) measures it at 64 B next to {@code VaultBenchmark.open} of the
 * same cipher and size, and its report checks the production-mode target: a production fire costs at most a test
 * fire plus 1.2 bare opens. Alone:
 * {@code mvn -pl benchmarks jmh -Djmh.args="ProductionModeBenchmark|VaultBenchmark.open -p payloadSize=64
 * -p cipher=CHACHA20_POLY1305"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(BenchmarkJvm.FORKS)
@Warmup(iterations = BenchmarkJvm.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = 2 * BenchmarkJvm.MEASUREMENT_ITERATIONS, time = 1) // noisy: more samples
public class ProductionModeBenchmark
{
    static final int TASKS = 1_000;
    private static final Duration PERIOD = Duration.ofSeconds(1);

    /** {@code production}: sealed records (the default); {@code test}: plain records. */
    @Param({"production", "test"})
    public String mode;

    @Param({"64", "1024"})
    public int payloadSize;

    private ManualClock clock;
    private Scheduler scheduler;
    private long sink;

    @Setup(Level.Trial)
    public void register()
    {
        clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        scheduler = Scheduler.builder()
            .clock(clock)
            .dispatcher(new Dispatcher())
            .keyProvider(KeyProvider.random())
            .build();
        if ("test".equals(mode))
        {
            scheduler.setTestMode(true);
        }
        else if (!"production".equals(mode))
        {
            throw new IllegalArgumentException(mode);
        }
        scheduler.registerHandler("read", plain -> sink += plain[plain.length - 1]);
        final SecureRandom random = new SecureRandom();
        for (int i = 0; i < TASKS; i++)
        {
            final byte[] payload = new byte[payloadSize];
            random.nextBytes(payload);
            scheduler.registerTask("task-" + i, "* * * * * *", "read", payload);
        }
        if (scheduler.isTestMode() != "test".equals(mode))
        {
            throw new IllegalStateException("scheduler is not in " + mode + " mode");
        }
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public int runPending()
    {
        clock.advance(PERIOD);
        final int fired = scheduler.runPending();
        if (fired != TASKS)
        {
            throw new IllegalStateException(fired + " of " + TASKS + " tasks fired");
        }
        return fired;
    }

    @TearDown(Level.Trial)
    public void close()
    {
        final boolean failed = scheduler.tasks().stream().anyMatch(t -> t.state() == TaskState.FAILED);
        scheduler.close();
        if (failed)
        {
            throw new IllegalStateException("a task failed to open its record");
        }
    }
}
