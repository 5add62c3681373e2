package orchestrator.benchmarks.durable;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import orchestrator.benchmarks.DurableRunPendingBenchmark;
import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.TaskSpec;
import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;

/**
 * NOT thread safe (a program): where the CPU time of {@code runPending()} goes, thread by thread, for {@code n}
 * {@code Runnable} tasks that all fire every second, inline, on the in-memory store or on a journal; the tasks and
 * the rounds are those of {@code DurableRunPendingBenchmark}. A diagnostic, not a benchmark: JMH gives the figures of
 * record, this says which thread spends what.
 * <p>
 * Usage: {@code FireCpuMain <memory|journal> <n> [dir]}. It registers the tasks as the benchmark does, then
 * runs three rounds of {@value #CALLS} calls, each advancing a {@link ManualClock} by a second and firing every task.
 * Per round it prints {@code firecpu <store> <round> <M fires/s> <caller CPU % of wall> <process ns/fire>} and then
 * {@code <thread> <ns/fire>} for every thread alive through the round that used more than 2% of the wall time
 * (the caller is {@code main}; a snapshot thread, started per snapshot, shows only when it spans a whole round).
 * The process figure counts every thread, the JVM's own (GC, JIT) included.
 */
public final class FireCpuMain
{
    private static final int CALLS = 15;
    private static final int ROUNDS = 3;

    private FireCpuMain()
    {
    }

    /**
     * @param args {@code <memory|journal> <n> [dir]}; dir (default {@code target}) holds the journal's fresh
     *             directory, which is left behind.
     */
    public static void main(final String[] args) throws IOException, InterruptedException, ExecutionException
    {
        final boolean journal = "journal".equals(args[0]);
        final int n = Integer.parseInt(args[1]);
        final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        final Scheduler.Builder builder = Scheduler.builder().clock(clock).dispatcher(new Dispatcher())
            .keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH]));
        if (journal)
        {
            final Path parent = Path.of(args.length > 2 ? args[2] : "target");
            Files.createDirectories(parent);
            builder.store(TaskStore.journal(Files.createTempDirectory(parent, "firecpu").resolve("journal")));
        }
        try (Scheduler scheduler = builder.build())
        {
            final CronSchedule everySecond = CronSchedule.parse("* * * * * *", ZoneOffset.UTC);
            DurableRunPendingBenchmark.registerAll(scheduler, n,
                i -> TaskSpec.named("task-" + i).cron(everySecond).run(() -> { }));
            final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
            for (int round = 0; round < ROUNDS; round++)
            {
                final Map<Long, Long> before = cpuByThread(threads);
                final long processBefore = os.getProcessCpuTime();
                final long callerBefore = threads.getCurrentThreadCpuTime();
                final long start = System.nanoTime();
                long fires = 0;
                for (int call = 0; call < CALLS; call++)
                {
                    clock.advance(Duration.ofSeconds(1));
                    fires += scheduler.runPending();
                }
                final long wall = System.nanoTime() - start;
                final long caller = threads.getCurrentThreadCpuTime() - callerBefore;
                final long process = os.getProcessCpuTime() - processBefore;
                System.out.printf("firecpu %s %d %.2f %.0f %.1f%n", args[0], round, fires * 1e3 / wall,
                    100.0 * caller / wall, (double)process / fires);
                for (final Map.Entry<Long, Long> thread : before.entrySet())
                {
                    final long used = threads.getThreadCpuTime(thread.getKey()) - thread.getValue();
                    final ThreadInfo info = threads.getThreadInfo(thread.getKey());
                    if (info != null && used > wall / 50)
                    {
                        System.out.printf("  %s %.1f%n", info.getThreadName(), (double)used / fires);
                    }
                }
            }
        }
    }

    private static Map<Long, Long> cpuByThread(final ThreadMXBean threads)
    {
        final Map<Long, Long> cpu = new HashMap<>();
        for (final long id : threads.getAllThreadIds())
        {
            cpu.put(id, threads.getThreadCpuTime(id));
        }
        return cpu;
    }
}
