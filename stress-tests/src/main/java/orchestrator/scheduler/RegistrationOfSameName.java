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
 * Two threads register a task under the same name at once: exactly one registration wins, the other is refused with
 * {@code IllegalArgumentException}, and only the winner's callback ever fires.
 * <p>
 * What could go wrong: "is the name free?" and "take the name" must be one atomic step. If the check ran before the
 * lock was taken (or the lock were released between check and insert), both threads could see the name free and
 * both succeed: the map would keep one task while the wheel kept both, so a task nobody can list or cancel would fire.
 * <p>
 * Outcome: (first registration: 1 won, 0 refused, -1 threw anything else; the same for the second; entries named
 * {@code job} in {@code tasks()}; fired callbacks as a bit mask, 1 for the first thread's and 2 for the second's).
 */
@JCStressTest
@Outcome(id = "1, 0, 1, 1", expect = ACCEPTABLE, desc = "The first thread won the name; only its callback fired.")
@Outcome(id = "0, 1, 1, 2", expect = ACCEPTABLE, desc = "The second thread won the name; only its callback fired.")
@Outcome(id = "1, 1, 1, 3", expect = FORBIDDEN, desc = "Both won: one task was hidden from the map but still fired.")
@Outcome(id = "1, 1, 2, 3", expect = FORBIDDEN, desc = "Both won and both are listed: the name is no longer unique.")
@Outcome(id = "0, 0, 0, 0", expect = FORBIDDEN, desc = "Both were refused: the name was taken by nobody.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: the loser's callback fired, the winner's did not, or a call threw (-1).")
@State
public class RegistrationOfSameName
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = StressFixtures.inlineScheduler(clock);
    private final AtomicInteger fired = new AtomicInteger();

    @Actor
    public void first(final IIII_Result r)
    {
        r.r1 = register(1);
    }

    @Actor
    public void second(final IIII_Result r)
    {
        r.r2 = register(2);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r3 = StressFixtures.count(scheduler.tasks(), "job");
        clock.advance(Duration.ofSeconds(1));
        StressFixtures.runPending(scheduler);
        r.r4 = fired.get();
    }

    private int register(final int bit)
    {
        try
        {
            scheduler.registerOnce("job", FIRST_FIRE, () -> fired.getAndUpdate(bits -> bits | bit));
            return 1;
        }
        catch (final IllegalArgumentException ex)
        {
            return 0;
        }
        catch (final RuntimeException ex)
        {
            return StressFixtures.THREW;
        }
    }
}
