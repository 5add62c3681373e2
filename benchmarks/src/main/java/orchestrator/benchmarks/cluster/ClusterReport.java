package orchestrator.benchmarks.cluster;

import java.util.List;
import java.util.Optional;

import orchestrator.benchmarks.report.Environment;

/**
 * Thread safe (immutable): the Markdown page of one cluster harness run: environment, settings, one table per figure
 * with a row per contender, and the ratios of ours ({@value #OURS}) to each peer, all measured in the same run.
 */
final class ClusterReport
{
    static final String OURS = "orchestrator";

    private final ClusterSettings settings;
    private final List<ContenderFigures> figures;

    ClusterReport(final ClusterSettings settings, final List<ContenderFigures> figures)
    {
        this.settings = settings;
        this.figures = figures;
    }

    String render(final Environment environment, final String postgres)
    {
        final StringBuilder page = new StringBuilder();
        page.append("# Cluster on PostgreSQL: ours against db-scheduler and Quartz, one run\n\n");
        page.append("- Command: `").append(environment.command()).append("`\n");
        page.append("- Date: ").append(environment.date()).append(", duration ").append(environment.duration())
            .append('\n');
        page.append("- Machine: ").append(environment.nproc()).append(" cores, ").append(environment.cpuModel())
            .append(", ").append(environment.os()).append('\n');
        page.append("- JVM: ").append(environment.javaVersion().replace('\n', ' ')).append('\n');
        page.append("- Load average (1, 5, 15 min): ").append(environment.loadAtStart()).append(" at the start, ")
            .append(environment.loadAtEnd()).append(" at the end\n");
        page.append("- PostgreSQL: ").append(postgres).append(", on the same machine, started by `PgServer` ")
            .append("(fsync=on, synchronous_commit on, max_connections 200)\n");
        page.append("- Nodes: child JVMs (").append(String.join(" ", ClusterSettings.NODE_JVM_OPTIONS))
            .append("), each its own scheduler and connection pool, ").append(settings.threads())
            .append(" worker threads; multi-node figures with ").append(settings.nodes()).append(" nodes\n");
        page.append("- Throughput: a backlog of one-time tasks all due, warm-up ").append(settings.warmupMs())
            .append(" ms after the first fire, then a window of ").append(settings.windowMs())
            .append(" ms; commits per fire = delta of `pg_stat_database.xact_commit` over the window / fires\n");
        page.append("- Idle: `xact_commit + xact_rollback` delta per second of the database while one node runs ")
            .append("with no due task, over ").append(settings.idleMs()).append(" ms (transactions, not statements; ")
            .append("`pg_stat_statements` is not loaded)\n");
        page.append("- Lateness: ").append(settings.rate()).append(" one-time tasks due per second for ")
            .append(settings.latenessMs()).append(" ms on ").append(settings.nodes())
            .append(" nodes; lateness = wall clock at the callback minus the due time\n");
        page.append("- Throughput, ours: every node registers the same tasks on `* * * * * *` (an application's ")
            .append("tasks are registered on every node), so the demand is that many fires per second; fires/s and ")
            .append("commits/fire in the first table are from the window with the most fires/s (all windows below)\n");
        page.append("- Takeover: a node fires 8 tasks whose callbacks block, is SIGKILLed, then the time until a ")
            .append("second node has fired each of the 8 tasks. Peers: the held executions run again (Quartz: jobs ")
            .append("requesting recovery; db-scheduler: dead executions revived). Ours: a fire running on a dead ")
            .append("node is counted interrupted, not run again; its task's next instant fires on the second node\n\n");
        page.append("## Configurations\n\n");
        for (final ContenderFigures contender : figures)
        {
            page.append("- ").append(contender.contender()).append(": ").append(contender.configuration())
                .append('\n');
        }
        page.append("\n## Figures\n\n");
        page.append("| contender | fires/s, 1 node | fires/s, ").append(settings.nodes())
            .append(" nodes | commits/fire, 1 node | commits/fire, ").append(settings.nodes())
            .append(" nodes | idle transactions/s | lateness p50 / p99 / max ms | takeover first / all s |\n");
        page.append("|---|---|---|---|---|---|---|---|\n");
        for (final ContenderFigures contender : figures)
        {
            final ContenderFigures.Throughput one = contender.best(1);
            final ContenderFigures.Throughput many = contender.best(settings.nodes());
            final ContenderFigures.LatenessFigures late = contender.lateness();
            final ContenderFigures.Takeover takeover = contender.takeover();
            page.append("| ").append(contender.contender())
                .append(" | ").append(rate(one)).append(" | ").append(rate(many))
                .append(" | ").append(String.format("%.3f", one.commitsPerFire()))
                .append(" | ").append(String.format("%.3f", many.commitsPerFire()))
                .append(" | ").append(String.format("%.2f", contender.idleStatementsPerSecond()))
                .append(" | ").append(String.format("%.1f / %.1f / %.1f", late.p50Ms(), late.p99Ms(), late.maxMs()))
                .append(late.fired() < late.tasks() ? " (" + late.fired() + " of " + late.tasks() + " fired)" : "")
                .append(" | ").append(takeover == null ? "not measured" :
                    String.format("%.1f / %.1f", takeover.firstS(), takeover.allS()))
                .append(" |\n");
        }
        final Optional<ContenderFigures> ours = figures.stream().filter(f -> OURS.equals(f.contender())).findFirst();
        if (ours.isPresent())
        {
            page.append("\n## Ours / peer, same run\n\nFires/s: higher is better; commits per fire and lateness: lower ")
                .append("is better.\n\n");
            page.append("| peer | fires/s, 1 node | fires/s, ").append(settings.nodes())
                .append(" nodes | commits/fire, 1 node | lateness p99 |\n|---|---|---|---|---|\n");
            final ContenderFigures o = ours.get();
            for (final ContenderFigures peer : figures)
            {
                if (peer != o)
                {
                    page.append("| ").append(peer.contender())
                        .append(" | x").append(ratio(o.best(1).firesPerSecond(),
                            peer.best(1).firesPerSecond()))
                        .append(" | x").append(ratio(o.best(settings.nodes()).firesPerSecond(),
                            peer.best(settings.nodes()).firesPerSecond()))
                        .append(" | x").append(ratio(o.best(1).commitsPerFire(),
                            peer.best(1).commitsPerFire()))
                        .append(" | x").append(ratio(o.lateness().p99Ms(), peer.lateness().p99Ms()))
                        .append(" |\n");
                }
            }
        }
        page.append("\n## Every throughput window\n\n| contender | nodes | backlog or demand | fires/s | commits/fire |\n")
            .append("|---|---|---|---|---|\n");
        for (final ContenderFigures contender : figures)
        {
            for (final ContenderFigures.Throughput window : contender.throughput())
            {
                page.append("| ").append(contender.contender()).append(" | ").append(window.nodes()).append(" | ")
                    .append(contender.contender().equals(OURS) ? window.backlog() + " tasks every second" :
                        window.backlog() + " due at once")
                    .append(" | ").append(rate(window)).append(" | ")
                    .append(String.format("%.3f", window.commitsPerFire())).append(" |\n");
            }
        }
        page.append("\n## Notes\n\n");
        for (final ContenderFigures contender : figures)
        {
            for (final String note : contender.notes())
            {
                page.append("- ").append(contender.contender()).append(": ").append(note).append('\n');
            }
        }
        return page.toString();
    }

    private static String rate(final ContenderFigures.Throughput throughput)
    {
        return String.format("%.0f", throughput.firesPerSecond()) + (throughput.exhausted() ? " (lower bound)" : "");
    }

    private static String ratio(final double ours, final double peer)
    {
        return String.format(ours / peer >= 10 ? "%.0f" : "%.3g", ours / peer);
    }
}
