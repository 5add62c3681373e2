package orchestrator.benchmarks;

import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.TaskState;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;
import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskProgress;
import orchestrator.scheduler.store.TaskStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Durable writes to the journal store per second: each operation is one {@code upsert} that returns only after the
 * journal forced it, from 1, 4 and 16 threads, so group commit shows as throughput that grows with the writers
 * sharing each {@code force}. In the same run, for reference: the same upsert on the in-memory store, and a raw
 * {@code FileChannel} append of 64 B with {@code force(false)} once per 100 records (the figure the durable-tasks
 * issue quotes: 288k records/s on the 2-core machine). A journal upsert frame of these tasks is 243 B
 * (a 64 B sealed payload, name, cron, zone, handler and progress).
 * <pre>
 * mvn -q -o -pl engine,benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar JournalBenchmark -f 1 -wi 2 -i 3
 * </pre>
 * The journal lives in a temporary directory under {@code java.io.tmpdir}: run it on the disk to be measured.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class JournalBenchmark
{
    private static final int NAMES_PER_THREAD = 1_000;

    /** One open store per trial, shared by the benchmark's threads. */
    @State(Scope.Benchmark)
    public static class Stores
    {
        Path dir;
        TaskStore journal;
        TaskStore memory;
        FileChannel raw;
        final ByteBuffer record = ByteBuffer.allocateDirect(64);
        long rawRecords;
        final AtomicInteger threadIds = new AtomicInteger();

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            dir = Files.createTempDirectory("journal-bench");
            journal = TaskStore.journal(dir.resolve("journal"));
            journal.open();
            memory = TaskStore.inMemory();
            memory.open();
            raw = FileChannel.open(dir.resolve("raw.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            journal.close();
            memory.close();
            raw.close();
            try (Stream<Path> files = Files.walk(dir))
            {
                for (final Path file : (Iterable<Path>)files.sorted(Comparator.reverseOrder())::iterator)
                {
                    Files.delete(file);
                }
            }
        }
    }

    /** Each thread's tasks: its own names, reused, so the journal's state stays the same size. */
    @State(Scope.Thread)
    public static class Writer
    {
        StoredTask[] tasks;
        int next;

        @Setup(Level.Trial)
        public void create(final Stores stores)
        {
            final int id = stores.threadIds.getAndIncrement();
            tasks = new StoredTask[NAMES_PER_THREAD];
            for (int i = 0; i < tasks.length; i++)
            {
                final String name = "task-" + id + "-" + i;
                final byte[] sealed = new byte[64];
                sealed[0] = 1;
                tasks[i] = new StoredTask(name, "*/5 * * * *", CronDialect.UNIX, ZoneOffset.UTC,
                    DstPolicy.CRON_DAEMON, MisfirePolicy.FIRE_ONCE, "report", i, 1, sealed,
                    new TaskProgress(name, TaskState.SCHEDULED, 1_767_225_600_000L, i, 0, 0,
                        TaskProgress.NOT_RUNNING));
            }
        }

        StoredTask next()
        {
            final StoredTask task = tasks[next];
            next = next + 1 == tasks.length ? 0 : next + 1;
            return task;
        }
    }

    @Benchmark
    @Threads(1)
    public void durableUpsert1Thread(final Stores stores, final Writer writer)
    {
        stores.journal.upsert(writer.next());
    }

    @Benchmark
    @Threads(4)
    public void durableUpsert4Threads(final Stores stores, final Writer writer)
    {
        stores.journal.upsert(writer.next());
    }

    @Benchmark
    @Threads(16)
    public void durableUpsert16Threads(final Stores stores, final Writer writer)
    {
        stores.journal.upsert(writer.next());
    }

    /** Reference: the default store, nothing written anywhere. */
    @Benchmark
    @Threads(1)
    public void inMemoryUpsert1Thread(final Stores stores, final Writer writer)
    {
        stores.memory.upsert(writer.next());
    }

    /** Reference: the raw append, 64 B per record, {@code force(false)} once per 100 records. */
    @Benchmark
    @Threads(1)
    public void rawAppendForceEvery100(final Stores stores) throws IOException
    {
        final ByteBuffer record = stores.record;
        record.clear();
        record.putLong(0, stores.rawRecords);
        while (record.hasRemaining())
        {
            stores.raw.write(record);
        }
        if (++stores.rawRecords % 100 == 0)
        {
            stores.raw.force(false);
        }
    }
}
