package orchestrator.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
import orchestrator.scheduler.InterruptedFirePolicy;
import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.TaskSpec;
import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;

/**
 * Thread confined (one JMH thread per state): {@code runPending()} throughput in fires per second for {@code n}
 * recurring tasks that all fire every second, on the in-memory store ({@code memory}) and on the journal
 * ({@code journal}) side by side, inline dispatch. Otherwise as {@link RunPendingBenchmark}: each operation advances a
 * {@link ManualClock} by one period and calls {@code runPending()}, which must fire all {@code n}; the secondary score
 * {@code fires} is fires per second.
 * <p>
 * With {@code policy = DROP} every task is registered with {@code onRestart(DROP)}, so that {@code runPending()} waits
 * until the journal's writer thread has written its collection's progress batch (one {@code PROGRESS} record with an
 * entry per fired task; written, not forced) before it dispatches. With {@code RUN_AGAIN} (the default) the batch is
 * written behind the call, but the scheduler lets at most a bounded number of batches wait unwritten, so a caller
 * faster than the writer waits for the oldest: either figure is what the journal sustains, not only what the caller
 * pays. The journal lives in a fresh directory under
 * {@code -Ddurable.dir} (default {@code target}, relative to the working directory: the real disk, not a tmpfs),
 * deleted after the trial. The {@code n} tasks are registered before the trial from 32 threads, each registration
 * durable when it returns (the threads share the journal's forces); at 1M this takes tens of seconds per fork.
 * <p>
 * Run alone: {@code mvn -pl benchmarks jmh -Djmh.args="DurableRunPendingBenchmark -f 1 -wi 2 -i 3"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = BenchmarkJvm.FORKS,
    jvmArgsAppend = {BenchmarkJvm.XMS, BenchmarkJvm.XMX, BenchmarkJvm.PRE_TOUCH, BenchmarkJvm.HUGE_PAGES})
@Warmup(iterations = BenchmarkJvm.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = BenchmarkJvm.MEASUREMENT_ITERATIONS, time = 1)
public class DurableRunPendingBenchmark
{
    /** A fixed key: a durable store refuses the default, random one. Not a secret; benchmarks only. */
    static final byte[] KEY = new byte[KeyProvider.KEY_LENGTH];
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final Runnable CALLBACK = () -> { };
    private static final int REGISTERING_THREADS = 32;

    @Param({"memory", "journal"})
    String store;

    @Param({"1000", "100000", "1000000"})
    int n;

    /**
     * Every task's {@code onRestart} policy: {@code DROP} makes each collection wait for its batch to be written,
     * {@code RUN_AGAIN} (the default) lets the batch be written behind the call, within the progress log's bound on
     * unwritten batches. The in-memory store writes nothing either way.
     */
    @Param({"DROP", "RUN_AGAIN"})
    String policy;

    private ManualClock clock;
    private Scheduler scheduler;
    private Path dir;

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
    public void register() throws IOException, InterruptedException, ExecutionException
    {
        final boolean journal = "journal".equals(store);
        clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        final Scheduler.Builder builder = Scheduler.builder()
            .clock(clock)
            .dispatcher(new Dispatcher())
            .keyProvider(KeyProvider.ofBytes(KEY));
        if (journal)
        {
            dir = journalDirectory("durable-runpending");
            builder.store(TaskStore.journal(dir.resolve("journal")));
        }
        scheduler = builder.build();
        final CronSchedule everySecond = CronSchedule.parse("* * * * * *", ZoneOffset.UTC);
        final InterruptedFirePolicy onRestart = InterruptedFirePolicy.valueOf(policy);
        registerAll(scheduler, n, i -> TaskSpec.named("task-" + i).cron(everySecond).onRestart(onRestart)
            .run(CALLBACK));
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
        allocation.ops += fired; // bytes allocated per fire, not per runPending call
        return fired;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException
    {
        scheduler.close();
        if (dir != null)
        {
            deleteTree(dir);
        }
    }

    /**
     * Thread safe as its implementations must be (several registering threads call it at once): how to make the i-th
     * task.
     */
    public interface Specs
    {
        TaskSpec spec(int i);
    }

    /**
     * Schedules tasks 0 to n-1 from {@value #REGISTERING_THREADS} threads (on a journal each call is durable when it
     * returns; concurrent calls share the journal's forces).
     */
    public static void registerAll(final Scheduler scheduler, final int n, final Specs specs)
        throws InterruptedException, ExecutionException
    {
        final ExecutorService pool = Executors.newFixedThreadPool(REGISTERING_THREADS);
        try
        {
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < REGISTERING_THREADS; t++)
            {
                final int first = t;
                done.add(pool.submit(() ->
                {
                    for (int i = first; i < n; i += REGISTERING_THREADS)
                    {
                        scheduler.schedule(specs.spec(i));
                    }
                }));
            }
            for (final Future<?> future : done)
            {
                future.get();
            }
        }
        finally
        {
            pool.shutdown();
        }
    }

    /** A fresh directory under {@code -Ddurable.dir} (default {@code target}). */
    static Path journalDirectory(final String prefix) throws IOException
    {
        final Path parent = Path.of(System.getProperty("durable.dir", "target"));
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, prefix);
    }

    /** Bytes in the files under {@code dir}. */
    static long sizeOf(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            return files.filter(Files::isRegularFile).mapToLong(file ->
            {
                try
                {
                    return Files.size(file);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            }).sum();
        }
    }

    static void deleteTree(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path file : (Iterable<Path>)files.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.delete(file);
            }
        }
    }
}
