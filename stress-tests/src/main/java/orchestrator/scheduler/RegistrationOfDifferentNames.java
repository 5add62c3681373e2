package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.FIRST_FIRE;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two threads register tasks of different names, due at the same instant, at once: both must be kept, both in the
 * registry and in the timer wheel, and both must fire.
 * <p>
 * What could go wrong: both tasks land in the same wheel bucket, a doubly linked list whose head is a plain array
 * slot; if either registration touched the wheel or the name map outside the lock, one insert could overwrite the
 * other's, and a task would be listed but never fire, or fire but be missing from {@code tasks()}.
 * <p>
 * Outcome: (first registration returned: 1, or -1 if it threw; the same for the second; tasks listed by
 * {@code tasks()} afterwards; fired callbacks as a bit mask, 1 for the first task and 2 for the second, after the
 * clock reached their fire time).
 */
@JCStressTest
@Outcome(id = "1, 1, 2, 3", expect = ACCEPTABLE, desc = "Both registrations kept; both tasks listed and both fired.")
@Outcome(id = "1, 1, 2, 1", expect = FORBIDDEN, desc = "The second task is listed but was lost from the wheel: it never fired.")
@Outcome(id = "1, 1, 2, 2", expect = FORBIDDEN, desc = "The first task is listed but was lost from the wheel: it never fired.")
@Outcome(id = "1, 1, 1, 3", expect = FORBIDDEN, desc = "Both fired but one is missing from tasks(): the name map lost an entry.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: a registration threw (-1), or tasks were lost from both.")
@State
public class RegistrationOfDifferentNames
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = StressFixtures.inlineScheduler(clock);
    private final AtomicInteger fired = new AtomicInteger();

    @Actor
    public void first(final IIII_Result r)
    {
        r.r1 = register("first", 1);
    }

    @Actor
    public void second(final IIII_Result r)
    {
        r.r2 = register("second", 2);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r3 = scheduler.tasks().size();
        clock.advance(Duration.ofSeconds(1));
        StressFixtures.runPending(scheduler);
        r.r4 = fired.get();
    }

    private int register(final String name, final int bit)
    {
        try
        {
            scheduler.registerOnce(name, FIRST_FIRE, () -> fired.getAndUpdate(bits -> bits | bit));
            return 1;
        }
        catch (final RuntimeException ex)
        {
            return StressFixtures.THREW;
        }
    }
}
