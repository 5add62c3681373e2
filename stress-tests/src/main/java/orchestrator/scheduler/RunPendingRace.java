package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * Two threads call {@code runPending()} at once over eight due tasks: every callback must run exactly once, however
 * the two calls share the fires.
 * <p>
 * What could go wrong: phase 1 (the wheel hands out the due ids, each is claimed as a pooled fire) is what makes a
 * fire belong to one caller. If the collection ran outside the registry's lock, both callers could drain the
 * wheel's due level (the tasks were due when registered) and both claim the same id, so a callback would run twice;
 * if one caller's update of the level's count were lost, or the two took the same pooled fire, a fire could vanish
 * and run zero times.
 * <p>
 * Outcome: (callbacks started by the first call, or -1 if it threw; by the second call; callback runs in all; tasks
 * whose callback ran exactly once).
 */
@JCStressTest
@Outcome(id = {"8, 0, 8, 8", "0, 8, 8, 8"}, expect = ACCEPTABLE, desc = "One call claimed all eight fires and ran each once; the other found nothing due.")
@Outcome(id = {"1, 7, 8, 8", "2, 6, 8, 8", "3, 5, 8, 8", "4, 4, 8, 8", "5, 3, 8, 8", "6, 2, 8, 8", "7, 1, 8, 8"},
    expect = ACCEPTABLE, desc = "The calls shared the fires, each ran once (allowed; this engine claims a whole batch at a time).")
@Outcome(id = ".*, .*, (9|1[0-6]), .*", expect = FORBIDDEN, desc = "A callback ran twice: a fire was handed out to both calls.")
@Outcome(id = ".*, .*, [0-7], .*", expect = FORBIDDEN, desc = "A callback never ran: a due fire was lost.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: the counts disagree with the runs, or a call threw (-1).")
@State
public class RunPendingRace
{
    private static final int TASKS = 8;

    private final Scheduler scheduler = StressFixtures.inlineScheduler(new ManualClock(START));
    private final AtomicIntegerArray runs = new AtomicIntegerArray(TASKS);

    public RunPendingRace()
    {
        for (int i = 0; i < TASKS; i++)
        {
            final int index = i;
            scheduler.registerOnce("job-" + i, START, () -> runs.incrementAndGet(index)); // due now
        }
    }

    @Actor
    public void first(final IIII_Result r)
    {
        r.r1 = StressFixtures.runPending(scheduler);
    }

    @Actor
    public void second(final IIII_Result r)
    {
        r.r2 = StressFixtures.runPending(scheduler);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        int total = 0;
        int once = 0;
        for (int i = 0; i < TASKS; i++)
        {
            total += runs.get(i);
            once += runs.get(i) == 1 ? 1 : 0;
        }
        r.r3 = total;
        r.r4 = once;
    }
}
