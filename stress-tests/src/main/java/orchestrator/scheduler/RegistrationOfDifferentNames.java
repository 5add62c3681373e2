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
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * Two threads each register four tasks of different names, all due at the same instant, at once: all eight must be
 * kept, both in the registry and in the timer wheel, and all eight must fire.
 * <p>
 * What could go wrong: each registration takes an id from the task table (the free list, or the next new id), writes
 * the task's columns and the name index, and files the id in the timer wheel, where all eight land in the same 1 ms
 * near slot (an id array with a count). If any of that ran outside the lock, two registrations could be handed the
 * same id or write their ids at the same index of the slot, and a task would be listed but never fire, or fire but be
 * missing from {@code tasks()}.
 * <p>
 * Outcome: (registrations the first thread completed, a throw stops it; the same for the second; tasks listed by
 * {@code tasks()} afterwards; distinct tasks fired once the clock reached their fire time).
 */
@JCStressTest
@Outcome(id = "4, 4, 8, 8", expect = ACCEPTABLE, desc = "All eight registrations kept; all eight listed and fired.")
@Outcome(id = "4, 4, 8, [0-7]", expect = FORBIDDEN, desc = "All listed, but some were lost from the wheel: they never fired.")
@Outcome(id = "4, 4, [0-7], 8", expect = FORBIDDEN, desc = "All fired, but some are missing from tasks(): the name map lost entries.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: a registration threw, or tasks were lost from both map and wheel.")
@State
public class RegistrationOfDifferentNames
{
    private static final int PER_THREAD = 4;

    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = StressFixtures.inlineScheduler(clock);
    private final AtomicInteger fired = new AtomicInteger();

    @Actor
    public void first(final IIII_Result r)
    {
        r.r1 = register("first-", 0);
    }

    @Actor
    public void second(final IIII_Result r)
    {
        r.r2 = register("second-", PER_THREAD);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r3 = scheduler.tasks().size();
        clock.advance(Duration.ofSeconds(1));
        StressFixtures.runPending(scheduler);
        r.r4 = Integer.bitCount(fired.get());
    }

    private int register(final String prefix, final int firstBit)
    {
        for (int i = 0; i < PER_THREAD; i++)
        {
            final int bit = 1 << (firstBit + i);
            try
            {
                scheduler.registerOnce(prefix + i, FIRST_FIRE, () -> fired.getAndUpdate(bits -> bits | bit));
            }
            catch (final RuntimeException ex)
            {
                return i;
            }
        }
        return PER_THREAD;
    }
}
