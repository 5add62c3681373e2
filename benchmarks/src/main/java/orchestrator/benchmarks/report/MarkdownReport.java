package orchestrator.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * NOT thread safe: renders the figures of one run as the Markdown page {@code benchmarks.md}: the targets with their
 * verdicts, the headline table, ratios against a baseline structure, per-metric tables with error margins and bytes
 * allocated per operation, the harnesses' tables, the charts, and the environment.
 */
public final class MarkdownReport
{
    private final Results results;
    private final List<String> order;
    private final Function<String, String> labels;
    private final StringBuilder out = new StringBuilder();

    /**
     * @param results the figures.
     * @param order   structures in the order rows show them; the first one measured is the baseline of ratios.
     * @param labels  structure name to display label.
     */
    public MarkdownReport(final Results results, final List<String> order, final Function<String, String> labels)
    {
        this.results = results;
        this.order = order;
        this.labels = labels;
    }

    /**
     * @param environment where and how the run was made.
     * @param settings    JMH settings of the run, one line each.
     * @param charts      chart file names, relative to the page.
     * @param notes       paragraphs appended after the tables.
     * @return the page.
     */
    public String render(final Environment environment, final List<String> settings, final List<String> charts,
        final List<String> notes)
    {
        final List<String> structures = results.structures(order);
        out.append("# Benchmark results\n\n");
        out.append("Produced by `").append(environment.command()).append("` on ").append(environment.date())
            .append(" in ").append(environment.duration()).append(" (load average ").append(environment.loadAtStart())
            .append(" at the start, ").append(environment.loadAtEnd()).append(" at the end, on ")
            .append(environment.nproc()).append(" cores).\n\n");
        targets();
        headline(structures);
        if (structures.size() > 1)
        {
            ratios(structures);
        }
        for (final Metric metric : Metric.values())
        {
            detail(metric);
            allocation(metric);
        }
        lateness();
        latenessCauses();
        lockHolds();
        others();
        if (!charts.isEmpty())
        {
            out.append("## Charts\n\n");
            for (final String chart : charts)
            {
                out.append("![").append(chart).append("](").append(chart).append(")\n\n");
            }
        }
        for (final String note : notes)
        {
            out.append(note).append("\n\n");
        }
        out.append("## Environment\n\n");
        out.append("- command: `").append(environment.command()).append("`\n");
        out.append("- duration: ").append(environment.duration()).append("; load average (1, 5, 15 min) ")
            .append(environment.loadAtStart()).append(" at the start, ").append(environment.loadAtEnd())
            .append(" at the end\n");
        out.append("- `nproc`: ").append(environment.nproc()).append("\n");
        out.append("- `lscpu` model name: ").append(environment.cpuModel()).append("\n");
        out.append("- OS: ").append(environment.os()).append("\n");
        for (final String setting : settings)
        {
            out.append("- ").append(setting).append("\n");
        }
        out.append("\n`java -version`:\n\n```\n").append(environment.javaVersion()).append("\n```\n");
        return out.toString();
    }

    private void headline(final List<String> structures)
    {
        final List<Metric> metrics = new ArrayList<>();
        final StringBuilder header = new StringBuilder("| structure |");
        final StringBuilder rule = new StringBuilder("|---|");
        for (final Metric metric : Metric.values())
        {
            final Set<Long> sizes = results.sizes(metric);
            if (sizes.isEmpty() || !metric.comparesPeers())
            {
                continue;
            }
            metrics.add(metric);
            header.append(' ').append(metric.title()).append(", ").append(metric.unit()).append(", n = ")
                .append(join(sizes, Figures::size)).append(" |");
            rule.append("---|");
        }
        if (metrics.isEmpty())
        {
            return;
        }
        out.append("## Headline\n\nLower is better in every column.\n\n")
            .append(header).append('\n').append(rule).append('\n');
        for (final String structure : structures)
        {
            out.append("| ").append(labels.apply(structure)).append(" |");
            for (final Metric metric : metrics)
            {
                out.append(' ').append(join(results.sizes(metric), n -> Figures.format(value(metric, structure, n))))
                    .append(" |");
            }
            out.append('\n');
        }
        out.append('\n');
    }

    private void ratios(final List<String> structures)
    {
        final String baseline = structures.get(0);
        out.append("## Ratios against ").append(labels.apply(baseline)).append("\n\n")
            .append("Each figure divided by the same figure of ").append(labels.apply(baseline))
            .append(" in this run: above x1 the baseline is faster (or smaller) by that factor.\n\n");
        final StringBuilder header = new StringBuilder("| structure |");
        final StringBuilder rule = new StringBuilder("|---|");
        final List<Metric> metrics = new ArrayList<>();
        for (final Metric metric : Metric.values())
        {
            if (!results.sizes(metric).isEmpty() && metric.comparesPeers())
            {
                metrics.add(metric);
                header.append(' ').append(metric.title()).append(", n = ")
                    .append(join(results.sizes(metric), Figures::size)).append(" |");
                rule.append("---|");
            }
        }
        out.append(header).append('\n').append(rule).append('\n');
        for (final String structure : structures.subList(1, structures.size()))
        {
            out.append("| ").append(labels.apply(structure)).append(" |");
            for (final Metric metric : metrics)
            {
                out.append(' ').append(join(results.sizes(metric),
                    n -> Figures.ratio(value(metric, structure, n) / value(metric, baseline, n)))).append(" |");
            }
            out.append('\n');
        }
        out.append('\n');
    }

    private void detail(final Metric metric)
    {
        final Set<Long> sizes = results.sizes(metric);
        if (sizes.isEmpty())
        {
            return;
        }
        out.append("## ").append(metric.title()).append(" (").append(metric.unit()).append(", ")
            .append(metric.lowerIsBetter() ? "lower" : "higher").append(" is better)\n\n| ")
            .append(metric.rowParam()).append(" |");
        for (final long n : sizes)
        {
            out.append(' ').append(metric.columnLabel(n)).append(" |");
        }
        out.append("\n|---|").append("---|".repeat(sizes.size())).append('\n');
        for (final String structure : results.structures(metric, order))
        {
            out.append("| ").append(labels.apply(structure)).append(" |");
            for (final long n : sizes)
            {
                final Results.Score score = results.get(metric, structure, n);
                out.append(' ');
                if (score == null)
                {
                    out.append('-');
                }
                else
                {
                    out.append(Figures.format(score.value()));
                    if (!Double.isNaN(score.error()))
                    {
                        out.append(" ± ").append(Figures.format(score.error()));
                    }
                }
                out.append(" |");
            }
            out.append('\n');
        }
        out.append('\n');
    }

    private void targets()
    {
        out.append("## Targets\n\n")
            .append("Every figure of this run, compared with its target; ratios are between figures of this run. ")
            .append("\"Within error\": the 99.9% error margins reach across the threshold.\n\n")
            .append("| target | measured | verdict |\n|---|---|---|\n");
        for (final Targets.Row row : Targets.evaluate(results))
        {
            out.append("| ").append(row.target()).append(" | ").append(row.measured()).append(" | ")
                .append(row.verdict()).append(" |\n");
        }
        out.append('\n');
    }

    private void allocation(final Metric metric)
    {
        if (!results.hasAllocation(metric))
        {
            return;
        }
        final Set<Long> sizes = results.sizes(metric);
        out.append("### ").append(metric.title()).append(": bytes allocated per ").append(metric.allocationUnit())
            .append("\n\n`-prof gc`'s `gc.alloc.rate.norm` of each measured iteration, less what the untimed ")
            .append("fixtures of the iteration allocated, per ").append(metric.allocationUnit())
            .append("; mean ± 99.9% margin over the iterations of every fork.\n\n| ").append(metric.rowParam())
            .append(" |");
        for (final long n : sizes)
        {
            out.append(' ').append(metric.columnLabel(n)).append(" |");
        }
        out.append("\n|---|").append("---|".repeat(sizes.size())).append('\n');
        for (final String structure : results.structures(metric, order))
        {
            out.append("| ").append(labels.apply(structure)).append(" |");
            for (final long n : sizes)
            {
                final Results.Score bytes = results.allocation(metric, structure, n);
                out.append(' ').append(bytes == null ? "-" : bytes(bytes.value()) +
                    (Double.isNaN(bytes.error()) ? "" : " ± " + bytes(bytes.error()))).append(" |");
            }
            out.append('\n');
        }
        out.append('\n');
    }

    private static String bytes(final double value)
    {
        return Math.abs(value) < 0.005 ? "0" : Figures.format(value);
    }

    private void lockHolds()
    {
        final List<LockHolds.Phase> rows = results.lockHolds().phases();
        if (rows.isEmpty())
        {
            return;
        }
        out.append("## Lock holds of the scheduler (µs, lower is better)\n\n")
            .append("Lock-hold harness (`LockHoldMain`): one-time tasks due within a 60 s window, a `ManualClock`, ")
            .append("the inline dispatcher, every hold of the registry's lock timed from `lock()` to `unlock()`. ")
            .append("`register`: `registerOnce` of every task; `tasks`: three `tasks()` snapshots; `sweep`: the clock ")
            .append("moves 1 ms at a time across the window, `runPending()` after each step; `jump`: all tasks ")
            .append("registered again, then one `runPending()` after the clock jumps past the window. The cold round ")
            .append("warms the code up; the warm round is the figure, the others repeat it. On CPU: the hold in the ")
            .append("holder's CPU time, without the time the guest's kernel descheduled it or a GC pause stopped it ")
            .append("(but with the time the host took the virtual CPU away).\n\n")
            .append("| round | phase | holds | p50 | p99 | max | max on CPU | holds over 200 µs | over 1 ms |")
            .append(" phase, ms | longest GC pause, ms | longest hold released at |\n")
            .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (final LockHolds.Phase row : rows)
        {
            out.append("| ").append(row.round()).append(" | ").append(row.phase()).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", row.holds())).append(" | ")
                .append(Figures.format(row.p50())).append(" | ").append(Figures.format(row.p99())).append(" | ")
                .append(Figures.format(row.max())).append(" | ").append(Figures.format(row.maxOnCpu())).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", row.over200us())).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", row.over1ms())).append(" | ")
                .append(Figures.format(row.phaseMs())).append(" | ").append(row.gcPauseMs()).append(" | `")
                .append(row.where()).append("` |\n");
        }
        out.append('\n');
        final LockHolds.Minimum minimum = results.lockHolds().minimum();
        if (minimum != null)
        {
            out.append(String.format(Locale.ROOT, "The sweeps of the measured rounds are the same work hold by " +
                "hold (the same tasks, deadlines and clock steps), so each hold's shortest time over them is the " +
                "engine's own, without what stalled one round there: over %d sweeps of %,d holds, p50 %s µs, p99 %s " +
                "µs, longest %s µs (hold %d: %s µs in the rounds), %,d over 200 µs.", minimum.rounds(), minimum.holds(),
                Figures.format(minimum.p50()), Figures.format(minimum.p99()), Figures.format(minimum.max()),
                minimum.at(), minimum.each(), minimum.over200us()));
            final LockHolds.Stall stall = results.lockHolds().stall();
            if (stall != null)
            {
                out.append(String.format(Locale.ROOT, " A thread that only reads the clock, alone in the harness's " +
                    "JVM for %d s (%,d reads): longest gap %s µs, its CPU time advancing %s µs in it; %d gaps over " +
                    "200 µs, %d over 1 ms. A gap in which the CPU time advances as much is time the host took the " +
                    "virtual CPU away, counted by the guest as the thread's.", stall.seconds(), stall.reads(),
                    Figures.format(stall.longestUs()), Figures.format(stall.cpuUs()), stall.over200us(),
                    stall.over1ms()));
            }
            out.append("\n\n");
        }
    }

    private void lateness()
    {
        final List<Results.Lateness> rows = results.lateness();
        if (rows.isEmpty())
        {
            return;
        }
        out.append("## Fire lateness, driver thread, system clock (µs, lower is better)\n\n")
            .append("| fires per second | histogram | values | fires still pending 10 s after the last instant |")
            .append(" p50 | p99 | p99.9 | max |\n")
            .append("|---|---|---|---|---|---|---|---|\n");
        for (final Results.Lateness row : rows)
        {
            out.append("| ").append(String.format(Locale.ROOT, "%,d", row.rate())).append(" | ")
                .append(row.kind()).append(" | ").append(String.format(Locale.ROOT, "%,d", row.count()))
                .append(" | ").append(String.format(Locale.ROOT, "%,d", row.behind()))
                .append(" | ").append(Figures.format(row.p50())).append(" | ").append(Figures.format(row.p99()))
                .append(" | ").append(Figures.format(row.p999())).append(" | ").append(Figures.format(row.max()))
                .append(" |\n");
        }
        out.append('\n');
    }

    private void latenessCauses()
    {
        final List<Results.LatenessCauses> rows = results.latenessCauses();
        if (rows.isEmpty())
        {
            return;
        }
        out.append("Where the late fires came from: measured fires more than 1 ms late, those a GC pause explains ")
            .append("(their wait overlapped a pause, or they are the backlog after it, until a fire runs within 1 ms ")
            .append("again; pauses from the JVM's notifications, whole ms), and the wake-up lateness of a probe ")
            .append("thread that parks until each next millisecond as the driver does (`LockSupport.parkNanos`), i.e. ")
            .append("the platform's own timer and scheduling latency during the run, corrected for coordinated ")
            .append("omission with a 1 ms expected interval so that a stall weighs per millisecond as it does for the ")
            .append("fires. When the probe's percentiles match the fires', the lateness is the machine's.\n\n")
            .append("| fires per second | fires over 1 ms late | of them from a GC pause | GC pauses | longest, ms |")
            .append(" probe wake-up p50, µs | p99 | p99.9 | max |\n|---|---|---|---|---|---|---|---|---|\n");
        for (final Results.LatenessCauses row : rows)
        {
            out.append("| ").append(String.format(Locale.ROOT, "%,d", row.rate())).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", row.lateFires())).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", row.duringGc())).append(" | ").append(row.gcPauses())
                .append(" | ").append(row.longestGcMs()).append(" | ").append(Figures.format(row.wakeP50()))
                .append(" | ").append(Figures.format(row.wakeP99())).append(" | ")
                .append(Figures.format(row.wakeP999())).append(" | ").append(Figures.format(row.wakeMax()))
                .append(" |\n");
        }
        out.append('\n');
    }

    private void others()
    {
        final List<Results.Other> rows = results.others();
        if (rows.isEmpty())
        {
            return;
        }
        out.append("## Other benchmarks\n\n| benchmark | parameters | score | unit |\n|---|---|---|---|\n");
        for (final Results.Other row : rows)
        {
            out.append("| ").append(row.benchmark()).append(" | ").append(row.params()).append(" | ")
                .append(Figures.format(row.score()));
            if (!Double.isNaN(row.error()))
            {
                out.append(" ± ").append(Figures.format(row.error()));
            }
            out.append(" | ").append(row.unit()).append(" |\n");
        }
        out.append('\n');
    }

    private double value(final Metric metric, final String structure, final long n)
    {
        final Results.Score score = results.get(metric, structure, n);
        return score == null ? Double.NaN : score.value();
    }

    private static String join(final Set<Long> sizes, final Function<Long, String> cell)
    {
        final StringBuilder text = new StringBuilder();
        for (final long n : sizes)
        {
            if (text.length() > 0)
            {
                text.append(" / ");
            }
            text.append(cell.apply(n));
        }
        return text.toString();
    }
}
