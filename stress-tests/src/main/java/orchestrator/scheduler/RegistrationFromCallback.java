package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * A running callback registers a new task, due at once, while another thread calls {@code runPending()}: the
 * registration succeeds (no deadlock, no refusal), the new task fires exactly once, on whichever thread collects it
 * first, and the parent's fire is not repeated.
 * <p>
 * What could go wrong: the callback runs between phase 1 and phase 3 of the call that collected it. If callbacks ran
 * with the lock held, a registration from another lock holder's callback would block (or, with a non-reentrant lock,
 * deadlock); if the registration raced with the other thread's collection outside the lock, the child could be
 * collected twice, or be filed in a near slot the wheel's time has already passed instead of the due level, and never
 * fire.
 * <p>
 * Outcome: (callbacks started by the first thread's {@code runPending()}, by the second's, by the arbiter's;
 * parent runs * 100 + child runs * 10 + 1 when the registration inside the callback succeeded).
 */
@JCStressTest
@Outcome(id = "1, 1, 0, 111", expect = ACCEPTABLE, desc = "One thread ran the parent; the other collected the child it registered.")
@Outcome(id = "1, 0, 1, 111", expect = ACCEPTABLE, desc = "The first thread ran the parent; the second had already collected; the arbiter ran the child.")
@Outcome(id = "0, 1, 1, 111", expect = ACCEPTABLE, desc = "The second thread ran the parent; the first had already collected; the arbiter ran the child.")
@Outcome(id = "2, 0, 0, 111", expect = ACCEPTABLE, desc = "The first thread ran the parent and then the child (the contract allows it; this engine returns after one batch).")
@Outcome(id = "0, 2, 0, 111", expect = ACCEPTABLE, desc = "The second thread ran the parent and then the child (the contract allows it; this engine returns after one batch).")
@Outcome(id = ".*, 110", expect = FORBIDDEN, desc = "The registration inside the running callback failed.")
@Outcome(id = ".*, 101", expect = FORBIDDEN, desc = "The child was registered but never fired.")
@Outcome(id = ".*, 121", expect = FORBIDDEN, desc = "The child fired twice.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: the parent ran twice or never, or a call threw (-1).")
@State
public class RegistrationFromCallback
{
    private final Scheduler scheduler = StressFixtures.inlineScheduler(new ManualClock(START));
    private final AtomicInteger parentRuns = new AtomicInteger();
    private final AtomicInteger childRuns = new AtomicInteger();
    private volatile boolean registered;

    public RegistrationFromCallback()
    {
        scheduler.registerOnce("parent", START, this::parent); // due now
    }

    private void parent()
    {
        parentRuns.incrementAndGet();
        try
        {
            scheduler.registerOnce("child", START, childRuns::incrementAndGet); // due now, too
            registered = true;
        }
        catch (final RuntimeException ex)
        {
            registered = false;
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
        r.r3 = StressFixtures.runPending(scheduler);
        r.r4 = parentRuns.get() * 100 + childRuns.get() * 10 + (registered ? 1 : 0);
    }
}
