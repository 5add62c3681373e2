package orchestrator.benchmarks.cluster;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.jdbcjobstore.JobStoreTX;

import orchestrator.scheduler.store.PgServer;

/**
 * Thread safe (stateless): Quartz's JDBC job store ({@code JobStoreTX}, {@code PostgreSQLDelegate}) clustered, its
 * schema from {@code tables_postgres.sql} in the Quartz jar, a HikariCP pool per node (Quartz's {@code hikaricp}
 * provider). Each task is a job (requesting recovery, so that a dead node's running jobs run again elsewhere) with a
 * one-shot simple trigger. Check-in interval: its default, 7.5 s. Trigger acquisition takes up to {@code threads}
 * triggers at a time (its default is 1), inside the lock as Quartz requires for batches; the misfire threshold is an
 * hour, so that a backlog is fired, not handled as misfires.
 */
final class QuartzContender implements Contender
{
    static final String NAME = "quartz";
    private static final String SCHEDULER_NAME = "bench";
    private static final int LOAD_BATCH = 500;
    private static final String[] TABLES = {"qrtz_fired_triggers", "qrtz_simple_triggers", "qrtz_cron_triggers",
        "qrtz_simprop_triggers", "qrtz_blob_triggers", "qrtz_triggers", "qrtz_job_details", "qrtz_scheduler_state",
        "qrtz_paused_trigger_grps", "qrtz_calendars"};

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String configuration()
    {
        return "Quartz " + Versions.of("org.quartz-scheduler", "quartz") + ", JobStoreTX + " +
            "PostgreSQLDelegate, clustered, check-in 7.5 s (default), batchTriggerAcquisitionMaxCount = threads " +
            "(default 1), acquireTriggersWithinLock, misfireThreshold 1 h, HikariCP pool of threads + 2";
    }

    @Override
    public void install(final PgServer server) throws Exception
    {
        try (InputStream in = JobStoreTX.class.getResourceAsStream("tables_postgres.sql"))
        {
            Sql.executeScript(server.dataSource(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Override
    public void load(final PgServer server, final int count, final long firstDueMs, final long stepUs)
        throws Exception
    {
        final Scheduler loader = new StdSchedulerFactory(properties(server.jdbcUrl(), "loader", 1)).getScheduler();
        try
        {
            for (int first = 0; first < count; first += LOAD_BATCH)
            {
                final Map<JobDetail, Set<? extends Trigger>> batch = new LinkedHashMap<>();
                for (int i = first; i < Math.min(count, first + LOAD_BATCH); i++)
                {
                    final String name = NodeFires.taskName(i, firstDueMs + i * stepUs / 1000);
                    final JobDetail job = JobBuilder.newJob(BenchJob.class).withIdentity(name)
                        .requestRecovery(true).build();
                    final Trigger trigger = TriggerBuilder.newTrigger().withIdentity(name).forJob(job)
                        .startAt(new Date(firstDueMs + i * stepUs / 1000))
                        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                        .build();
                    batch.put(job, Set.of(trigger));
                }
                loader.scheduleJobs(batch, false); // one transaction per batch
            }
        }
        finally
        {
            loader.shutdown();
        }
    }

    @Override
    public void clear(final PgServer server) throws Exception
    {
        Sql.execute(server.dataSource(), "truncate " + String.join(", ", TABLES));
    }

    @Override
    public AutoCloseable startNode(final String jdbcUrl, final String nodeId, final int threads,
        final int tasks)
        throws SchedulerException
    {
        final Scheduler scheduler = new StdSchedulerFactory(properties(jdbcUrl, nodeId, threads)).getScheduler();
        scheduler.start();
        return () -> scheduler.shutdown(false);
    }

    private static Properties properties(final String jdbcUrl, final String nodeId, final int threads)
    {
        final Properties properties = new Properties();
        properties.setProperty("org.quartz.scheduler.instanceName", SCHEDULER_NAME);
        properties.setProperty("org.quartz.scheduler.instanceId", nodeId);
        properties.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        properties.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", Integer.toString(threads));
        properties.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        properties.setProperty("org.quartz.jobStore.class", JobStoreTX.class.getName());
        properties.setProperty("org.quartz.jobStore.driverDelegateClass",
            "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        properties.setProperty("org.quartz.jobStore.isClustered", "true");
        properties.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        properties.setProperty("org.quartz.jobStore.misfireThreshold", "3600000");
        properties.setProperty("org.quartz.jobStore.dataSource", "bench");
        properties.setProperty("org.quartz.dataSource.bench.provider", "hikaricp");
        properties.setProperty("org.quartz.dataSource.bench.driver", "org.postgresql.Driver");
        properties.setProperty("org.quartz.dataSource.bench.URL", jdbcUrl);
        properties.setProperty("org.quartz.dataSource.bench.user", PgServer.USER);
        properties.setProperty("org.quartz.dataSource.bench.password", "");
        properties.setProperty("org.quartz.dataSource.bench.maxConnections", Integer.toString(threads + 2));
        return properties;
    }

    /**
     * Thread safe (stateless): the job of every task; Quartz instantiates it per fire.
     */
    public static final class BenchJob implements Job
    {
        @Override
        public void execute(final JobExecutionContext context)
        {
            NodeFires.fired(context.getJobDetail().getKey().getName());
        }
    }
}
