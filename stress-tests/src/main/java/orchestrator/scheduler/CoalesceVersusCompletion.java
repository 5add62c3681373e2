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
 * The same race as {@link WorkerCompletionVersusCollection}, under {@link OverlapPolicy#COALESCE}: with worker
 * dispatch, a worker finishes a cron task's run while the driver collects the task's next fire. Under COALESCE the
 * next fire is never dropped: either the collection sees the first run completed and claims the fire, or it sees the
 * run going and adds the fire to the task's pending runs, and the completion of the first run makes it ready for the
 * next collection (the arbiter's), where it runs exactly once, after the first, with {@code fires()} counting the one
 * overlapped fire. Nothing is counted as missed.
 * <p>
 * What could go wrong: the coalesced fire waits in {@code PendingRuns} and is queued as ready only
 * by phase 3 of the running fire, which a lock holder performs when it drains the worker's hand-back. If phase 3 did
 * not queue it, the coalesced run would be lost; if the collection queued it at once, or the ready claim did not check
 * the RUNNING claim, it would overlap the first run; if its pending count were not taken with the claim, it would run
 * twice. The callback spins briefly while inside, so an overlap is seen.
 * <p>
 * Outcome: (fires the driver's {@code runPending()} handed out, or -1 if it threw; the most runs ever inside the
 * callback at once; callback runs in all; the sum of the {@code fires()} of their contexts; runs in {@code tasks()}
 * afterwards, -1 unless the task is SCHEDULED with no missed fire and no failure).
 */
@JCStressTest
@Outcome(id = "1, 1, 2, 2, 2", expect = ACCEPTABLE, desc = "The first run had completed (before the collection, or the collection coalesced the fire and then drained the completion): the next run was claimed and ran after it.")
@Outcome(id = "0, 1, 2, 2, 2", expect = ACCEPTABLE, desc = "The first run was going: the fire was coalesced and ran once after it, fires() = 1.")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "The two runs overlapped.")
@Outcome(id = ".*, 1, 1, .*", expect = FORBIDDEN, desc = "The coalesced run was lost.")
@Outcome(id = ".*, 1, 3, .*", expect = FORBIDDEN, desc = "The coalesced run ran twice.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: fires() miscounted, a fire counted as missed, runs booked wrong, or a call threw (-1).")
@State
public class CoalesceVersusCompletion
{
    private final ManualClock clock = new ManualClock(START);
    private final StressFixtures.HeldJob heldJob = new StressFixtures.HeldJob();
    private final Scheduler scheduler = StressFixtures.heldJobScheduler(clock, heldJob);
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger mostInside = new AtomicInteger();
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicInteger fires = new AtomicInteger();
    private final Runnable firstRun;

    public CoalesceVersusCompletion()
    {
        scheduler.schedule(TaskSpec.named("job").cron(EVERY_SECOND).overlap(OverlapPolicy.COALESCE).run(this::callback));
        clock.advance(Duration.ofSeconds(1));
        scheduler.runPending(); // claims the first fire and hands its job over
        firstRun = heldJob.take();
        clock.advance(Duration.ofSeconds(1)); // the next fire is due while the first run has not even started
    }

    private void callback(final FireContext context)
    {
        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        StressFixtures.spin();
        fires.addAndGet((int)context.fires());
        runs.incrementAndGet();
        inside.decrementAndGet();
    }

    @Actor
    public void worker()
    {
        firstRun.run();
    }

    @Actor
    public void driver(final IIIII_Result r)
    {
        final int claimed = StressFixtures.runPending(scheduler);
        r.r1 = claimed;
        if (claimed == 1)
        {
            heldJob.take().run();
        }
    }

    @Arbiter
    public void arbiter(final IIIII_Result r)
    {
        TaskInfo info = null;
        try
        {
            scheduler.runPending(); // drains the completions; claims the coalesced run if it is waiting
            final Runnable waiting = heldJob.take();
            if (waiting != null)
            {
                waiting.run();
            }
            info = StressFixtures.find(scheduler.tasks(), "job"); // drains the last completion
        }
        catch (final RuntimeException ex)
        {
            r.r1 = StressFixtures.THREW;
        }
        r.r2 = mostInside.get();
        r.r3 = runs.get();
        r.r4 = fires.get();
        r.r5 = info == null || info.state() != TaskState.SCHEDULED || info.missed() != 0 || info.failures() != 0 ?
            StressFixtures.MISSING : (int)info.runs();
    }
}
