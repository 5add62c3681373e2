package orchestrator.benchmarks.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import orchestrator.scheduler.store.PgServer;

/**
 * Thread safe (stateless): db-scheduler with its {@code lock-and-fetch} polling strategy ({@code SELECT ... FOR UPDATE
 * SKIP LOCKED}, its fastest on PostgreSQL), one one-time task {@value #TASK} whose instances are the backlog, a
 * HikariCP pool per node. Polling interval: its default (10 s), which only matters when a node has run out of due
 * executions. Heartbeat every {@value #HEARTBEAT_S} s instead of its default 5 min, with its default limit of 6 missed
 * heartbeats, so that a dead node is detected within a benchmark run (its default detects it after 30 to 40 min).
 */
final class DbSchedulerContender implements Contender
{
    static final String NAME = "db-scheduler";
    static final String TASK = "bench";
    static final int HEARTBEAT_S = 2;
    /** Lock-and-fetch limits, as fractions of the threads: the README's advice "for high throughput". */
    static final double LOWER_LIMIT = 1.0;
    static final double UPPER_LIMIT = 4.0;

    /** {@code db-scheduler/src/test/resources/postgresql_tables.sql} at tag v16.7.1. */
    private static final String[] SCHEMA = {
        "drop table if exists scheduled_tasks",
        "create table scheduled_tasks (task_name text not null, task_instance text not null, task_data bytea, " +
            "execution_time timestamp with time zone not null, picked boolean not null, picked_by text, " +
            "last_success timestamp with time zone, last_failure timestamp with time zone, " +
            "consecutive_failures int, last_heartbeat timestamp with time zone, version bigint not null, " +
            "priority smallint, primary key (task_name, task_instance))",
        "create index execution_time_idx on scheduled_tasks (execution_time)",
        "create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)",
        "create index priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)"
    };

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String configuration()
    {
        return "db-scheduler " + Versions.of("com.github.kagkarlsson", "db-scheduler") + ", pollUsingLockAndFetch(" +
            LOWER_LIMIT + ", " + UPPER_LIMIT + "), polling interval 10 s (default), heartbeat " + HEARTBEAT_S +
            " s (default 5 min), 6 missed heartbeats (default), HikariCP pool of threads + 2";
    }

    @Override
    public void install(final PgServer server) throws Exception
    {
        Sql.execute(server.dataSource(), SCHEMA);
    }

    @Override
    public void load(final PgServer server, final int count, final long firstDueMs, final long stepUs)
        throws Exception
    {
        try (Connection connection = server.connection();
            PreparedStatement insert = connection.prepareStatement(
                "insert into scheduled_tasks (task_name, task_instance, execution_time, picked, version) " +
                "select ?, 't' || g || '-' || due, to_timestamp(due / 1000.0), false, 1 " +
                "from (select g, ? + (g::bigint * ?) / 1000 as due from generate_series(0, ? - 1) g) s"))
        {
            insert.setString(1, TASK);
            insert.setLong(2, firstDueMs);
            insert.setLong(3, stepUs);
            insert.setInt(4, count);
            insert.executeUpdate();
        }
    }

    @Override
    public void clear(final PgServer server) throws Exception
    {
        Sql.execute(server.dataSource(), "truncate scheduled_tasks");
    }

    @Override
    public AutoCloseable startNode(final String jdbcUrl, final String nodeId, final int threads,
        final int tasks)
    {
        final HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(jdbcUrl);
        pool.setMaximumPoolSize(threads + 2);
        pool.setPoolName(nodeId);
        final HikariDataSource dataSource = new HikariDataSource(pool);
        final OneTimeTask<Void> task = Tasks.oneTime(TASK)
            .execute((instance, context) -> NodeFires.fired(instance.getId()));
        final Scheduler scheduler = Scheduler.create(dataSource, task)
            .schedulerName(new SchedulerName.Fixed(nodeId))
            .threads(threads)
            .pollUsingLockAndFetch(LOWER_LIMIT, UPPER_LIMIT)
            .heartbeatInterval(Duration.ofSeconds(HEARTBEAT_S))
            .build();
        scheduler.start();
        return () ->
        {
            scheduler.stop();
            dataSource.close();
        };
    }
}
