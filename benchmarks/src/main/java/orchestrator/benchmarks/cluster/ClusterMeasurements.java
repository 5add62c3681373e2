package orchestrator.benchmarks.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import orchestrator.scheduler.store.PgServer;

/**
 * NOT thread safe: the measurements of one contender on one PostgreSQL server, each starting from empty tables and
 * stopping its nodes at the end: idle statements, throughput with 1 and n nodes, lateness at a steady rate, takeover.
 */
final class ClusterMeasurements
{
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long FIRST_FIRE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    private final ClusterSettings settings;
    private final PgServer server;
    private final Contender contender;
    private final Path logDir;
    private final List<String> notes = new ArrayList<>();
    private int started;
    private double loadNsPerTask = 100_000;

    ClusterMeasurements(final ClusterSettings settings, final PgServer server, final Contender contender,
        final Path logDir)
    {
        this.settings = settings;
        this.server = server;
        this.contender = contender;
        this.logDir = logDir;
    }

    /** Runs every measurement and returns the figures. */
    ContenderFigures run() throws Exception
    {
        System.out.println("# cluster: " + contender.name() + ": " + contender.configuration());
        contender.install(server);
        final double idle = idleStatementsPerSecond();
        final List<ContenderFigures.Throughput> throughput = new ArrayList<>();
        for (final int nodeCount : List.of(1, settings.nodes()))
        {
            if (contender.registersOnNodes())
            {
                for (final int demand : settings.recurring())
                {
                    throughput.add(throughput(nodeCount, demand));
                }
            }
            else
            {
                throughput.add(throughput(nodeCount, settings.backlog(contender.name())));
            }
        }
        final ContenderFigures.LatenessFigures lateness = lateness(settings.nodes());
        final ContenderFigures.Takeover takeover = settings.takeoverMs() > 0 ? takeover() : null;
        return new ContenderFigures(contender.name(), contender.configuration(), throughput, idle, lateness,
            takeover, notes);
    }

    private double idleStatementsPerSecond() throws Exception
    {
        final List<NodeProcess> nodes = startNodes(1, 0);
        try
        {
            pause(TimeUnit.SECONDS.toNanos(2)); // start-up statements settle
            final long before = transactions();
            final long start = System.nanoTime();
            pause(TimeUnit.MILLISECONDS.toNanos(settings.idleMs()));
            final long after = transactions();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double perSecond = (after - before - 1) / seconds; // minus the first sample's own transaction
            print("idle", 1, String.format("%.2f transactions/s over %.1f s", perSecond, seconds));
            return perSecond;
        }
        finally
        {
            stop(nodes);
        }
    }

    /**
     * @param backlog the one-time tasks loaded, or the tasks every node registers.
     */
    private ContenderFigures.Throughput throughput(final int nodeCount, final int backlog) throws Exception
    {
        final boolean onNodes = contender.registersOnNodes();
        if (!onNodes) // before the nodes start, so that none waits for its next poll to see the backlog
        {
            final long loadStart = System.nanoTime();
            contender.load(server, backlog, System.currentTimeMillis(), 0);
            loadNsPerTask = (double)(System.nanoTime() - loadStart) / backlog;
        }
        final List<NodeProcess> nodes = startNodes(nodeCount, backlog);
        try
        {
            final long deadline = System.nanoTime() + FIRST_FIRE_TIMEOUT_NS;
            while (fired(nodes) == 0)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException(contender.name() + ": nothing fired within 60 s of the load");
                }
                LockSupport.parkNanos(POLL_NS);
            }
            // tasks registered on the nodes fire the instants missed while the others registered: let that pass
            pause(TimeUnit.MILLISECONDS.toNanos(settings.warmupMs() + (onNodes ? 3_000 : 0)));
            final long commits0 = commits();
            final long fired0 = fired(nodes);
            final long t0 = System.nanoTime();
            pause(TimeUnit.MILLISECONDS.toNanos(settings.windowMs()));
            final long commits1 = commits();
            final long fired1 = fired(nodes);
            final double seconds = (System.nanoTime() - t0) / 1e9;
            final long fires = fired1 - fired0;
            final boolean exhausted = !onNodes && fired1 >= backlog;
            final ContenderFigures.Throughput figures = new ContenderFigures.Throughput(nodeCount, fires / seconds,
                fires == 0 ? Double.NaN : (double)(commits1 - commits0 - 1) / fires, backlog, exhausted);
            print("throughput", nodeCount, String.format("%.0f fires/s, %.3f commits/fire, %d fires in %.1f s%s%s",
                figures.firesPerSecond(), figures.commitsPerFire(), fires, seconds,
                onNodes ? ", demand " + backlog + " fires/s" : "",
                exhausted ? ", backlog of " + backlog + " exhausted: a lower bound" : ""));
            if (exhausted)
            {
                notes.add(nodeCount + " node(s): the backlog of " + backlog + " ran out inside the window; " +
                    "fires/s is a lower bound (raise -Dbench.cluster.backlog.scale)");
            }
            return figures;
        }
        finally
        {
            stop(nodes);
            contender.clear(server);
        }
    }

    private ContenderFigures.LatenessFigures lateness(final int nodeCount) throws Exception
    {
        final boolean onNodes = contender.registersOnNodes();
        final int tasks = (int)(settings.rate() * settings.latenessMs() / 1_000);
        final long stepUs = 1_000_000L / settings.rate();
        final List<NodeProcess> nodes = startNodes(nodeCount, onNodes ? settings.rate() : 0);
        try
        {
            if (onNodes)
            {
                // every task fires each second: warm up, drop what the nodes recorded so far, then measure
                pause(TimeUnit.MILLISECONDS.toNanos(2_000 + settings.warmupMs()));
                for (final NodeProcess node : nodes)
                {
                    node.lateness();
                }
                pause(TimeUnit.MILLISECONDS.toNanos(settings.latenessMs()));
            }
            else
            {
                // the first due time leaves room for the load itself, at the speed the throughput load ran
                final long leadMs = 2_000 + (long)(2 * loadNsPerTask * tasks / 1e6);
                final long firstDueMs = System.currentTimeMillis() + leadMs;
                contender.load(server, tasks, firstDueMs, stepUs);
                final long lastDueMs = firstDueMs + (tasks - 1) * stepUs / 1_000;
                while (fired(nodes) < tasks && System.currentTimeMillis() < lastDueMs + settings.drainMs())
                {
                    LockSupport.parkNanos(POLL_NS);
                }
            }
            final Histogram histogram = new Histogram(NodeFires.MAX_LATENESS_US, 3);
            long early = 0;
            for (final NodeProcess node : nodes)
            {
                final NodeProcess.Lateness lateness = node.lateness();
                histogram.add(lateness.histogram());
                early += lateness.early();
            }
            final long fired = histogram.getTotalCount();
            if (fired < tasks && !onNodes) // the missing ones are at least this late: counted so, not left out
            {
                histogram.recordValueWithCount(settings.drainMs() * 1_000, tasks - fired);
                notes.add("lateness: " + fired + " of " + tasks + " fires ran within " + settings.drainMs() +
                    " ms of the last due time; the others count as that late, so the percentiles are lower bounds");
            }
            if (onNodes)
            {
                notes.add("lateness: " + settings.rate() + " tasks every second on each node, " + fired +
                    " fires in " + settings.latenessMs() + " ms (" + tasks + " instants)");
            }
            final ContenderFigures.LatenessFigures figures = new ContenderFigures.LatenessFigures(nodeCount,
                settings.rate(), tasks, fired, early, histogram.getValueAtPercentile(50) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3, histogram.getMaxValue() / 1e3);
            print("lateness", nodeCount, String.format("%d/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d of %d " +
                "fired, %d early", settings.rate(), figures.p50Ms(), figures.p99Ms(), figures.maxMs(), fired, tasks,
                early));
            return figures;
        }
        finally
        {
            stop(nodes);
            contender.clear(server);
        }
    }

    private ContenderFigures.Takeover takeover() throws Exception
    {
        final int held = Math.min(8, settings.threads());
        final boolean onNodes = contender.registersOnNodes();
        if (!onNodes)
        {
            contender.load(server, held, System.currentTimeMillis(), 0);
        }
        final NodeProcess victim = NodeProcess.start(settings, contender, server.jdbcUrl(), node("victim"), true,
            held, logDir);
        NodeProcess survivor = null;
        try
        {
            final long deadline = System.nanoTime() + FIRST_FIRE_TIMEOUT_NS;
            while (victim.fired() < held)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException(contender.name() + ": the victim started " + victim.fired() +
                        " of " + held + " fires in 60 s");
                }
                LockSupport.parkNanos(POLL_NS);
            }
            survivor = NodeProcess.start(settings, contender, server.jdbcUrl(), node("survivor"), false, held,
                logDir);
            survivor.mark();
            final long killed = System.nanoTime();
            victim.kill();
            final long timeout = killed + TimeUnit.MILLISECONDS.toNanos(settings.takeoverMs());
            double firstS = Double.NaN;
            double allS = Double.NaN;
            while (System.nanoTime() - timeout < 0)
            {
                final long fired = survivor.distinctSinceMark();
                if (fired > 0 && Double.isNaN(firstS))
                {
                    firstS = (System.nanoTime() - killed) / 1e9;
                }
                if (fired >= held)
                {
                    allS = (System.nanoTime() - killed) / 1e9;
                    break;
                }
                LockSupport.parkNanos(POLL_NS);
            }
            final ContenderFigures.Takeover figures =
                new ContenderFigures.Takeover(held, firstS, allS, survivor.distinctSinceMark());
            print("takeover", 2, String.format("%d held fires: first again after %.2f s, all after %.2f s, %d " +
                "re-fired within %d ms", held, firstS, allS, figures.refired(), settings.takeoverMs()));
            if (Double.isNaN(allS))
            {
                notes.add("takeover: " + figures.refired() + " of " + held + " held fires ran again within " +
                    settings.takeoverMs() + " ms of the kill");
            }
            return figures;
        }
        finally
        {
            victim.close();
            if (survivor != null)
            {
                survivor.stop();
            }
            contender.clear(server);
        }
    }

    private List<NodeProcess> startNodes(final int count, final int tasks) throws IOException, InterruptedException
    {
        final List<NodeProcess> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) // started together: the nodes of a contender registering tasks do so at once
        {
            nodes.add(NodeProcess.launch(settings, contender, server.jdbcUrl(), node("n"), false, tasks, logDir));
        }
        for (final NodeProcess node : nodes)
        {
            node.awaitReady();
        }
        return nodes;
    }

    private String node(final String role)
    {
        return contender.name() + "-" + role + (++started);
    }

    private static void stop(final List<NodeProcess> nodes) throws IOException, InterruptedException
    {
        for (final NodeProcess node : nodes)
        {
            node.stop();
        }
    }

    private static long fired(final List<NodeProcess> nodes)
    {
        long fired = 0;
        for (final NodeProcess node : nodes)
        {
            fired += node.fired();
        }
        return fired;
    }

    private long commits() throws SQLException
    {
        return stat("xact_commit");
    }

    private long transactions() throws SQLException
    {
        return stat("xact_commit + xact_rollback");
    }

    /** One transaction of its own, counted once its session has ended. */
    private long stat(final String expression) throws SQLException
    {
        try (Connection connection = server.connection();
            PreparedStatement statement = connection.prepareStatement(
                "select " + expression + " from pg_stat_database where datname = ?"))
        {
            statement.setString(1, PgServer.DATABASE);
            try (ResultSet rows = statement.executeQuery())
            {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private void print(final String what, final int nodes, final String figures)
    {
        System.out.println("cluster " + contender.name() + " " + what + " " + nodes + " node(s): " + figures);
    }

    private static void pause(final long nanos)
    {
        final long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime())
        {
            LockSupport.parkNanos(left);
        }
    }
}
