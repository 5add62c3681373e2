package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.EVERY_SECOND;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * One thread pauses a cron task while another calls {@code runPending()} (inline dispatcher) with the task's fire
 * due: the fire is never lost and never both run and missed. Either the collection claimed it before the pause (the
 * run goes on and finishes, the pause holds from then on), or the pause came first and the collection counts the
 * fire as missed. Either way the task ends PAUSED, and its next fire (collected by the arbiter one second later) is
 * counted as missed, not run.
 * <p>
 * What could go wrong: the pause is a flag of the task's row, read by phase 1; a pause that lands while a run is
 * going leaves the state RUNNING, and phase 3 must then show the task PAUSED, not SCHEDULED. If phase 3 ignored the
 * flag, or the flag were written without the lock (lost against the claim's own flag writes), the task would show
 * SCHEDULED while paused, or run its next fire; if the paused collection forgot to count the fire, it would vanish.
 * The callback spins briefly, so a pause during the run is likely.
 * <p>
 * Outcome: (callbacks the racing {@code runPending()} started, or -1 if {@code pause} returned false, a call threw or
 * the arbiter's collection started a run; callback runs in all; runs and missed fires in {@code tasks()} afterwards; the task's state's ordinal, 5 for PAUSED).
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1, 5", expect = ACCEPTABLE, desc = "The fire was claimed before the pause and ran; the next fire was missed; PAUSED.")
@Outcome(id = "0, 0, 0, 2, 5", expect = ACCEPTABLE, desc = "The pause came first: both fires were counted as missed; PAUSED.")
@Outcome(id = ".*, [^5]", expect = FORBIDDEN, desc = "The task does not show PAUSED: the pause was lost or overwritten.")
@Outcome(id = "0, 0, 0, [01], .*", expect = FORBIDDEN, desc = "A fire was neither run nor counted as missed: lost.")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "The task ran while paused.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: a fire both run and missed, counters that disagree, or a call threw (-1).")
@State
public class PauseVersusCollection
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = StressFixtures.inlineScheduler(clock);
    private final AtomicInteger runs = new AtomicInteger();
    private volatile boolean callsFailed; // written by either actor, only ever to true

    public PauseVersusCollection()
    {
        scheduler.registerTask("job", EVERY_SECOND, this::callback);
        clock.advance(Duration.ofSeconds(1)); // the first fire is due
    }

    private void callback()
    {
        StressFixtures.spin();
        runs.incrementAndGet();
    }

    @Actor
    public void pauser()
    {
        try
        {
            if (!scheduler.pause("job"))
            {
                callsFailed = true;
            }
        }
        catch (final RuntimeException ex)
        {
            callsFailed = true;
        }
    }

    @Actor
    public void collector(final IIIII_Result r)
    {
        r.r1 = StressFixtures.runPending(scheduler);
    }

    @Arbiter
    public void arbiter(final IIIII_Result r)
    {
        clock.advance(Duration.ofSeconds(1)); // the next fire is due, the task paused
        final int later = StressFixtures.runPending(scheduler);
        final TaskInfo info = StressFixtures.find(scheduler.tasks(), "job");
        if (callsFailed || later != 0)
        {
            r.r1 = StressFixtures.THREW;
        }
        r.r2 = runs.get();
        r.r3 = info == null ? StressFixtures.MISSING : (int)info.runs();
        r.r4 = info == null ? StressFixtures.MISSING : (int)info.missed();
        r.r5 = StressFixtures.stateCode(info);
    }
}
