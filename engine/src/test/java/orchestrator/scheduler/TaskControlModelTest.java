package orchestrator.scheduler;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.SplittableRandom;

import static orchestrator.scheduler.SchedulerTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reference model: fixed-rate tasks under random pause, resume, triggerNow and reschedule calls and random clock
 * steps, checked after every step against a simple model of each task's grid, paused flag and pending triggers.
 */
class TaskControlModelTest
{
    private static final int TASKS = 8;
    private static final int STEPS = 400;

    private static final class Model
    {
        long next;
        long period;
        boolean paused;
        long pending;
        long runs;
        long missed;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void shouldMatchTheModelUnderRandomControl(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final ManualClock clock = new ManualClock(START);
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
        {
            final Model[] models = new Model[TASKS];
            for (int i = 0; i < TASKS; i++)
            {
                models[i] = new Model();
                models[i].period = 1 + random.nextInt(2_000);
                models[i].next = clock.millis() + models[i].period;
                scheduler.schedule(TaskSpec.named("t" + i).fixedRate(Duration.ofMillis(models[i].period))
                    .run(() -> {}));
            }
            for (int step = 0; step < STEPS; step++)
            {
                final int i = random.nextInt(TASKS);
                final String name = "t" + i;
                final Model model = models[i];
                final String what;
                switch (random.nextInt(6))
                {
                    case 0:
                        what = "pause";
                        scheduler.pause(name);
                        model.paused = true;
                        break;
                    case 1:
                        what = "resume";
                        scheduler.resume(name);
                        model.paused = false;
                        break;
                    case 2:
                        what = "triggerNow";
                        scheduler.triggerNow(name);
                        model.pending++;
                        break;
                    case 3:
                        what = "reschedule";
                        model.period = 1 + random.nextInt(2_000);
                        model.next = clock.millis() + model.period;
                        scheduler.reschedule(name, TaskSpec.named(name).fixedRate(Duration.ofMillis(model.period)));
                        break;
                    default:
                        what = "runPending";
                        clock.advance(Duration.ofMillis(random.nextInt(3_000)));
                        scheduler.runPending();
                        final long now = clock.millis();
                        for (final Model m : models)
                        {
                            if (m.next <= now)
                            {
                                final long fires = (now - m.next) / m.period + 1;
                                m.next += fires * m.period;
                                m.runs += m.paused ? 0 : 1;
                                m.missed += m.paused ? fires : fires - 1;
                            }
                            if (m.pending > 0)
                            {
                                m.runs++;
                                m.pending = 0;
                            }
                        }
                        break;
                }
                for (int t = 0; t < TASKS; t++)
                {
                    final TaskInfo info = scheduler.task("t" + t).orElseThrow();
                    final String where = "seed " + seed + " step " + step + " (" + what + " t" + i + ") t" + t;
                    assertEquals(models[t].runs, info.runs(), where + " runs");
                    assertEquals(models[t].missed, info.missed(), where + " missed");
                    assertEquals(Optional.of(Instant.ofEpochMilli(models[t].next)), info.nextFire(), where + " next");
                    assertEquals(models[t].paused ? TaskState.PAUSED : TaskState.SCHEDULED, info.state(), where);
                }
            }
        }
    }
}
