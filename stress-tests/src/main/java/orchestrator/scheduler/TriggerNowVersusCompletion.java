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
 * With worker dispatch, a worker runs a cron task's fire while another thread calls {@code triggerNow} on the task
 * and then {@code runPending()}: the triggered run happens exactly once, and never while the first run is going.
 * Either the first run had been handed back when the trigger or the collection took the lock, and the triggering
 * thread's collection claims the triggered run (which it then runs, as a second worker would); or the first run was
 * still going, the trigger waits as a pending run, and the completion of the first run makes it ready for the next
 * collection (the arbiter's). No second cron fire is due: every run after the first is the triggered one.
 * <p>
 * What could go wrong: a trigger adds a pending run and queues the task as ready only if it is not RUNNING; a
 * running task is queued by phase 3 of its run instead. If a trigger that lands during a run were dropped (to keep
 * the runs apart), the triggered run would be lost; if it were queued and claimed while the first run goes on, or the
 * ready claim did not check the RUNNING claim, the two runs would overlap; if phase 3 queued it twice or the claim did
 * not take the pending fires, it would run twice. The callback spins briefly while inside, so an overlap is seen.
 * <p>
 * Outcome: (runs the triggering thread's {@code runPending()} handed out, or -1 if {@code triggerNow} returned false or
 * a call threw; the most runs ever inside the callback at once; callback runs in all; the {@code fires()} the last
 * run's context carried; runs in {@code tasks()} afterwards, -1 unless the task is SCHEDULED with no missed fire and
 * no failure).
 */
@JCStressTest
@Outcome(id = "1, 1, 2, 1, 2", expect = ACCEPTABLE, desc = "The first run had been handed back: the triggering thread collected the triggered run and ran it after the first.")
@Outcome(id = "0, 1, 2, 1, 2", expect = ACCEPTABLE, desc = "The first run was going: the trigger waited for its completion and the next collection ran it.")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "The triggered run started while the first run was inside the callback: they overlapped.")
@Outcome(id = ".*, 1, 1, .*", expect = FORBIDDEN, desc = "The triggered run was lost.")
@Outcome(id = ".*, 1, 3, .*", expect = FORBIDDEN, desc = "The triggered run ran twice.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: runs booked wrong, fires() wrong, a missed fire, or a call threw (-1).")
@State
public class TriggerNowVersusCompletion
{
    private final ManualClock clock = new ManualClock(START);
    private final StressFixtures.HeldJob heldJob = new StressFixtures.HeldJob();
    private final Scheduler scheduler = StressFixtures.heldJobScheduler(clock, heldJob);
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger mostInside = new AtomicInteger();
    private final AtomicInteger runs = new AtomicInteger();
    private volatile long lastFires;
    private final Runnable firstRun;

    public TriggerNowVersusCompletion()
    {
        scheduler.schedule(TaskSpec.named("job").cron(EVERY_SECOND).run(this::callback));
        clock.advance(Duration.ofSeconds(1));
        scheduler.runPending(); // claims the first fire and hands its job over
        firstRun = heldJob.take();
    }

    private void callback(final FireContext context)
    {
        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        StressFixtures.spin();
        lastFires = context.fires();
        runs.incrementAndGet();
        inside.decrementAndGet();
    }

    @Actor
    public void worker()
    {
        firstRun.run();
    }

    @Actor
    public void triggerer(final IIIII_Result r)
    {
        try
        {
            final boolean triggered = scheduler.triggerNow("job");
            final int claimed = scheduler.runPending();
            r.r1 = triggered ? claimed : StressFixtures.THREW;
            if (claimed == 1)
            {
                heldJob.take().run();
            }
        }
        catch (final RuntimeException ex)
        {
            r.r1 = StressFixtures.THREW;
        }
    }

    @Arbiter
    public void arbiter(final IIIII_Result r)
    {
        TaskInfo info = null;
        try
        {
            scheduler.runPending(); // drains the completions; claims the triggered run if it is still waiting
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
        r.r4 = (int)lastFires;
        r.r5 = info == null || info.state() != TaskState.SCHEDULED || info.missed() != 0 || info.failures() != 0 ?
            StressFixtures.MISSING : (int)info.runs();
    }
}
