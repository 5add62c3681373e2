package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIIII_Result;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.EVERY_SECOND;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * With worker dispatch, a worker runs a fire of a cron task while another thread reschedules the task to a fixed
 * rate of 10 s whose first fire is at once ({@code initialDelay(0)}), keeping its callback, and then calls
 * {@code runPending()}. Whatever the interleaving: the task never runs twice at once (the new schedule's first fire
 * runs after the old run if that run was handed back, and is dropped and counted as missed if it was still going),
 * it is never finished by mistake, its counters carry over, and the new schedule is used afterwards: the arbiter
 * moves the clock 10 s on and collects exactly one fire, after which the next fire is 21 s after the start (under
 * the old cron schedule ten fires would be due).
 * <p>
 * What could go wrong: phase 3 of the old fire finishes a task that has nothing left in the wheel, so a reschedule
 * during the run must file the new first fire itself; if it left a running task for phase 3 to file, the task would
 * end COMPLETED. If the reschedule reset the counters, or released the RUNNING claim, the runs would be lost or the
 * new first fire would overlap the old run. The callback spins briefly while inside, so an overlap is seen.
 * <p>
 * Outcome: (fires the rescheduling thread's {@code runPending()} handed out, or -1 if {@code reschedule} returned
 * false or a call threw; the most runs ever inside the callback at once; callback runs in all; runs in {@code tasks()}
 * afterwards, -1 unless the task is SCHEDULED with no failure; missed fires there; its next fire in seconds after the
 * start, or -1).
 */
@JCStressTest
@Outcome(id = "1, 1, 3, 3, 0, 21", expect = ACCEPTABLE, desc = "The old run had been handed back: the new schedule's first fire ran after it, then its fire 10 s later.")
@Outcome(id = "0, 1, 2, 2, 1, 21", expect = ACCEPTABLE, desc = "The old run was going: the new schedule's first fire was dropped as overlapping (missed); its fire 10 s later ran.")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "The new schedule's first fire overlapped the old run.")
@Outcome(id = ".*, -1, .*, .*", expect = FORBIDDEN, desc = "The task was finished (or failed) by mistake.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: counters lost, the old schedule still used, or a call threw (-1).")
@State
public class RescheduleVersusFireInFlight
{
    private final ManualClock clock = new ManualClock(START);
    private final StressFixtures.HeldJob heldJob = new StressFixtures.HeldJob();
    private final Scheduler scheduler = StressFixtures.heldJobScheduler(clock, heldJob);
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger mostInside = new AtomicInteger();
    private final AtomicInteger runs = new AtomicInteger();
    private final Runnable firstRun;

    public RescheduleVersusFireInFlight()
    {
        scheduler.registerTask("job", EVERY_SECOND, this::callback);
        clock.advance(Duration.ofSeconds(1));
        scheduler.runPending(); // claims the first fire and hands its job over
        firstRun = heldJob.take();
    }

    private void callback()
    {
        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        StressFixtures.spin();
        runs.incrementAndGet();
        inside.decrementAndGet();
    }

    @Actor
    public void worker()
    {
        firstRun.run();
    }

    @Actor
    public void rescheduler(final IIIIII_Result r)
    {
        try
        {
            final boolean rescheduled = scheduler.reschedule("job",
                TaskSpec.named("job").fixedRate(Duration.ofSeconds(10)).initialDelay(Duration.ZERO));
            final int claimed = scheduler.runPending(); // the new first fire is due at once
            r.r1 = rescheduled ? claimed : StressFixtures.THREW;
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
    public void arbiter(final IIIIII_Result r)
    {
        TaskInfo info = null;
        try
        {
            clock.advance(Duration.ofSeconds(10)); // the new schedule's second fire is due
            if (scheduler.runPending() != 1)
            {
                r.r1 = StressFixtures.THREW;
            }
            final Runnable next = heldJob.take();
            if (next != null)
            {
                next.run();
            }
            info = StressFixtures.find(scheduler.tasks(), "job"); // drains the last completion
        }
        catch (final RuntimeException ex)
        {
            r.r1 = StressFixtures.THREW;
        }
        r.r2 = mostInside.get();
        r.r3 = runs.get();
        r.r4 = info == null || info.state() != TaskState.SCHEDULED || info.failures() != 0 ?
            StressFixtures.MISSING : (int)info.runs();
        r.r5 = info == null ? StressFixtures.MISSING : (int)info.missed();
        r.r6 = info == null || info.nextFire().isEmpty() ? StressFixtures.MISSING :
            (int)Duration.between(START, info.nextFire().get()).toSeconds();
    }
}
