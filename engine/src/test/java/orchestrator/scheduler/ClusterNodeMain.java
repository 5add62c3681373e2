package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * A cluster node in a child JVM, for {@link ClusterTest}: a clustered scheduler on the given database that registers
 * the same tasks as every other node ({@code c0 .. c<n-1>}, every second), each of whose runs inserts
 * {@code (task, scheduled_at, node, fence)} into {@code fire_ledger} (unique on task and instant); a conflict is a
 * duplicate fire and is recorded in {@code duplicates}. Prints "ready" once the tasks are registered, then runs until
 * killed.
 * <p>
 * Arguments: port, node id, clock offset in ms (the node's clock is skewed by it), task count, callback work in ms
 * (negative: the callback does nothing and writes no ledger row, to measure the engine's own statements),
 * and optionally the tasks' cron expression (default: every second).
 */
public final class ClusterNodeMain
{
    private ClusterNodeMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int port = Integer.parseInt(args[0]);
        final String nodeId = args[1];
        final long offsetMs = Long.parseLong(args[2]);
        final int tasks = Integer.parseInt(args[3]);
        final long workMs = Long.parseLong(args[4]);
        final String cron = args.length > 5 ? args[5] : "* * * * * *";
        final PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {"127.0.0.1"});
        dataSource.setPortNumbers(new int[] {port});
        dataSource.setDatabaseName("orchestrator");
        dataSource.setUser("postgres");
        dataSource.setApplicationName(nodeId);
        final byte[] key = new byte[KeyProvider.KEY_LENGTH];
        Arrays.fill(key, (byte)7);
        final Scheduler scheduler = Scheduler.builder()
            .store(TaskStore.postgres(dataSource))
            .nodeId(nodeId)
            .clock(Clock.offset(Clock.systemUTC(), Duration.ofMillis(offsetMs)))
            .keyProvider(KeyProvider.ofBytes(key))
            .dispatcher(Dispatcher.withWorkers(4))
            .build();
        for (int i = 0; i < tasks; i++)
        {
            if (workMs < 0)
            {
                scheduler.schedule(TaskSpec.named("c" + i).cron(cron).run(() -> { })); // load: the engine's own writes
            }
            else
            {
                scheduler.schedule(TaskSpec.named("c" + i).cron(cron).run(context -> record(dataSource, context,
                    workMs)));
            }
        }
        scheduler.start();
        System.out.print("ready\n");
        System.out.flush();
        while (true)
        {
            LockSupport.parkNanos(Long.MAX_VALUE);
        }
    }

    /**
     * Writes the fire to the ledger, retrying for up to 30 s while the database is away (a callback's downstream
     * write waits for its database), so that every run that started is in the ledger.
     */
    private static void record(final PGSimpleDataSource dataSource, final FireContext context, final long workMs)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true)
        {
            try
            {
                insert(dataSource, context);
                break;
            }
            catch (final IllegalStateException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw ex;
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
        }
        if (workMs > 0)
        {
            LockSupport.parkNanos(Duration.ofMillis(workMs).toNanos()); // the callback's own work
        }
    }

    private static void insert(final PGSimpleDataSource dataSource, final FireContext context)
    {
        try (Connection connection = dataSource.getConnection())
        {
            final long scheduledAt = context.scheduledAt().toEpochMilli();
            try (PreparedStatement insert = connection.prepareStatement("insert into fire_ledger (task, scheduled_at, " +
                "node, fence, started_at) values (?, ?, ?, ?, (extract(epoch from clock_timestamp()) * 1000)::bigint) " +
                "on conflict do nothing"))
            {
                insert.setString(1, context.taskName());
                insert.setLong(2, scheduledAt);
                insert.setString(3, context.nodeId());
                insert.setLong(4, context.fence());
                if (insert.executeUpdate() == 0)
                {
                    try (PreparedStatement duplicate = connection.prepareStatement("insert into duplicates (task, " +
                        "scheduled_at, node, fence) values (?, ?, ?, ?)"))
                    {
                        duplicate.setString(1, context.taskName());
                        duplicate.setLong(2, scheduledAt);
                        duplicate.setString(3, context.nodeId());
                        duplicate.setLong(4, context.fence());
                        duplicate.executeUpdate();
                    }
                }
            }
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException("ledger insert failed: " + ex, ex);
        }
    }
}
