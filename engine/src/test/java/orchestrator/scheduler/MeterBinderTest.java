package orchestrator.scheduler;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SchedulerMeterBinder} on a {@link SimpleMeterRegistry}, and the engine without Micrometer on its class path.
 */
class MeterBinderTest
{
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final ManualClock clock = new ManualClock(START);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private Scheduler scheduler()
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();
    }

    private double counter(final String name)
    {
        return registry.get(name).tag("scheduler", "billing").functionCounter().count();
    }

    private double percentile(final String name, final String phi)
    {
        return registry.get(name).tag("phi", phi).timeGauge().value(TimeUnit.NANOSECONDS);
    }

    @Test
    void shouldPublishRunsMissedAndFailures()
    {
        try (Scheduler scheduler = scheduler())
        {
            new SchedulerMeterBinder(scheduler, Tags.of("scheduler", "billing")).bindTo(registry);
            scheduler.registerTask("minute", "* * * * *", () -> { });
            scheduler.registerOnce("throws", START.plusSeconds(30), () ->
            {
                throw new IllegalStateException("boom");
            });
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            clock.advance(Duration.ofMinutes(5)); // FIRE_ONCE: one run, four missed
            scheduler.runPending();

            assertEquals(3, counter("orchestrator.fires.runs"));
            assertEquals(4, counter("orchestrator.fires.missed"));
            assertEquals(1, counter("orchestrator.fires.failures"));
        }
    }

    @Test
    void shouldSwitchTimingsOnAndPublishLatenessAndDuration()
    {
        try (Scheduler scheduler = scheduler())
        {
            assertFalse(scheduler.metrics().timingsRecorded());
            new SchedulerMeterBinder(scheduler).bindTo(registry);
            assertTrue(scheduler.metrics().timingsRecorded());
            scheduler.registerOnce("late", START.plusSeconds(10), () -> { });
            scheduler.registerOnce("later", START.plusSeconds(5), () -> { });
            clock.advance(Duration.ofSeconds(20));
            scheduler.runPending();

            final FunctionTimer lateness = registry.get("orchestrator.fires.lateness").functionTimer();
            assertEquals(2, lateness.count());
            final double seconds = lateness.totalTime(TimeUnit.SECONDS);
            assertTrue(seconds >= 25 && seconds < 60, "total lateness " + seconds);
            final FunctionTimer duration = registry.get("orchestrator.fires.duration").functionTimer();
            assertEquals(2, duration.count());
            assertTrue(duration.totalTime(TimeUnit.NANOSECONDS) >= 0);

            final double max = percentile("orchestrator.fires.lateness.percentile", "1.0");
            assertTrue(max >= TimeUnit.MILLISECONDS.toNanos(14_850), "max lateness " + max);
            final double median = percentile("orchestrator.fires.lateness.percentile", "0.5");
            assertTrue(median >= TimeUnit.MILLISECONDS.toNanos(9_900) && median <= max, "median " + median);
        }
    }

    @Test
    void shouldComputePercentilesOverTheLatestWindow()
    {
        try (Scheduler scheduler = scheduler())
        {
            new SchedulerMeterBinder(scheduler).bindTo(registry);
            scheduler.registerOnce("very-late", START.plusSeconds(1), () -> { });
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            assertTrue(percentile("orchestrator.fires.lateness.percentile", "1.0") >= TimeUnit.SECONDS.toNanos(58));

            scheduler.registerOnce("on-time", clock.instant().plusSeconds(1), () -> { });
            clock.advance(Duration.ofSeconds(1));
            scheduler.runPending();
            final double max = percentile("orchestrator.fires.lateness.percentile", "1.0");
            assertTrue(max < TimeUnit.SECONDS.toNanos(30), "the window holds only the on-time fire: " + max);
            assertEquals(2, registry.get("orchestrator.fires.lateness").functionTimer().count()); // timers: all time

            clock.advance(Duration.ofSeconds(1));
            assertEquals(0, percentile("orchestrator.fires.lateness.percentile", "1.0")); // an empty window
        }
    }

    @Test
    void shouldRegisterTheDocumentedMeters()
    {
        try (Scheduler scheduler = scheduler())
        {
            new SchedulerMeterBinder(scheduler).bindTo(registry);
            final Set<String> ids = registry.getMeters().stream()
                .map(m -> m.getId().getName() + m.getId().getTags().stream().map(t -> "," + t.getKey() + "=" +
                    t.getValue()).collect(Collectors.joining()))
                .collect(Collectors.toSet());
            final List<String> expected = new ArrayList<>(List.of("orchestrator.fires.runs",
                "orchestrator.fires.missed", "orchestrator.fires.failures", "orchestrator.fires.lateness",
                "orchestrator.fires.duration"));
            for (final String phi : List.of("0.5", "0.99", "0.999", "1.0"))
            {
                expected.add("orchestrator.fires.lateness.percentile,phi=" + phi);
                expected.add("orchestrator.fires.duration.percentile,phi=" + phi);
            }
            assertEquals(Set.copyOf(expected), ids);
            assertEquals(Meter.Type.COUNTER, registry.get("orchestrator.fires.runs").meter().getId().getType());
        }
    }

    @Test
    void shouldRunTheEngineWithoutMicrometerOnTheClassPath() throws Exception
    {
        final List<URL> urls = new ArrayList<>();
        boolean removed = false;
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            if (entry.contains("micrometer"))
            {
                removed = true;
                continue;
            }
            urls.add(Path.of(entry).toUri().toURL());
        }
        assertTrue(removed, "micrometer was not on the test class path to begin with");
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader()))
        {
            final Class<?> schedulerClass = Class.forName(Scheduler.class.getName(), true, loader);
            final Object builder = schedulerClass.getMethod("builder").invoke(null);
            builder.getClass().getMethod("clock", Clock.class).invoke(builder, clock);
            builder.getClass().getMethod("recordTimings", boolean.class).invoke(builder, true);
            final AutoCloseable scheduler = (AutoCloseable) builder.getClass().getMethod("build").invoke(builder);
            try (scheduler)
            {
                final int[] runs = new int[1];
                final Runnable callback = () -> runs[0]++;
                schedulerClass.getMethod("registerOnce", String.class, Instant.class, Runnable.class)
                    .invoke(scheduler, "once", START, callback);
                assertEquals(1, schedulerClass.getMethod("runPending").invoke(scheduler));
                assertEquals(1, runs[0]);
                final Object metrics = schedulerClass.getMethod("metrics").invoke(scheduler);
                final Method timedFires = metrics.getClass().getMethod("timedFires");
                assertEquals(1L, timedFires.invoke(metrics));
            }
            // positive control: the binder itself does need Micrometer
            assertThrows(NoClassDefFoundError.class,
                () -> Class.forName(SchedulerMeterBinder.class.getName(), true, loader).getConstructors());
        }
    }
}
