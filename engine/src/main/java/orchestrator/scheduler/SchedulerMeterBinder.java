package orchestrator.scheduler;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.HdrHistogram.Histogram;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Thread safe: registries may read its meters from any thread. Binds a {@link Scheduler}'s own metrics to a
 * Micrometer {@link MeterRegistry}; binding switches the scheduler's timings on (see
 * {@link Scheduler.Builder#recordTimings}). Micrometer is an optional dependency of the engine: this is the only class
 * that refers to it, so a scheduler without a binder never needs it on the class path.
 * <p>
 * Meters, each with the tags given to the constructor:
 * <ul>
 * <li>{@code orchestrator.fires.runs}, {@code orchestrator.fires.missed}, {@code orchestrator.fires.failures}:
 * function counters of {@link SchedulerMetrics#runs()}, {@link SchedulerMetrics#missed() missed()} and
 * {@link SchedulerMetrics#failures() failures()};</li>
 * <li>{@code orchestrator.fires.lateness} and {@code orchestrator.fires.duration}: function timers (count and total
 * time) of the timed fires' lateness and the timed runs' time;</li>
 * <li>{@code orchestrator.fires.lateness.percentile} and {@code orchestrator.fires.duration.percentile}: time gauges
 * with a tag {@code phi} of {@code 0.5}, {@code 0.99}, {@code 0.999} and {@code 1} (the maximum), over the fires
 * recorded between the two latest refreshes of the window.</li>
 * </ul>
 * Caveats: the percentile window is refreshed when a percentile gauge is read and the last refresh is at least
 * {@link #WINDOW_MILLIS} old on the scheduler's clock, so with one registry scraping every minute each figure covers
 * the last minute; a window without fires reads zero. Counters and timers are read live at each read.
 */
public final class SchedulerMeterBinder implements MeterBinder
{
    /** The shortest percentile window, in ms of the scheduler's clock. */
    public static final long WINDOW_MILLIS = 1_000;

    private static final double[] PHIS = {0.5, 0.99, 0.999, 1.0};

    private final Scheduler scheduler;
    private final Tags tags;
    private final PercentileWindow window = new PercentileWindow();

    /**
     * @param scheduler the scheduler whose metrics to publish.
     */
    public SchedulerMeterBinder(final Scheduler scheduler)
    {
        this(scheduler, Tags.empty());
    }

    /**
     * @param scheduler the scheduler whose metrics to publish.
     * @param tags      tags added to every meter, e.g. {@code scheduler=billing} when a service has several.
     */
    public SchedulerMeterBinder(final Scheduler scheduler, final Iterable<Tag> tags)
    {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /**
     * Registers the meters and switches the scheduler's timings on. The registry holds the scheduler weakly, as
     * Micrometer does its function meters' objects: once the scheduler is unreachable its meters read NaN.
     *
     * @param registry where to register the meters.
     */
    @Override
    public void bindTo(final MeterRegistry registry)
    {
        Objects.requireNonNull(registry, "registry");
        final FireMetrics metrics = scheduler.registry().metrics;
        metrics.recordTimings(true);
        counter(registry, metrics, "orchestrator.fires.runs", "Callbacks run, whether they returned or threw",
            m -> m.counts().runs());
        counter(registry, metrics, "orchestrator.fires.missed",
            "Fires that did not run: late (misfire policy), overlapping a run still going, paused, or refused",
            m -> m.counts().missed());
        counter(registry, metrics, "orchestrator.fires.failures",
            "Runs whose callback threw, or whose record failed to open", m -> m.counts().failures());
        FunctionTimer.builder("orchestrator.fires.lateness", metrics, m -> m.counts().timedFires(),
                m -> m.counts().latenessNanos(), TimeUnit.NANOSECONDS)
            .tags(tags)
            .description("A fire's start minus its fire time")
            .register(registry);
        FunctionTimer.builder("orchestrator.fires.duration", metrics, m -> m.counts().timedRuns(),
                m -> m.counts().runNanos(), TimeUnit.NANOSECONDS)
            .tags(tags)
            .description("How long a callback ran")
            .register(registry);
        final PercentileWindow window = this.window; // the gauges hold the window, never the binder
        for (final double phi : PHIS)
        {
            TimeGauge.builder("orchestrator.fires.lateness.percentile", scheduler, TimeUnit.NANOSECONDS,
                    s -> window.latenessAt(s, phi))
                .tags(tags)
                .tag("phi", Double.toString(phi))
                .description("Fire lateness at this percentile over the latest window")
                .register(registry);
            TimeGauge.builder("orchestrator.fires.duration.percentile", scheduler, TimeUnit.NANOSECONDS,
                    s -> window.runTimeAt(s, phi))
                .tags(tags)
                .tag("phi", Double.toString(phi))
                .description("Run time at this percentile over the latest window")
                .register(registry);
        }
    }

    private void counter(final MeterRegistry registry, final FireMetrics metrics, final String name,
        final String description, final ToDoubleFunction<FireMetrics> count)
    {
        FunctionCounter.builder(name, metrics, count)
            .tags(tags)
            .description(description)
            .register(registry);
    }

    /**
     * Thread safe (its monitor): the histograms of the fires recorded between the two latest refreshes.
     */
    private static final class PercentileWindow
    {
        private long refreshedAt = Long.MIN_VALUE;
        private Histogram latenessBefore;
        private Histogram runTimeBefore;
        private Histogram lateness = new Histogram(FireMetrics.SIGNIFICANT_DIGITS);
        private Histogram runTime = new Histogram(FireMetrics.SIGNIFICANT_DIGITS);

        synchronized double latenessAt(final Scheduler scheduler, final double phi)
        {
            refresh(scheduler);
            return lateness.getValueAtPercentile(phi * 100);
        }

        synchronized double runTimeAt(final Scheduler scheduler, final double phi)
        {
            refresh(scheduler);
            return runTime.getValueAtPercentile(phi * 100);
        }

        /**
         * Moves the window on when the last refresh is {@link #WINDOW_MILLIS} old, or the clock stepped back.
         */
        private void refresh(final Scheduler scheduler)
        {
            final long now = scheduler.clock().millis();
            if (refreshedAt != Long.MIN_VALUE && now - refreshedAt < WINDOW_MILLIS && now >= refreshedAt)
            {
                return;
            }
            refreshedAt = now;
            final SchedulerMetrics current = scheduler.metrics();
            lateness = since(current.latenessView(), latenessBefore);
            runTime = since(current.runTimeView(), runTimeBefore);
            latenessBefore = current.latenessView();
            runTimeBefore = current.runTimeView();
        }

        private static Histogram since(final Histogram current, final Histogram before)
        {
            final Histogram window = current.copy();
            if (before != null)
            {
                window.subtract(before);
            }
            return window;
        }
    }
}
