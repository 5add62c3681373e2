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
 * One thread registers a task for a second from now while another moves the clock to that second and collects: the
 * task is handed from the registering thread to a collecting one and fires exactly once, by the first
 * {@code runPending()} that runs at or after its fire time and after its registration.
 * <p>
 * What could go wrong: depending on the order, the task either waits in a near slot of the timer wheel until the
 * collection advances the wheel's time to it, or arrives when the wheel's time has already reached its deadline and
 * must go straight to the due level. A slot left behind when the time reaches it exactly (an off-by-one between "due"
 * and "not yet due", or a wheel time read outside the lock) is never collected at that instant; a task both filed and
 * handed out fires twice.
 * <p>
 * Outcome: (registration: 1, or -1 if it threw; callbacks the collector's {@code runPending()} started; callbacks a
 * second {@code runPending()} by the arbiter, at the same instant, started; callback runs in all).
 */
@JCStressTest
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE, desc = "Registered before the collection: collected by the other thread.")
@Outcome(id = "1, 0, 1, 1", expect = ACCEPTABLE, desc = "Registered after the collection, already due: collected by the next runPending().")
@Outcome(id = "1, 0, 0, 0", expect = FORBIDDEN, desc = "Due but never collected: the task was lost in the hand-off.")
@Outcome(id = "1, 1, 1, 2", expect = FORBIDDEN, desc = "Collected twice: the fire was both filed and expired.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: counts disagree, or a call threw (-1).")
@State
public class WheelHandOff
{
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = StressFixtures.inlineScheduler(clock);
    private final AtomicInteger runs = new AtomicInteger();

    @Actor
    public void registrar(final IIII_Result r)
    {
        try
        {
            scheduler.registerOnce("job", FIRST_FIRE, runs::incrementAndGet);
            r.r1 = 1;
        }
        catch (final RuntimeException ex)
        {
            r.r1 = StressFixtures.THREW;
        }
    }

    @Actor
    public void collector(final IIII_Result r)
    {
        clock.advance(Duration.ofSeconds(1));
        r.r2 = StressFixtures.runPending(scheduler);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r3 = StressFixtures.runPending(scheduler);
        r.r4 = runs.get();
    }
}
