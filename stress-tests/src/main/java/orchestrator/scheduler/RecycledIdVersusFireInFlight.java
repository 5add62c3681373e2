package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.EVERY_SECOND;
import static orchestrator.scheduler.StressFixtures.FIRST_FIRE;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * Task ids are recycled: a finished task's id goes back to the free list once no fire of it is in flight, and the
 * next registration takes it. Here a fire of the cron task {@code old} has been collected and handed to a worker
 * when one thread cancels {@code old} and registers the one-time task {@code new}, due at once, while the other
 * thread, playing the worker, runs the old fire (its callback, then the hand-back of its completion). Whatever the
 * interleaving: the old fire runs {@code old}'s callback at most once and never {@code new}'s, its run is booked
 * against {@code old} only, and {@code new} fires exactly once and is booked with exactly that run. Whether
 * {@code new} got {@code old}'s id depends on whether the old fire had been completed when it registered; both
 * happen.
 * <p>
 * What could go wrong: a fire names its task by id and generation, and the id stays reserved until phase 3 has
 * completed the fire. If the cancel freed the id at once, {@code new} could take it while the old fire is out, and
 * the old fire's phase 3 would count its run into {@code new}, clear {@code new}'s claim, or retire {@code new} in
 * place of {@code old}. If the cancel did not move the generation on, the old fire would run after the cancel; if a
 * pooled fire kept the generation of the task it last carried, {@code new}'s own fire could be taken for a stale one
 * and dropped, and {@code new} retired unrun.
 * <p>
 * No worker threads: the dispatcher holds each job ({@link StressFixtures.HeldJob}) and the actors, then the arbiter,
 * run them as a worker would. The arbiter collects {@code new} and runs its fire, then reads {@code tasks()}.
 * <p>
 * Outcome: ({@code old}'s callback runs, or -1 if {@code cancel} returned false or an actor's call threw; {@code new}'s
 * callback runs, or -1 if the arbiter's {@code runPending()}, the new fire or {@code tasks()} threw; the runs {@code tasks()} books for {@code new},
 * -1 unless it is listed once and COMPLETED; the runs it books for {@code old}, -1 unless listed once and CANCELLED;
 * each with its one fire run or, when the cancel came before it started, missed).
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "The old fire ran before or during the cancel, booked against old; new fired once.")
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE, desc = "The cancel came before the old fire started: it was dropped and counted as missed; new fired once.")
@Outcome(id = ".*, 1, 2, .*", expect = FORBIDDEN, desc = "The old fire's run was booked against new, which had taken its id.")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN, desc = "new's callback ran twice: the old fire ran it.")
@Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "new never fired: its fire was taken for a stale one, or it was retired in old's place.")
@Outcome(id = "1, 1, 1, 0", expect = FORBIDDEN, desc = "The old fire ran but its run was not booked against old.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: a task missing, listed twice or in the wrong state, or a call threw (-1).")
@State
public class RecycledIdVersusFireInFlight
{
    private final ManualClock clock = new ManualClock(START);
    private final StressFixtures.HeldJob heldJob = new StressFixtures.HeldJob();
    private final Scheduler scheduler = StressFixtures.heldJobScheduler(clock, heldJob);
    private final AtomicInteger oldRuns = new AtomicInteger();
    private final AtomicInteger newRuns = new AtomicInteger();
    private final Runnable oldFire;
    private volatile boolean callsFailed; // written by either actor, only ever to true

    public RecycledIdVersusFireInFlight()
    {
        scheduler.registerTask("old", EVERY_SECOND, oldRuns::incrementAndGet);
        clock.advance(Duration.ofSeconds(1));
        scheduler.runPending(); // claims old's first fire and hands its job over
        oldFire = heldJob.take();
    }

    @Actor
    public void worker()
    {
        try
        {
            oldFire.run();
        }
        catch (final RuntimeException ex)
        {
            callsFailed = true;
        }
    }

    @Actor
    public void canceller()
    {
        try
        {
            final boolean cancelled = scheduler.cancel("old");
            scheduler.registerOnce("new", FIRST_FIRE, newRuns::incrementAndGet); // due now
            callsFailed = !cancelled;
        }
        catch (final RuntimeException ex)
        {
            callsFailed = true;
        }
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        int collected = StressFixtures.runPending(scheduler); // drains the old fire's completion, collects new
        List<TaskInfo> infos = null;
        try
        {
            final Runnable newFire = heldJob.take();
            if (newFire != null)
            {
                newFire.run();
            }
            infos = scheduler.tasks(); // drains new's completion
        }
        catch (final RuntimeException ex)
        {
            collected = StressFixtures.THREW;
        }
        r.r1 = callsFailed ? StressFixtures.THREW : oldRuns.get();
        r.r2 = collected == StressFixtures.THREW ? StressFixtures.THREW : newRuns.get();
        r.r3 = infos == null ? StressFixtures.THREW : bookedRuns(infos, "new", TaskState.COMPLETED);
        r.r4 = infos == null ? StressFixtures.THREW : bookedRuns(infos, "old", TaskState.CANCELLED);
    }

    /**
     * @return the runs booked for the task, or -1 unless it is listed once, in that state, with no failure, and its
     *         one collected fire booked once: run, or missed when the cancel came before it started.
     */
    private static int bookedRuns(final List<TaskInfo> infos, final String name, final TaskState state)
    {
        final TaskInfo info = StressFixtures.find(infos, name);
        if (info == null || info.state() != state || StressFixtures.count(infos, name) != 1 ||
            info.runs() + info.missed() != 1 || info.failures() != 0)
        {
            return StressFixtures.MISSING;
        }
        return (int)info.runs();
    }
}
