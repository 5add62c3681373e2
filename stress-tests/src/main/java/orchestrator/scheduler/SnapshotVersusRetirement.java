package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.time.Duration;
import java.util.List;

import static orchestrator.scheduler.StressFixtures.EVERY_SECOND;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once (jcstress's protocol for a state).
 * <p>
 * The cron task {@code job} was cancelled while a fire of it was out on a worker, so it is finished but not yet
 * retired: its row stays in the task table, unnamed, until the fire is completed. One thread, playing the worker,
 * runs the fire (the cancel makes it skip the callback) and hands it back, then calls {@code task("job")}, whose lock
 * hold drains the completion and retires {@code job} into the finished history; another thread lists the tasks with
 * {@code tasks()}. {@code job} is listed exactly once, CANCELLED, whether the listing read its row before the
 * retirement or its history entry after.
 * <p>
 * What could go wrong: {@code tasks()} copies the table's rows a chunk per lock hold and then appends the finished
 * history, leaving out names it already listed. A finished-but-unretired row is not live; if only live names were
 * left out and the retirement landed between the hold that copied the row and the one that reads the history,
 * {@code job} would be listed twice, from its row and from its history entry; if the history were read before the
 * rows, a task retired in between would be in neither.
 * <p>
 * Outcome: (entries named {@code job} in the listing, -1 if {@code tasks()} threw; 1 when they are all CANCELLED with
 * no run, 0 otherwise).
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Listed once, CANCELLED, from its row or from the finished history.")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "Listed twice: from its unretired row and again from the finished history.")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "Missing: retired between the reads of the history and of its row.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: a wrong state or run count, or a call threw (-1).")
@State
public class SnapshotVersusRetirement
{
    private final ManualClock clock = new ManualClock(START);
    private final StressFixtures.HeldJob heldJob = new StressFixtures.HeldJob();
    private final Scheduler scheduler = StressFixtures.heldJobScheduler(clock, heldJob);
    private final Runnable fire;

    public SnapshotVersusRetirement()
    {
        scheduler.registerTask("job", EVERY_SECOND, () -> {});
        clock.advance(Duration.ofSeconds(1));
        scheduler.runPending(); // claims the fire and hands its job over
        fire = heldJob.take();
        scheduler.cancel("job"); // finished, but its row waits for the fire
    }

    @Actor
    public void worker()
    {
        try
        {
            fire.run();
            scheduler.task("job"); // drains the completion: job is retired
        }
        catch (final RuntimeException ex)
        {
            // the listing's checks tell whether the task survived it
        }
    }

    @Actor
    public void reader(final II_Result r)
    {
        try
        {
            final List<TaskInfo> infos = scheduler.tasks();
            r.r1 = StressFixtures.count(infos, "job");
            boolean whole = true;
            for (final TaskInfo info : infos)
            {
                whole &= !info.name().equals("job") || info.state() == TaskState.CANCELLED && info.runs() == 0;
            }
            r.r2 = whole ? 1 : 0;
        }
        catch (final RuntimeException ex)
        {
            r.r1 = StressFixtures.THREW;
        }
    }
}
