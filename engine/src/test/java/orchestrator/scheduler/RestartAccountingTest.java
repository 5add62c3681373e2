package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskProgress;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a restart on a journal shows through the API: {@link Scheduler#metrics()} counts what happened since the
 * scheduler was built, {@link TaskInfo} goes on from the stored counters, and every fire decided at the restart is
 * counted and told as any other.
 */
class RestartAccountingTest
{
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path temp;

    private final ManualClock clock = new ManualClock(START);

    private Scheduler build()
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(new Dispatcher())
            .keyProvider(KeyProvider.ofBytes(DurableRestartTest.KEY)).store(TaskStore.journal(temp.resolve("journal")))
            .build();
    }

    private static TaskInfo info(final Scheduler scheduler, final String name)
    {
        return scheduler.task(name).orElseThrow(() -> new AssertionError("no task " + name));
    }

    /**
     * Stores the task's row again as a process killed during its fire at {@code fire} leaves it: with that fire's
     * running marker.
     */
    private void markRunning(final String name, final Instant fire)
    {
        final TaskStore journal = TaskStore.journal(temp.resolve("journal"));
        try
        {
            final StoredTask stored = journal.open().stream().filter(task -> task.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no stored task " + name));
            final TaskProgress progress = stored.progress();
            journal.upsert(stored.withProgress(new TaskProgress(name, progress.state(), progress.nextFire(),
                progress.runs(), progress.missed(), progress.failures(), fire.toEpochMilli())));
        }
        finally
        {
            journal.close();
        }
    }

    /**
     * An interrupted fire dropped at restart ({@link InterruptedFirePolicy#DROP}) was added to the task's
     * {@code missed} only: the metrics, which count every fire missed since the scheduler was built, and the
     * listeners, told of every missed fire, never heard of it.
     */
    @Test
    void shouldCountAndTellAnInterruptedFireDroppedAtRestart()
    {
        try (Scheduler first = build())
        {
            first.schedule(TaskSpec.named("job").cron("0 * * * *").onRestart(InterruptedFirePolicy.DROP)
                .run(() -> {}));
            first.registerHandler("mail", bytes -> {});
            first.schedule(TaskSpec.named("mailing").cron("0 * * * *").onRestart(InterruptedFirePolicy.DROP)
                .handler("mail", new byte[] {1}));
        }
        markRunning("job", START); // the next fire stays 01:00: the interrupted one, at 00:00, is behind it
        markRunning("mailing", START);
        final List<String> told = new ArrayList<>();
        try (Scheduler second = build())
        {
            second.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
                {
                    told.add(taskName + " " + scheduledAt + " x" + fires);
                }
            });
            second.schedule(TaskSpec.named("job").cron("0 * * * *").onRestart(InterruptedFirePolicy.DROP)
                .run(() -> {}));
            second.registerHandler("mail", bytes -> {}); // the handler task that waited for it is restored
            assertEquals(1, info(second, "job").missed(), info(second, "job").toString());
            assertEquals(1, info(second, "mailing").missed(), info(second, "mailing").toString());
            assertEquals(2, second.metrics().missed(), "the dropped fires were missed since this scheduler was built");
            assertEquals(List.of("job " + START + " x1", "mailing " + START + " x1"), told);
        }
    }

    /**
     * A {@code Runnable} task registered again after a restart with a changed schedule logs that the new schedule
     * replaces the stored one. A registration refused after that log (its initial delay leaves no fire) replaced
     * nothing, yet was logged as replacing it, so the registration that then replaced it logged a second time.
     */
    @Test
    void shouldLogAChangedScheduleOnceWhenARegistrationWithItWasRefusedFirst()
    {
        try (Scheduler first = build())
        {
            first.registerTask("job", "* * * * *", () -> {});
            clock.advance(Duration.ofMinutes(1));
            first.runPending();
        }
        try (LogCapture log = new LogCapture(); Scheduler second = build())
        {
            assertThrows(IllegalArgumentException.class, () -> second.schedule(TaskSpec.named("job")
                .fixedRate(Duration.ofMinutes(1)).initialDelay(Duration.ofMillis(Long.MAX_VALUE - 1)).run(() -> {})));
            assertEquals(0, log.count(Level.INFO, "instead of the stored"), "the refused registration replaced nothing");
            second.schedule(TaskSpec.named("job").fixedRate(Duration.ofMinutes(1)).run(() -> {}));
            assertEquals(1, log.count(Level.INFO, "instead of the stored"));
            assertEquals(1, info(second, "job").runs(), "the counters are kept");
        }
    }

    /**
     * A restored task whose interrupted fire waits to run again ({@link InterruptedFirePolicy#RUN_AGAIN}) enters the
     * wheel once that rerun is claimed. Until then it showed no next fire at all, though it is scheduled: the stored
     * next fire, shown while it waited for its handler, vanished when the handler arrived.
     */
    @Test
    void shouldShowTheStoredNextFireWhileAnInterruptedFireWaitsToRunAgain()
    {
        try (Scheduler first = build())
        {
            first.registerHandler("mail", bytes -> {});
            first.schedule(TaskSpec.named("mailing").cron("0 * * * *").handler("mail", new byte[] {1}));
        }
        markRunning("mailing", START);
        final Optional<Instant> stored = Optional.of(START.plusSeconds(3600));
        try (Scheduler second = build())
        {
            assertEquals(stored, second.nextFireTime("mailing"), "waiting for its handler");
            second.registerHandler("mail", bytes -> {});
            assertEquals(TaskState.SCHEDULED, info(second, "mailing").state());
            assertEquals(stored, info(second, "mailing").nextFire(), info(second, "mailing").toString());
            assertEquals(stored, second.nextFireTime("mailing"));
            second.runPending(); // the interrupted fire runs again, and the schedule takes over
            assertEquals(1, info(second, "mailing").runs());
            assertEquals(stored, second.nextFireTime("mailing"));
        }
    }

    /**
     * A task rescheduled while its interrupted fire waits to run again is stored with its new schedule, but its
     * stored next fire stayed the one of the replaced schedule: after a restart it fired there, an instant that is
     * not on its schedule.
     */
    @Test
    void shouldStoreTheNewScheduleNextFireOfATaskRescheduledWhileItsInterruptedFireWaits()
    {
        try (Scheduler first = build())
        {
            first.registerHandler("mail", bytes -> {});
            first.schedule(TaskSpec.named("mailing").cron("0 * * * *").handler("mail", new byte[] {1}));
        }
        markRunning("mailing", START);
        final Optional<Instant> rescheduled = Optional.of(Instant.parse("2026-01-01T05:30:00Z"));
        try (Scheduler second = build())
        {
            second.registerHandler("mail", bytes -> {});
            assertTrue(second.reschedule("mailing", TaskSpec.named("mailing").cron("30 5 * * *")));
            assertEquals(rescheduled, second.nextFireTime("mailing"));
        }
        try (Scheduler third = build())
        {
            assertEquals(rescheduled, third.nextFireTime("mailing"), "stored with its new schedule's next fire");
            third.registerHandler("mail", bytes -> {});
            assertEquals(rescheduled, third.nextFireTime("mailing"));
        }
    }

    /**
     * A scheduler closed before its first {@code runPending()} leaves a restored interrupted fire waiting to run again
     * ({@link InterruptedFirePolicy#RUN_AGAIN}). It was counted as missed at that close, as any pending run, while its
     * running marker stayed stored, so the next restart ran it again: one instant counted both missed and run. Now
     * its marker stays stored for the next restart, which runs it once, and it is not counted missed.
     */
    @Test
    void shouldRunAnInterruptedFireOnceWhenTheSchedulerClosesBeforeItRanAgain()
    {
        try (Scheduler first = build())
        {
            first.registerHandler("mail", bytes -> {});
            first.schedule(TaskSpec.named("mailing").cron("0 * * * *").handler("mail", new byte[] {1}));
        }
        markRunning("mailing", START);
        final List<String> told = new ArrayList<>();
        final TaskListener listener = new TaskListener()
        {
            @Override
            public void onMissed(final String taskName, final Instant scheduledAt, final long fires)
            {
                told.add(taskName + " " + scheduledAt + " x" + fires);
            }
        };
        try (Scheduler second = build())
        {
            second.addListener(listener);
            second.registerHandler("mail", bytes -> {}); // closed before the interrupted fire runs again
        }
        final List<Instant> ran = new ArrayList<>();
        try (Scheduler third = build())
        {
            third.addListener(listener);
            third.registerHandler("mail", bytes -> ran.add(clock.instant()));
            third.runPending();
            final TaskInfo info = info(third, "mailing");
            assertEquals(List.of(clock.instant()), ran, "the interrupted fire ran again, once");
            assertEquals(1, info.runs(), info.toString());
            assertEquals(0, info.missed(), "the instant that ran is not also counted missed");
            assertEquals(List.of(), told);
        }
    }

    /**
     * The metrics count from zero at a restart, as a process's counters do, while each restored task's
     * {@link TaskInfo} goes on from its stored counters: the two differ by exactly the stored counters.
     */
    @Test
    void shouldCountMetricsSinceTheRestartAndTaskCountersSinceTheTaskWasRegistered()
    {
        try (Scheduler first = build())
        {
            first.registerHandler("mail", bytes -> {});
            first.registerTask("job", "* * * * *", () -> {});
            first.registerTask("mailing", "* * * * *", "mail", new byte[] {1});
            for (int i = 0; i < 3; i++)
            {
                clock.advance(Duration.ofMinutes(1));
                first.runPending();
            }
            assertEquals(6, first.metrics().runs());
        }
        clock.advance(Duration.ofMinutes(5).plusSeconds(30)); // 00:04 ... 00:08 passed: one runs, four are missed
        try (Scheduler second = build())
        {
            second.registerHandler("mail", bytes -> {});
            second.registerTask("job", "* * * * *", () -> {});
            assertEquals(0, second.metrics().runs(), "nothing ran since this scheduler was built");
            second.runPending();
            for (final String name : List.of("job", "mailing"))
            {
                assertEquals(4, info(second, name).runs(), info(second, name).toString());
                assertEquals(4, info(second, name).missed(), info(second, name).toString());
            }
            assertEquals(2, second.metrics().runs());
            assertEquals(8, second.metrics().missed());
        }
    }
}
