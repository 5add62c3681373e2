package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.time.Duration;

import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * A task with a run timeout and {@code interruptOnTimeout}: with worker dispatch, a worker runs its fire, whose
 * callback moves the clock past the timeout (the run takes five seconds of virtual time) and then spins briefly,
 * deaf to interrupts, while another thread waits (boundedly) until the clock has moved and calls {@code runPending()},
 * which checks the watched runs and interrupts a late one: the interrupt lands inside the callback, or races the
 * run's end. The interrupt never outlives the run: when the worker's {@code Fire.run()} returns, its thread's
 * interrupt flag is clear (the thread was not interrupted before), so the worker's next job never sees it. A timeout
 * is counted at most once, and an interrupt only with a counted timeout.
 * <p>
 * What could go wrong: the checker interrupts the running thread of a fire whose run state it moved from RUNNING to
 * INTERRUPTING, and the run's end either moves it from RUNNING to DONE or, having lost that race, waits until the
 * checker says INTERRUPTED and clears the flag. If the end cleared the flag without waiting, or the checker
 * interrupted on a plain read of RUNNING, the interrupt could land after the run ended: on the worker's next job.
 * <p>
 * Outcome: (the callback saw its thread interrupted; the worker thread's interrupt flag right after the run; timeouts
 * in {@code tasks()} afterwards; runs there, -1 unless the task is SCHEDULED and not running long, or if a call threw).
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 1", expect = ACCEPTABLE, desc = "The check came before the run was late, or after it ended: no timeout.")
@Outcome(id = "0, 0, 1, 1", expect = ACCEPTABLE, desc = "The run was reported late; it ended before the interrupt reached the callback, and the flag was cleared or never set.")
@Outcome(id = "1, 0, 1, 1", expect = ACCEPTABLE, desc = "The run was reported late and interrupted inside the callback; the flag was cleared when the run ended.")
@Outcome(id = ".*, 1, .*, .*", expect = FORBIDDEN, desc = "The interrupt outlived the run: the worker's next job would see it.")
@Outcome(id = "1, 0, 0, .*", expect = FORBIDDEN, desc = "The run was interrupted without a timeout being counted.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: a timeout counted twice, runs booked wrong, or a call threw (-1).")
@State
public class TimeoutInterruptVersusNextJob
{
    /** How far the run moves the clock: past the task's one-second timeout. */
    private static final Duration LATE = Duration.ofSeconds(5);
    /** The most iterations the checker waits for the run to be late before it checks anyway. */
    private static final int WAIT_FOR_LATE = 1 << 14;

    private final ManualClock clock = new ManualClock(START);
    private final StressFixtures.HeldJob heldJob = new StressFixtures.HeldJob();
    private final Scheduler scheduler = StressFixtures.heldJobScheduler(clock, heldJob);
    private final Runnable fire;
    private final long lateAt;
    private volatile boolean sawInterrupt;
    private volatile boolean callsFailed; // written by either actor, only ever to true

    public TimeoutInterruptVersusNextJob()
    {
        scheduler.schedule(TaskSpec.named("job").fixedRate(Duration.ofHours(1)).timeout(Duration.ofSeconds(1))
            .interruptOnTimeout(true).run(this::callback));
        clock.advance(Duration.ofHours(1));
        scheduler.runPending(); // claims the first fire (watched for its timeout) and hands its job over
        fire = heldJob.take();
        lateAt = clock.millis() + LATE.toMillis();
    }

    private void callback()
    {
        clock.advance(LATE); // the run is now past its timeout
        StressFixtures.spin(); // ignores interrupts, so it may end just as one is sent
        sawInterrupt = Thread.currentThread().isInterrupted();
    }

    @Actor
    public void worker(final IIII_Result r)
    {
        try
        {
            fire.run();
        }
        catch (final RuntimeException ex)
        {
            callsFailed = true;
        }
        r.r2 = Thread.interrupted() ? 1 : 0; // reads and clears: the next job of this thread starts clean
    }

    @Actor
    public void checker()
    {
        // waits (boundedly) until the run is late, so that the check lands while it is going or just as it ends
        for (int i = 0; i < WAIT_FOR_LATE && clock.millis() != lateAt; i++)
        {
            Thread.onSpinWait();
        }
        if (StressFixtures.runPending(scheduler) != 0) // nothing is due: it only checks the timeouts
        {
            callsFailed = true;
        }
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r1 = sawInterrupt ? 1 : 0;
        TaskInfo info = null;
        try
        {
            info = StressFixtures.find(scheduler.tasks(), "job"); // drains the completion
        }
        catch (final RuntimeException ex)
        {
            callsFailed = true;
        }
        r.r3 = info == null ? StressFixtures.MISSING : (int)info.timeouts();
        r.r4 = info == null || callsFailed || heldJob.take() != null || info.state() != TaskState.SCHEDULED ||
            info.runningLong() ? StressFixtures.MISSING : (int)info.runs();
    }
}
