package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.EVERY_SECOND;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * With worker dispatch, a worker finishes a cron task's run while the driver collects the task's next fire: the
 * task never runs concurrently with itself. Either the collection still sees the first run going and counts the
 * fire as missed, or it sees the run's completion and the second run starts after the first one ended.
 * <p>
 * No worker threads are started: the dispatcher is {@code Dispatcher.of} an executor that only holds each job
 * ({@link StressFixtures.HeldJob}), and the actors run the jobs exactly as a worker would ({@code Fire.run()}: the
 * callback through {@code CallbackRunner}, then the fire handed back through the completion queue). The first actor
 * is the worker that runs the first fire; the second is the driver, whose {@code runPending()} may claim the next
 * fire, which it then runs itself as a second worker would.
 * <p>
 * What could go wrong: a task is claimed by setting its RUNNING flag in the task table in phase 1, and released only
 * in phase 3, when a lock holder (here the driver) drains the fire the worker handed back. If the fire were handed
 * back before the callback returned, or the worker cleared the flag itself, the driver could claim the next fire
 * while the first run is still inside the callback, and the two runs would overlap.
 * <p>
 * Outcome: (fires the driver's {@code runPending()} handed out, or -1 if it threw; the most runs ever inside the
 * callback at once; runs and missed fires in {@code tasks()} afterwards).
 */
@JCStressTest
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE, desc = "The first run was still going: the next fire was dropped and counted as missed.")
@Outcome(id = "1, 1, 2, 0", expect = ACCEPTABLE, desc = "The first run had completed: the next fire was claimed and ran after it.")
@Outcome(id = "1, 2, 2, 0", expect = FORBIDDEN, desc = "The next fire was claimed while the first run was inside the callback: they overlapped.")
@Outcome(id = "1, 2, .*", expect = FORBIDDEN, desc = "The two runs overlapped, and the counters disagree too.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: runs or misses lost, or a call threw (-1).")
@State
public class WorkerCompletionVersusCollection
{
    private final ManualClock clock = new ManualClock(START);
    private final StressFixtures.HeldJob heldJob = new StressFixtures.HeldJob();
    private final Scheduler scheduler = StressFixtures.heldJobScheduler(clock, heldJob);
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger mostInside = new AtomicInteger();
    private final Runnable firstRun;

    public WorkerCompletionVersusCollection()
    {
        scheduler.registerTask("job", EVERY_SECOND, this::callback);
        clock.advance(Duration.ofSeconds(1));
        scheduler.runPending(); // claims the first fire and hands its job over
        firstRun = heldJob.take();
        clock.advance(Duration.ofSeconds(1)); // the next fire is due while the first run has not even started
    }

    private void callback()
    {
        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        inside.decrementAndGet();
    }

    @Actor
    public void worker()
    {
        firstRun.run();
    }

    @Actor
    public void driver(final IIII_Result r)
    {
        final int claimed = StressFixtures.runPending(scheduler);
        r.r1 = claimed;
        if (claimed == 1)
        {
            heldJob.take().run();
        }
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r2 = mostInside.get();
        final TaskInfo info = StressFixtures.find(scheduler.tasks(), "job"); // tasks() drains the completions
        r.r3 = info == null ? StressFixtures.MISSING : (int)info.runs();
        r.r4 = info == null ? StressFixtures.MISSING : (int)info.missed();
    }
}
