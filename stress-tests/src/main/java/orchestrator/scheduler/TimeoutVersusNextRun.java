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
 * A {@code fireAll} catch-up of two runs of a task with a run timeout and {@code interruptOnTimeout}: with worker
 * dispatch, a worker runs the fire; the first run moves the clock past the timeout (it takes five seconds of virtual
 * time) and spins briefly, deaf to interrupts, and the second run is quick. Meanwhile another thread waits (boundedly)
 * until the clock has moved and calls {@code runPending()}, which checks the watched runs: it may find the first run
 * late and interrupt it, just as the worker ends it and starts the second. Each run is timed from its own start, so
 * the second run is never late, and the interrupt meant for the first never reaches it.
 * <p>
 * What could go wrong: the run state of a fire goes RUNNING, DONE, RUNNING again between the runs. A checker that
 * read RUNNING for the first run and then compared-and-set RUNNING to INTERRUPTING would succeed on the second run
 * (the state numbers the runs to prevent that), and a run timed from the fire's first start would make the second one
 * late.
 * <p>
 * Outcome: (the first run saw its thread interrupted; the second run did; timeouts in {@code tasks()} afterwards; runs
 * there, -1 unless the task is SCHEDULED and not running long, or if a call threw).
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 2", expect = ACCEPTABLE, desc = "The check came before the first run was late, or after the fire: no timeout.")
@Outcome(id = "0, 0, 1, 2", expect = ACCEPTABLE, desc = "The first run was reported late; the interrupt reached neither run, or came after the first run's check.")
@Outcome(id = "1, 0, 1, 2", expect = ACCEPTABLE, desc = "The first run was reported late and interrupted inside its callback.")
@Outcome(id = ".*, 1, .*, .*", expect = FORBIDDEN, desc = "The second run, never late, was interrupted.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: a timeout counted for the second run or twice, runs booked wrong, or a call threw (-1).")
@State
public class TimeoutVersusNextRun
{
    /** How far the first run moves the clock: past the task's one-second timeout. */
    private static final Duration LATE = Duration.ofSeconds(5);
    /** The most iterations the checker waits for the first run to be late before it checks anyway. */
    private static final int WAIT_FOR_LATE = 1 << 14;

    private final ManualClock clock = new ManualClock(START);
    private final StressFixtures.HeldJob heldJob = new StressFixtures.HeldJob();
    private final Scheduler scheduler = StressFixtures.heldJobScheduler(clock, heldJob);
    private final Runnable fire;
    private final long lateAt;
    private int run; // written by the worker alone, in its runs
    private volatile boolean firstSawInterrupt;
    private volatile boolean secondSawInterrupt;
    private volatile boolean callsFailed; // written by either actor, only ever to true

    public TimeoutVersusNextRun()
    {
        scheduler.schedule(TaskSpec.named("job").fixedRate(Duration.ofHours(1)).misfire(MisfirePolicy.fireAll(2))
            .timeout(Duration.ofSeconds(1)).interruptOnTimeout(true).run(this::callback));
        clock.advance(Duration.ofHours(2));
        scheduler.runPending(); // claims both passed fires as one catch-up (watched for its timeout), hands it over
        fire = heldJob.take();
        lateAt = clock.millis() + LATE.toMillis();
    }

    private void callback()
    {
        if (run++ == 0)
        {
            clock.advance(LATE); // the first run is now past its timeout
            StressFixtures.spin(); // ignores interrupts, so it may end just as one is sent
            firstSawInterrupt = Thread.currentThread().isInterrupted();
        }
        else
        {
            secondSawInterrupt = Thread.currentThread().isInterrupted();
        }
    }

    @Actor
    public void worker()
    {
        try
        {
            fire.run();
        }
        catch (final RuntimeException ex)
        {
            callsFailed = true;
        }
        Thread.interrupted(); // this thread's next job starts clean (TimeoutInterruptVersusNextJob checks that)
    }

    @Actor
    public void checker()
    {
        // waits (boundedly) until the first run is late, so that the check lands while it goes on or as it ends
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
        r.r1 = firstSawInterrupt ? 1 : 0;
        r.r2 = secondSawInterrupt ? 1 : 0;
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
