package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two threads call {@code runPending()} at once over one due task: its callback must run exactly once.
 * <p>
 * What could go wrong: phase 1 (taking due tasks out of the wheel and claiming them) is what makes a fire belong
 * to one caller. If the collection ran outside the registry's lock, both callers could read the same head of the
 * wheel's expired list and both claim it, so the callback would run twice; if one caller's unlink were lost, the
 * fire could vanish and run zero times.
 * <p>
 * Outcome: (callbacks started by the first call, by the second call, callback runs seen by the arbiter); a call
 * that threw reports -1.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "The first call claimed and ran the fire; the second found nothing due.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "The second call claimed and ran the fire; the first found nothing due.")
@Outcome(id = "1, 1, 2", expect = FORBIDDEN, desc = "Both calls ran the callback: one fire was handed out twice.")
@Outcome(id = "0, 0, 0", expect = FORBIDDEN, desc = "Neither call ran the callback: a due fire was lost.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: the counts disagree with the runs, or a call threw (-1).")
@State
public class RunPendingRace
{
    private final Scheduler scheduler = StressFixtures.inlineScheduler(new ManualClock(START));
    private final AtomicInteger runs = new AtomicInteger();

    public RunPendingRace()
    {
        scheduler.registerOnce("job", START, runs::incrementAndGet); // due now: the wheel holds it as expired
    }

    @Actor
    public void first(final III_Result r)
    {
        r.r1 = StressFixtures.runPending(scheduler);
    }

    @Actor
    public void second(final III_Result r)
    {
        r.r2 = StressFixtures.runPending(scheduler);
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        r.r3 = runs.get();
    }
}
