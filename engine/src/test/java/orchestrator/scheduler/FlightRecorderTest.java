package orchestrator.scheduler;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK Flight Recorder events {@code orchestrator.Fire} and {@code orchestrator.MissedFire}, recorded in this JVM
 * and read back from the recording file.
 */
class FlightRecorderTest
{
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(START);

    private List<RecordedEvent> record(final Recording recording, final Runnable scenario) throws IOException
    {
        recording.start();
        try
        {
            scenario.run();
        }
        finally
        {
            recording.stop();
        }
        final Path file = dir.resolve("fires.jfr");
        recording.dump(file);
        recording.close();
        return RecordingFile.readAllEvents(file).stream()
            .filter(e -> e.getEventType().getName().startsWith("orchestrator."))
            .collect(Collectors.toList());
    }

    private static List<RecordedEvent> named(final List<RecordedEvent> events, final String name)
    {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }

    @Test
    void shouldRecordEachRunWithItsTaskFireTimeLatenessAndOutcome() throws IOException
    {
        final Recording recording = new Recording();
        recording.enable(FireEvent.NAME);
        final List<RecordedEvent> events = record(recording, () ->
        {
            try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
            {
                scheduler.registerOnce("ok", START.plusSeconds(10), () -> { });
                scheduler.registerOnce("throws", START.plusSeconds(10), () ->
                {
                    throw new IllegalStateException("boom");
                });
                clock.advance(Duration.ofSeconds(13));
                assertEquals(2, scheduler.runPending());
            }
        });
        final List<RecordedEvent> fires = named(events, FireEvent.NAME);
        assertEquals(2, fires.size(), events.toString());
        for (final RecordedEvent fire : fires)
        {
            final String task = fire.getString("task");
            assertEquals("ok".equals(task) ? "success" : "failure", fire.getString("outcome"), fire.toString());
            assertEquals(START.plusSeconds(10), fire.getInstant("scheduledAt"));
            final Duration lateness = fire.getDuration("lateness");
            assertTrue(lateness.compareTo(Duration.ofSeconds(3)) >= 0 && lateness.compareTo(Duration.ofSeconds(33)) < 0,
                fire.toString());
            assertTrue(!fire.getDuration().isNegative(), fire.toString());
            assertEquals(Thread.currentThread().getName(), fire.getThread().getJavaName()); // inline: this thread
        }
        assertEquals(List.of("ok", "throws"),
            fires.stream().map(e -> e.getString("task")).sorted().collect(Collectors.toList()));
    }

    @Test
    void shouldRecordMissedFiresWithTheirCountAndReason() throws IOException
    {
        final Recording recording = new Recording();
        recording.enable(MissedFireEvent.NAME);
        recording.enable(FireEvent.NAME);
        final List<RecordedEvent> events = record(recording, () ->
        {
            try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
            {
                scheduler.registerTask("minute", "* * * * *", () -> { });
                clock.advance(Duration.ofMinutes(10)); // FIRE_ONCE: one run, nine missed
                scheduler.runPending();
            }
        });
        final List<RecordedEvent> missed = named(events, MissedFireEvent.NAME);
        assertEquals(1, missed.size(), events.toString());
        assertEquals("minute", missed.get(0).getString("task"));
        assertEquals(9, missed.get(0).getLong("fires"));
        assertEquals("late", missed.get(0).getString("reason"));
        assertEquals(START.plusSeconds(120), missed.get(0).getInstant("scheduledAt")); // the first of those missed
        assertEquals(1, named(events, FireEvent.NAME).size()); // the one run, which stood for the first passed fire
    }

    @Test
    void shouldRecordTheFirstCatchUpRunACancelEndedAsTheListenersAreTold() throws IOException
    {
        final Recording recording = new Recording();
        recording.enable(MissedFireEvent.NAME);
        final List<Instant> told = new ArrayList<>();
        final List<RecordedEvent> events = record(recording, () ->
        {
            try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
            {
                scheduler.addListener(new TaskListener()
                {
                    @Override
                    public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                    {
                        told.add(scheduledAt);
                    }
                });
                scheduler.schedule(TaskSpec.named("all").fixedRate(Duration.ofSeconds(10))
                    .misfire(MisfirePolicy.fireAll(5)).run(context ->
                    {
                        if (context.scheduledAt().equals(START.plusSeconds(20)))
                        {
                            scheduler.cancel("all"); // in the second of four runs: the 30 and 40 s runs never start
                        }
                    }));
                clock.advance(Duration.ofSeconds(45));
                scheduler.runPending();
            }
        });
        assertEquals(List.of(START.plusSeconds(30)), told);
        final List<RecordedEvent> missed = named(events, MissedFireEvent.NAME);
        assertEquals(1, missed.size(), events.toString());
        assertEquals(2, missed.get(0).getLong("fires"));
        assertEquals(START.plusSeconds(30), missed.get(0).getInstant("scheduledAt"), "the first run not started");
    }

    /**
     * Every reason a MissedFire event carries is described in the event's metadata (what {@code jfr print}, JMC and
     * the event's field description show), as the README's table describes them: here {@code rescheduled} and
     * {@code closed}.
     */
    @Test
    void shouldDescribeEveryReasonItRecords() throws IOException
    {
        final Recording recording = new Recording();
        recording.enable(MissedFireEvent.NAME);
        final List<RecordedEvent> events = record(recording, () ->
        {
            try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
            {
                scheduler.registerTask("moved", "* * * * *", () -> { });
                scheduler.registerTask("triggered", "0 0 1 1 *", () -> { });
                clock.advance(Duration.ofMinutes(2));
                assertTrue(scheduler.reschedule("moved", TaskSpec.named("moved").cron("0 * * * *")));
                assertTrue(scheduler.triggerNow("triggered")); // still pending when the scheduler closes
            }
        });
        final List<RecordedEvent> missed = named(events, MissedFireEvent.NAME);
        assertEquals(List.of("closed", "rescheduled"),
            missed.stream().map(e -> e.getString("reason")).sorted().collect(Collectors.toList()), events.toString());
        for (final RecordedEvent event : missed)
        {
            final String description = event.getEventType().getField("reason").getDescription();
            assertTrue(description.contains(event.getString("reason") + ":"),
                "reason '" + event.getString("reason") + "' is not described: " + description);
        }
    }

    @Test
    void shouldRecordNothingWhileTheEventsAreDisabledAndRecordAgainOnceEnabled() throws IOException
    {
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
        {
            scheduler.registerTask("minute", "* * * * *", () -> { });
            final Recording off = new Recording();
            off.disable(FireEvent.NAME);
            off.disable(MissedFireEvent.NAME);
            off.enable("jdk.JVMInformation"); // the recording itself runs
            final List<RecordedEvent> none = record(off, () ->
            {
                clock.advance(Duration.ofMinutes(3));
                scheduler.runPending();
            });
            assertEquals(List.of(), none);

            final Recording on = new Recording(); // positive control: the same scheduler, events enabled
            on.enable(FireEvent.NAME);
            on.enable(MissedFireEvent.NAME);
            final List<RecordedEvent> some = record(on, () ->
            {
                clock.advance(Duration.ofMinutes(3));
                scheduler.runPending();
            });
            assertEquals(1, named(some, FireEvent.NAME).size(), some.toString());
            assertEquals(1, named(some, MissedFireEvent.NAME).size(), some.toString());
        }
    }

    @Test
    void shouldKeepTheEnginesHistogramsApartFromTheRecording() throws IOException
    {
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
        {
            scheduler.registerOnce("once", START, () -> { });
            final Recording recording = new Recording();
            recording.enable(FireEvent.NAME);
            final List<RecordedEvent> events = record(recording, scheduler::runPending);
            assertEquals(1, named(events, FireEvent.NAME).size());
            final SchedulerMetrics metrics = scheduler.metrics();
            assertEquals(1, metrics.runs());
            assertEquals(0, metrics.timedFires()); // timings stay off: the recording does not switch them on
        }
    }
}
