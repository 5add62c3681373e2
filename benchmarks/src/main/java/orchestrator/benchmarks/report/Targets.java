package orchestrator.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import orchestrator.benchmarks.timers.TimerStructures;

/**
 * Thread safe (stateless): the performance targets of the engine (issue "Engine core v2") checked against the figures
 * of one run. Every comparison is between figures of that run.
 * <p>
 * A verdict compares the mean with the threshold; when the 99.9% error margin reaches across the threshold it says
 * so ("within error"): the run cannot tell. The margin of a ratio is the sum of the relative margins of its two
 * figures, a conservative bound.
 */
public final class Targets
{
    /** The size the headline targets are set at. */
    static final long MILLION = 1_000_000;
    private static final String ENGINE = TimerStructures.ENGINE;
    private static final String SCHEDULER = TimerStructures.ENGINE_SCHEDULER;
    private static final String AGRONA = TimerStructures.AGRONA;

    /**
     * One target.
     *
     * @param target   what is asked.
     * @param measured the figures, with their error margins.
     * @param verdict  met, missed, or not measured.
     */
    public record Row(String target, String measured, String verdict)
    {
    }

    private Targets()
    {
    }

    /**
     * @param results the figures of a run.
     * @return every target, in the order; those the run did not measure say so.
     */
    public static List<Row> evaluate(final Results results)
    {
        final List<Row> rows = new ArrayList<>();
        rows.add(ratio(results, "bare wheel: collect at most 0.1x Agrona at n = 1k", Metric.COLLECT, ENGINE, AGRONA,
            1_000, 0.1));
        rows.add(ratio(results, "bare wheel: collect at or below Agrona at n = 100k", Metric.COLLECT, ENGINE, AGRONA,
            100_000, 1.0));
        rows.add(ratio(results, "bare wheel: collect at or below Agrona at n = 1M", Metric.COLLECT, ENGINE, AGRONA,
            MILLION, 1.0));
        rows.add(ratio(results, "bare wheel: cancel at most 1.2x Agrona at n = 1M", Metric.CANCEL, ENGINE, AGRONA,
            MILLION, 1.2));
        for (final long n : new long[] {1_000, 100_000, MILLION})
        {
            rows.add(ratio(results, "bare wheel: schedule below Agrona at n = " + Figures.size(n), Metric.SCHEDULE,
                ENGINE, AGRONA, n, 1.0));
        }
        rows.add(atMost(results, "Scheduler: collect at most 50 ns per expired task at n = 1M", Metric.COLLECT,
            SCHEDULER, MILLION, 50));
        rows.add(ratio(results, "Scheduler: schedule (registerOnce) at or below Agrona's bare schedule at n = 1M",
            Metric.SCHEDULE, SCHEDULER, AGRONA, MILLION, 1.0));
        rows.add(atMost(results, "Scheduler: cancel(name) at most 150 ns at n = 1M", Metric.CANCEL, SCHEDULER, MILLION,
            150));
        rows.add(fires(results));
        rows.add(footprint(results));
        rows.add(lockHold(results, "sweep", "longest lock hold while runPending() sweeps 1M tasks due within 60 s, " +
            "1 ms steps: at most 200 µs", 200));
        rows.add(lockHold(results, "tasks", "longest lock hold of tasks() at 1M tasks: at most about 1 ms", 1_000));
        rows.add(lateness(results, 10_000));
        rows.add(lateness(results, 100_000));
        rows.add(production(results));
        return rows;
    }

    private static Row ratio(final Results results, final String target, final Metric metric, final String engine,
        final String peer, final long n, final double limit)
    {
        final Results.Score ours = results.get(metric, engine, n);
        final Results.Score theirs = results.get(metric, peer, n);
        if (ours == null || theirs == null)
        {
            return notMeasured(target);
        }
        final double ratio = ours.value() / theirs.value();
        final double margin = ratio * (relative(ours) + relative(theirs));
        final String measured = withError(ours) + " vs " + withError(theirs) + " " + metric.unit() + ": " +
            Figures.ratio(ratio) + range(ratio, margin);
        return new Row(target, measured, verdict(ratio <= limit, ratio - margin <= limit && ratio + margin > limit));
    }

    private static Row atMost(final Results results, final String target, final Metric metric, final String structure,
        final long n, final double limit)
    {
        final Results.Score score = results.get(metric, structure, n);
        if (score == null)
        {
            return notMeasured(target);
        }
        final double error = Double.isNaN(score.error()) ? 0 : score.error();
        final String measured = withError(score) + " " + metric.unit() +
            " (" + Figures.ratio(score.value() / limit) + " the target)";
        return new Row(target, measured,
            verdict(score.value() <= limit, score.value() - error <= limit && score.value() + error > limit));
    }

    private static Row fires(final Results results)
    {
        final String target = "recurring fires through runPending(), inline, one thread, n = 1M: at least 40 M fires/s";
        final Results.Score score = results.get(Metric.RUN_PENDING, "inline", MILLION);
        if (score == null)
        {
            return notMeasured(target);
        }
        final double limit = 40e6;
        final StringBuilder measured = new StringBuilder(millions(score.value()) + " ± " + millions(score.error()) +
            " M fires/s (" + Figures.ratio(score.value() / limit) + " the target)");
        final Results.Score k = results.get(Metric.RUN_PENDING, "inline", 1_000);
        final Results.Score hk = results.get(Metric.RUN_PENDING, "inline", 100_000);
        if (k != null && hk != null)
        {
            measured.append("; at 1k / 100k: ").append(millions(k.value())).append(" / ").append(millions(hk.value()))
                .append(" M");
        }
        return new Row(target, measured.toString(), verdict(score.value() >= limit,
            score.value() + score.error() >= limit && score.value() - score.error() < limit));
    }

    private static Row footprint(final Results results)
    {
        final String target = "at most 100 bytes per registered task, all-in, through Scheduler at n = 1M";
        final Results.Score score = results.get(Metric.FOOTPRINT, SCHEDULER, MILLION);
        if (score == null)
        {
            return notMeasured(target);
        }
        final Results.Score wheel = results.get(Metric.FOOTPRINT, ENGINE, MILLION);
        final String measured = Figures.format(score.value()) + " bytes per task (task names included)" +
            (wheel == null ? "" : "; the bare wheel alone " + Figures.format(wheel.value()));
        return new Row(target, measured, verdict(score.value() <= 100, false));
    }

    private static Row lockHold(final Results results, final String phase, final String target, final double limitUs)
    {
        final LockHolds.Phase hold = results.lockHolds().phase("warm", phase);
        if (hold == null)
        {
            return notMeasured(target);
        }
        final long over = limitUs <= 200 ? hold.over200us() : hold.over1ms();
        final String measured = "longest " + us(hold.max()) + " on the wall clock, " + us(hold.maxOnCpu()) +
            " on the holder's CPU; p99 " + us(hold.p99()) + "; " + String.format(Locale.ROOT, "%,d of %,d", over,
            hold.holds()) + " holds over " + us(limitUs) + "; longest GC pause in the phase " + hold.gcPauseMs() +
            " ms";
        final boolean wall = hold.max() <= limitUs;
        final boolean cpu = hold.maxOnCpu() <= limitUs;
        final LockHolds.Minimum minimum = "sweep".equals(phase) ? results.lockHolds().minimum() : null;
        if (wall || minimum == null)
        {
            return new Row(target, measured, wall ? "met" : cpu ? "**missed** on the wall clock, met on CPU" :
                "**missed**");
        }
        final LockHolds.Stall stall = results.lockHolds().stall();
        final String compared = "; compared hold by hold over " + minimum.rounds() + " sweeps of the same work, " +
            "the longest hold's shortest time " + us(minimum.max()) + " (p99 " + us(minimum.p99()) + ", " +
            String.format(Locale.ROOT, "%,d", minimum.over200us()) + " over " + us(limitUs) + ")" + (stall == null ?
            "" : "; a thread that only reads the clock, alone for " + stall.seconds() + " s, stalled up to " +
            us(stall.longestUs()) + " (its CPU time advancing " + us(stall.cpuUs()) + " in it)");
        final boolean engine = minimum.max() <= limitUs;
        return new Row(target, measured + compared, engine ?
            "met by the engine's work (the per-hold minimum); **missed** on the wall clock of this machine" :
            "**missed**");
    }

    private static Row lateness(final Results results, final int rate)
    {
        final String target = String.format(Locale.ROOT, "fire lateness with the driver thread at %,d fires/s: " +
            "p99 with coordinated-omission correction at most 1 ms", rate);
        final Results.Lateness corrected = results.lateness(rate, "corrected");
        final Results.Lateness raw = results.lateness(rate, "raw");
        if (corrected == null || raw == null)
        {
            return notMeasured(target);
        }
        final Results.LatenessCauses causes = results.latenessCauses(rate);
        final String measured = "p99 " + us(corrected.p99()) + " corrected, " + us(raw.p99()) + " raw; p50 " +
            us(raw.p50()) + ", p99.9 " + us(corrected.p999()) + ", max " + us(corrected.max()) +
            (causes == null ? "" : String.format(Locale.ROOT, "; %,d fires over 1 ms late, %,d of them from a " +
                "GC pause (longest %d ms); a parked probe thread woke p99 %s late", causes.lateFires(),
                causes.duringGc(), causes.longestGcMs(), us(causes.wakeP99())));
        return new Row(target, measured, verdict(corrected.p99() <= 1_000, false));
    }

    private static Row production(final Results results)
    {
        final String target = "production mode: a handler fire costs at most a test-mode fire plus 1.2x one bare " +
            "open of the same record (64 B, default cipher)";
        final Results.Score production = results.get(Metric.PRODUCTION_FIRE, "production", 64);
        final Results.Score test = results.get(Metric.PRODUCTION_FIRE, "test", 64);
        final Results.Score open = results.get(Metric.VAULT_OPEN, "CHACHA20_POLY1305", 64);
        if (production == null || test == null || open == null)
        {
            return notMeasured(target);
        }
        final double extra = production.value() - test.value();
        final double ratio = extra / open.value();
        final double margin = (production.error() + test.error()) / open.value() + ratio * relative(open);
        final String measured = "production " + withError(production) + ", test " + withError(test) +
            ", bare open " + withError(open) + " ns: production - test = " + Figures.format(extra) + " ns = " +
            Figures.ratio(ratio) + " an open" + range(ratio, margin);
        return new Row(target, measured, verdict(ratio <= 1.2, ratio - margin <= 1.2 && ratio + margin > 1.2));
    }

    private static String withError(final Results.Score score)
    {
        return Figures.format(score.value()) +
            (Double.isNaN(score.error()) ? "" : " ± " + Figures.format(score.error()));
    }

    private static String range(final double ratio, final double margin)
    {
        return Double.isNaN(margin) || margin == 0 ? "" :
            " (x" + trim(Math.max(0, ratio - margin)) + " to x" + trim(ratio + margin) + ")";
    }

    private static double relative(final Results.Score score)
    {
        return Double.isNaN(score.error()) ? 0 : Math.abs(score.error() / score.value());
    }

    private static String verdict(final boolean met, final boolean withinError)
    {
        return (met ? "met" : "**missed**") + (withinError ? " (within error)" : "");
    }

    private static Row notMeasured(final String target)
    {
        return new Row(target, "-", "not measured in this run");
    }

    private static String millions(final double value)
    {
        return String.format(Locale.ROOT, "%.1f", value / 1e6);
    }

    private static String us(final double micros)
    {
        return micros >= 1_000 ? String.format(Locale.ROOT, "%.2f ms", micros / 1_000) :
            Figures.format(micros) + " µs";
    }

    private static String trim(final double ratio)
    {
        return ratio >= 10 ? String.format(Locale.ROOT, "%,d", Math.round(ratio)) :
            String.format(Locale.ROOT, ratio >= 1 ? "%.2f" : "%.3f", ratio);
    }
}
