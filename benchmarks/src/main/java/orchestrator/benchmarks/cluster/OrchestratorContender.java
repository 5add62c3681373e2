package orchestrator.benchmarks.cluster;

import java.util.Arrays;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.TaskSpec;
import orchestrator.scheduler.store.PgServer;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;

/**
 * Thread safe (stateless): ours, {@code Scheduler.builder().store(TaskStore.postgres(dataSource)).nodeId(id)}, a
 * HikariCP pool per node, {@code threads} worker threads. Tasks are registered by name on every node, as an
 * application does, and fire once per instant across the cluster: {@code tasks} tasks {@code t0 .. t<n-1>} on
 * {@code * * * * * *}, so the demand is {@code tasks} fires per second. The schema is the engine's own, created on
 * start.
 */
final class OrchestratorContender implements Contender
{
    static final String NAME = "orchestrator";
    static final int POOL = 8;

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String configuration()
    {
        return "this engine, TaskStore.postgres on a HikariCP pool of " + POOL + ", Dispatcher.withWorkers(threads), " +
            "every node registers the same tasks on * * * * * * (a demand of one fire per task per second)";
    }

    @Override
    public boolean registersOnNodes()
    {
        return true;
    }

    @Override
    public void install(final PgServer server) throws Exception
    {
        Sql.execute(server.dataSource(), "drop table if exists orchestrator_tasks, orchestrator_nodes, " +
            "orchestrator_schema cascade");
    }

    @Override
    public void load(final PgServer server, final int count, final long firstDueMs, final long stepUs)
    {
        throw new UnsupportedOperationException(NAME + " registers its tasks on every node");
    }

    @Override
    public void clear(final PgServer server) throws Exception
    {
        Sql.execute(server.dataSource(), "truncate orchestrator_tasks, orchestrator_nodes");
    }

    @Override
    public AutoCloseable startNode(final String jdbcUrl, final String nodeId, final int threads, final int tasks)
    {
        final HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(jdbcUrl);
        pool.setMaximumPoolSize(POOL);
        pool.setPoolName(nodeId);
        final HikariDataSource dataSource = new HikariDataSource(pool);
        final byte[] key = new byte[KeyProvider.KEY_LENGTH];
        Arrays.fill(key, (byte)7);
        final Scheduler scheduler = Scheduler.builder()
            .store(TaskStore.postgres(dataSource))
            .nodeId(nodeId)
            .keyProvider(KeyProvider.ofBytes(key))
            .dispatcher(Dispatcher.withWorkers(threads))
            .build();
        final long started = System.nanoTime();
        for (int i = 0; i < tasks; i++)
        {
            scheduler.schedule(TaskSpec.named("t" + i).cron("* * * * * *")
                .run(context -> NodeFires.fired(context.taskName(), context.scheduledAt().toEpochMilli())));
        }
        System.out.printf("registered %d tasks in %.1f s%n", tasks, (System.nanoTime() - started) / 1e9);
        scheduler.start();
        return () ->
        {
            scheduler.close();
            dataSource.close();
        };
    }
}
