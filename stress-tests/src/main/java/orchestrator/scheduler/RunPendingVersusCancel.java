package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.EVERY_SECOND;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * One thread runs a due cron task while another cancels it: the cancel wins for every later fire, whatever the
 * interleaving, and the task ends up CANCELLED.
 * <p>
 * What could go wrong: the fire is collected and re-armed in phase 1, run without the lock in phase 2 and booked in
 * phase 3. A cancel moves the task's generation on; the running thread compares it with the fire's before the
 * callback, and phase 3 compares it again. A cancel that lands between phase 1 and phase 3 must not be undone by
 * phase 3: if the bookkeeping ignored the cancel it would overwrite CANCELLED (with COMPLETED or SCHEDULED) or put the
 * task back in the wheel, and the cancelled task would fire again at its next second.
 * <p>
 * Outcome: (callbacks started by the running thread, or -1 if it threw; {@code cancel} returned 1 true, 0 false, -1
 * threw; callback runs after the arbiter also ran the next second's fire; the task's final state as an ordinal of
 * {@link TaskState}: 0 SCHEDULED, 1 RUNNING, 2 COMPLETED, 3 CANCELLED, 4 FAILED, -1 not listed).
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 3", expect = ACCEPTABLE, desc = "The fire ran (before or during the cancel), then the cancel stopped every later fire.")
@Outcome(id = "0, 1, 0, 3", expect = ACCEPTABLE, desc = "The cancel came first, or between collection and start: the fire was skipped.")
@Outcome(id = "1, 1, 2, 3", expect = FORBIDDEN, desc = "The task fired again after it was cancelled.")
@Outcome(id = "0, 1, 1, 3", expect = FORBIDDEN, desc = "The task was cancelled before its fire, yet fired at the next second.")
@Outcome(id = "1, 1, 1, 2", expect = FORBIDDEN, desc = "The run's bookkeeping overwrote the cancel: the task reports COMPLETED.")
@Outcome(id = "0, 1, 0, 2", expect = FORBIDDEN, desc = "The skipped run's bookkeeping overwrote the cancel: the task reports COMPLETED.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: the cancel was undone (SCHEDULED), refused, or a call threw (-1).")
@State
public class RunPendingVersusCancel
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = StressFixtures.inlineScheduler(clock);
    private final AtomicInteger runs = new AtomicInteger();

    public RunPendingVersusCancel()
    {
        scheduler.registerTask("job", EVERY_SECOND, runs::incrementAndGet);
        clock.advance(Duration.ofSeconds(1)); // the first fire is due
    }

    @Actor
    public void runner(final IIII_Result r)
    {
        r.r1 = StressFixtures.runPending(scheduler);
    }

    @Actor
    public void canceller(final IIII_Result r)
    {
        try
        {
            r.r2 = scheduler.cancel("job") ? 1 : 0;
        }
        catch (final RuntimeException ex)
        {
            r.r2 = StressFixtures.THREW;
        }
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        clock.advance(Duration.ofSeconds(1)); // the second fire would be due, had the cancel been lost
        StressFixtures.runPending(scheduler);
        r.r3 = runs.get();
        r.r4 = StressFixtures.stateCode(StressFixtures.find(scheduler.tasks(), "job"));
    }
}
