package orchestrator.benchmarks.durable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.HdrHistogram.Histogram;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.TaskSpec;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;

/**
 * NOT thread safe (a program): the durable-store harness, run by {@link DurableRunner} as three kinds of JVM on one
 * journal directory.
 * <ul>
 * <li>{@code register <dir> <n> <sample>}: a scheduler on {@code TaskStore.journal(dir)} (production mode, a fixed
 * key); {@code n} handler tasks (cron {@code * * * * * *}, a 16-byte payload sealed with ChaCha20-Poly1305) registered
 * from {@value #THREADS} threads, then {@code sample} more from one thread; every registration is durable when it
 * returns, and each one's latency is recorded (HdrHistogram, ns). Then {@code close()}, and the directory's size.
 * Prints {@code durable register <threads> <count> <p50 us> <p99 us> <max us> <registrations/s>} per phase and
 * {@code durable disk <tasks> <bytes> <bytes per task>}.</li>
 * <li>{@code restart <dir> <tasks> <round>}: a fresh JVM times {@code build()} (opens the journal: snapshot plus replay, and
 * restores every task, which then waits for its handler) and {@code registerHandler} (starts them all), then checks,
 * untimed, that the first {@code runPending()} fires every task exactly once. Prints
 * {@code durable restart <tasks> <build ms> <registerHandler ms> <fired>}.</li>
 * <li>{@code fire <dir> <tasks> <round> <calls>}: restores the tasks as {@code restart} does, then makes {@code calls}
 * {@code runPending()} rounds, each firing every task once, so that their progress accumulates in the log; with
 * {@code calls} 0, as many as the journal's compaction rule allows before a snapshot starts (it starts one, written
 * behind, once the log since the snapshot passes half its bound, {@value #LOG_BYTES_PER_TASK} bytes a task held and at
 * least 64 MiB, and waits for it before the log would pass the bound: the rounds stop when one more round like the
 * last would pass the half). Prints {@code durable fire <round> <log bytes> <snapshot bytes> <snapshots written>} after each, and
 * once the log stops growing {@code durable ready <round> <log bytes>}, then waits to be killed (SIGKILL: no close, no
 * snapshot). The next {@code restart} is then that round.</li>
 * </ul>
 * The clock is a {@link ManualClock}: restart round {@code r} (from 0) starts it where the previous round left it,
 * {@code r} seconds after the registration, so no fire passes while "down" and each round fires every task once.
 */
public final class RestartMain
{
    /** Registering threads of the first phase; they share the journal's forces (group commit). */
    static final int THREADS = 32;
    private static final byte[] KEY = new byte[KeyProvider.KEY_LENGTH];
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final String HANDLER = "noop";
    private static final long MAX_LATENCY_NS = Duration.ofMinutes(1).toNanos();
    private static final int MAX_ROUNDS = 20; // a small journal (the smoke run) never reaches the 64 MiB bound
    /** The journal's bound on the log since the snapshot: JournalCompaction.LOG_BYTES_PER_TASK, at least 64 MiB. */
    private static final long LOG_BYTES_PER_TASK = 104;
    private static final long MIN_LOG_BOUND = 64L << 20;

    private RestartMain()
    {
    }

    /**
     * @param args {@code register <dir> <n> <sample>}, {@code restart <dir> <tasks> <round>} or
     *             {@code fire <dir> <tasks> <round> <calls>}.
     * @throws Exception when a phase fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[1]);
        switch (args[0])
        {
            case "register":
                register(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                break;
            case "restart":
                restart(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                break;
            case "fire":
                fire(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                break;
            default:
                throw new IllegalArgumentException("unknown phase " + args[0]);
        }
    }

    private static Scheduler.Builder builder(final Path dir, final ManualClock clock)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(new Dispatcher())
            .keyProvider(KeyProvider.ofBytes(KEY)).store(TaskStore.journal(dir));
    }

    private static TaskSpec spec(final String name)
    {
        final byte[] payload = new byte[16];
        payload[0] = (byte)name.length();
        return TaskSpec.named(name).cron("* * * * * *").handler(HANDLER, payload);
    }

    private static void register(final Path dir, final int n, final int sample)
        throws InterruptedException, ExecutionException, IOException
    {
        final ManualClock clock = new ManualClock(START, ZoneOffset.UTC);
        try (Scheduler scheduler = builder(dir, clock).build())
        {
            scheduler.registerHandler(HANDLER, payload -> { });
            final List<Histogram> perThread = new ArrayList<>();
            final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            final long started = System.nanoTime();
            try
            {
                final List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++)
                {
                    final int first = t;
                    final Histogram histogram = new Histogram(MAX_LATENCY_NS, 3);
                    perThread.add(histogram);
                    done.add(pool.submit(() ->
                    {
                        for (int i = first; i < n; i += THREADS)
                        {
                            final TaskSpec task = spec("task-" + i);
                            final long start = System.nanoTime();
                            scheduler.schedule(task);
                            histogram.recordValue(Math.min(System.nanoTime() - start, MAX_LATENCY_NS));
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
            final long concurrentNs = System.nanoTime() - started;
            final Histogram concurrent = new Histogram(MAX_LATENCY_NS, 3);
            perThread.forEach(concurrent::add);
            print(THREADS, concurrent, concurrentNs);

            final Histogram single = new Histogram(MAX_LATENCY_NS, 3);
            final long singleStarted = System.nanoTime();
            for (int i = 0; i < sample; i++)
            {
                final TaskSpec task = spec("sample-" + i);
                final long start = System.nanoTime();
                scheduler.schedule(task);
                single.recordValue(Math.min(System.nanoTime() - start, MAX_LATENCY_NS));
            }
            print(1, single, System.nanoTime() - singleStarted);
        }
        final int tasks = n + sample;
        final long bytes = sizeOf(dir);
        System.out.printf("durable disk %d %d %.1f%n", tasks, bytes, (double)bytes / tasks);
        try (Stream<Path> files = Files.list(dir))
        {
            files.sorted().forEach(file -> System.out.println("# " + file.getFileName() + " " + size(file) + " B"));
        }
    }

    private static void print(final int threads, final Histogram histogram, final long elapsedNs)
    {
        System.out.printf("durable register %d %d %.1f %.1f %.1f %.0f%n", threads, histogram.getTotalCount(),
            histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(99) / 1e3,
            histogram.getMaxValue() / 1e3, histogram.getTotalCount() * 1e9 / elapsedNs);
    }

    private static void restart(final Path dir, final int tasks, final int round)
    {
        final ManualClock clock = new ManualClock(START.plusSeconds(round), ZoneOffset.UTC);
        final long started = System.nanoTime();
        final Scheduler scheduler = builder(dir, clock).build();
        final long built = System.nanoTime();
        scheduler.registerHandler(HANDLER, payload -> { });
        final long handled = System.nanoTime();
        try
        {
            clock.advance(Duration.ofSeconds(1));
            final int fired = scheduler.runPending();
            System.out.printf("durable restart %d %.1f %.1f %d%n", tasks, (built - started) / 1e6,
                (handled - built) / 1e6, fired);
            if (fired != tasks)
            {
                throw new IllegalStateException(fired + " of " + tasks + " restored tasks fired");
            }
        }
        finally
        {
            scheduler.close();
        }
    }

    private static void fire(final Path dir, final int tasks, final int round, final int calls)
        throws IOException, InterruptedException
    {
        final ManualClock clock = new ManualClock(START.plusSeconds(round), ZoneOffset.UTC);
        final Scheduler scheduler = builder(dir, clock).build(); // never closed: the process is killed
        scheduler.registerHandler(HANDLER, payload -> { });
        Object snapshot = snapshotKey(dir);
        int snapshots = 0;
        int reached = round;
        long last = logBytes(dir);
        for (int call = 1; calls > 0 ? call <= calls : call <= MAX_ROUNDS; call++)
        {
            clock.advance(Duration.ofSeconds(1));
            final int fired = scheduler.runPending();
            reached = round + call;
            if (fired != tasks)
            {
                throw new IllegalStateException("round " + reached + ": " + fired + " of " + tasks + " fired");
            }
            final long log = awaitWritten(dir);
            final Object now = snapshotKey(dir);
            if (!now.equals(snapshot))
            {
                snapshot = now;
                snapshots++;
            }
            final long snapshotBytes = size(dir.resolve("snapshot.dat"));
            System.out.printf("durable fire %d %d %d %d%n", reached, log, snapshotBytes, snapshots);
            if (calls <= 0 && log + (log - last) > Math.max(MIN_LOG_BOUND, tasks * LOG_BYTES_PER_TASK) / 2)
            {
                break; // one more round like this one would start a snapshot: the longest log with none in progress
            }
            last = log;
        }
        System.out.printf("durable ready %d %d%n", reached, logBytes(dir));
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }

    /** @return the log's size once it stopped growing: the journal writes progress behind the calls. */
    private static long awaitWritten(final Path dir) throws IOException, InterruptedException
    {
        long log = logBytes(dir);
        for (int stable = 0; stable < 5; )
        {
            Thread.sleep(100);
            final long now = logBytes(dir);
            stable = now == log ? stable + 1 : 0;
            log = now;
        }
        return log;
    }

    /** @return what tells one snapshot file from the next (each is a new file renamed over the last). */
    private static Object snapshotKey(final Path dir) throws IOException
    {
        return Files.readAttributes(dir.resolve("snapshot.dat"), BasicFileAttributes.class).fileKey();
    }

    /** Bytes of the log segments: the log since the snapshot. */
    static long logBytes(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            long bytes = 0;
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                if (file.getFileName().toString().endsWith(".log"))
                {
                    try
                    {
                        bytes += Files.size(file);
                    }
                    catch (final NoSuchFileException ex)
                    {
                        // deleted by a snapshot meanwhile
                    }
                }
            }
            return bytes;
        }
    }

    /** Bytes in the files under {@code dir}. */
    static long sizeOf(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            return files.filter(Files::isRegularFile).mapToLong(RestartMain::size).sum();
        }
    }

    private static long size(final Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Deletes {@code dir} and everything under it. */
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
