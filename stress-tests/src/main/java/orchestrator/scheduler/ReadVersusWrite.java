package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static orchestrator.scheduler.StressFixtures.EVERY_SECOND;
import static orchestrator.scheduler.StressFixtures.FIRST_FIRE;
import static orchestrator.scheduler.StressFixtures.SECOND_FIRE;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * One thread runs a due cron task (SCHEDULED, then RUNNING, then SCHEDULED again with one more run and its next fire
 * time moved on) while another reads it with {@code tasks()} and then {@code nextFireTime}: every read shows one of
 * those three states whole, and the two reads never go back in time.
 * <p>
 * What could go wrong: a task's state, run count and deadline are written by phase 1 and phase 3 as several plain
 * writes to the task table's columns and the wheel's arrays; a read that did not take the lock (or a snapshot copied
 * column by column while a writer is mid-way) could see a run counted while the task still reports RUNNING, a task
 * re-armed for its next second but not yet claimed, or no deadline at all while the wheel moves the id between
 * levels.
 * <p>
 * Outcome: (the task as {@code tasks()} showed it: 1 SCHEDULED with 0 runs due at the first fire, 2 RUNNING with 0
 * runs due at the second fire, 3 SCHEDULED with 1 run due at the second fire, 0 anything else; {@code nextFireTime}
 * read after it: 1 the first fire, 2 the second fire, 0 empty or any other instant; callbacks the runner started).
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "Both reads came before the fire was collected.")
@Outcome(id = "1, 2, 1", expect = ACCEPTABLE, desc = "The listing came before the collection, nextFireTime after it.")
@Outcome(id = "2, 2, 1", expect = ACCEPTABLE, desc = "Both reads came while the callback ran: RUNNING, re-armed for the next second.")
@Outcome(id = "3, 2, 1", expect = ACCEPTABLE, desc = "Both reads came after the run was booked.")
@Outcome(id = "2, 1, 1", expect = FORBIDDEN, desc = "nextFireTime went back to the fire already collected.")
@Outcome(id = "3, 1, 1", expect = FORBIDDEN, desc = "nextFireTime went back to the fire already run.")
@Outcome(id = "0, 1, 1", expect = FORBIDDEN, desc = "Torn listing (e.g. run counted while RUNNING, re-armed but unclaimed, missing).")
@Outcome(id = "0, 2, 1", expect = FORBIDDEN, desc = "Torn listing (e.g. run counted while RUNNING, re-armed but unclaimed, missing).")
@Outcome(expect = FORBIDDEN, desc = "Any other result: nextFireTime empty or wrong, the fire not run, or a call threw.")
@State
public class ReadVersusWrite
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = StressFixtures.inlineScheduler(clock);

    public ReadVersusWrite()
    {
        scheduler.registerTask("job", EVERY_SECOND, () -> {});
        clock.advance(Duration.ofSeconds(1)); // the first fire is due
    }

    @Actor
    public void writer(final III_Result r)
    {
        r.r3 = StressFixtures.runPending(scheduler);
    }

    @Actor
    public void reader(final III_Result r)
    {
        try
        {
            r.r1 = listingCode(StressFixtures.find(scheduler.tasks(), "job"));
            r.r2 = instantCode(scheduler.nextFireTime("job"));
        }
        catch (final RuntimeException ex)
        {
            r.r1 = StressFixtures.THREW;
        }
    }

    private static int listingCode(final TaskInfo info)
    {
        if (info == null || info.failures() != 0 || info.missed() != 0)
        {
            return 0;
        }
        final int fire = instantCode(info.nextFire());
        if (info.state() == TaskState.SCHEDULED && info.runs() == 0 && fire == 1)
        {
            return 1;
        }
        if (info.state() == TaskState.RUNNING && info.runs() == 0 && fire == 2)
        {
            return 2;
        }
        if (info.state() == TaskState.SCHEDULED && info.runs() == 1 && fire == 2)
        {
            return 3;
        }
        return 0;
    }

    private static int instantCode(final Optional<Instant> instant)
    {
        if (instant.isEmpty())
        {
            return 0;
        }
        return instant.get().equals(FIRST_FIRE) ? 1 : instant.get().equals(SECOND_FIRE) ? 2 : 0;
    }
}
