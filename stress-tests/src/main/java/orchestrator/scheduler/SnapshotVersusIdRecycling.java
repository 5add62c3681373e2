package orchestrator.scheduler;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.List;
import java.util.Optional;

import static orchestrator.scheduler.StressFixtures.EVERY_SECOND;
import static orchestrator.scheduler.StressFixtures.FIRST_FIRE;
import static orchestrator.scheduler.StressFixtures.SECOND_FIRE;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once (jcstress's protocol for a state).
 * <p>
 * One thread cancels the cron task {@code a} and then registers the one-time task {@code b}, which takes {@code a}'s
 * recycled id (no fire of {@code a} is in flight, so the id is freed at the cancel), while another thread lists the
 * tasks with {@code tasks()}: every entry is one whole state of its own task, {@code a} is listed exactly once (live
 * and SCHEDULED, or finished and CANCELLED), and {@code b} at most once, SCHEDULED for its own instant. As {@code b}
 * reuses the id, and so the table row, that {@code a} held, the listing can never show {@code a} live next to
 * {@code b}: the row holds one or the other.
 * <p>
 * What could go wrong: {@code tasks()} copies the task table's columns, a chunk of ids per lock hold, and then the
 * finished history. Read without the lock, or with a chunk split from its lock hold, a row being recycled could be
 * listed half as {@code a} and half as {@code b} ({@code b}'s name with {@code a}'s schedule, state or deadline), a
 * task could be listed twice (live and finished) or not at all (moved to the history after its row was read, before
 * the history was).
 * <p>
 * Outcome: (the writer: 1, or -1 if a call threw or {@code cancel} returned false; {@code a} as listed: 1 SCHEDULED
 * for its first fire, 2 CANCELLED, 0 missing, twice or anything else; {@code b} as listed: 0 not listed, 1 SCHEDULED
 * for its own instant, 2 listed twice or anything else; -1 in the second value if {@code tasks()} threw).
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "Listed before the cancel: a live.")
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "Listed between the cancel and the registration: a finished.")
@Outcome(id = "1, 2, 1", expect = ACCEPTABLE, desc = "Listed after both: a finished, b live on a's recycled id.")
@Outcome(id = "1, 1, 1", expect = FORBIDDEN, desc = "a listed live next to b, which holds a's id: the row was read twice or torn.")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "a missing, listed twice, or torn (e.g. b's columns under a's name).")
@Outcome(id = "1, .*, 2", expect = FORBIDDEN, desc = "b listed twice or torn (e.g. a's schedule, state or deadline under b's name).")
@Outcome(expect = FORBIDDEN, desc = "Any other result: a call threw (-1) or cancel returned false.")
@State
public class SnapshotVersusIdRecycling
{
    private static final String A_SCHEDULE = EVERY_SECOND.expression();
    private static final String B_SCHEDULE = SECOND_FIRE.toString();

    private final Scheduler scheduler = StressFixtures.inlineScheduler(new ManualClock(START));

    public SnapshotVersusIdRecycling()
    {
        scheduler.registerTask("a", EVERY_SECOND, () -> {});
    }

    @Actor
    public void writer(final III_Result r)
    {
        try
        {
            final boolean cancelled = scheduler.cancel("a");
            scheduler.registerOnce("b", SECOND_FIRE, () -> {});
            r.r1 = cancelled ? 1 : StressFixtures.THREW;
        }
        catch (final RuntimeException ex)
        {
            r.r1 = StressFixtures.THREW;
        }
    }

    @Actor
    public void reader(final III_Result r)
    {
        try
        {
            final List<TaskInfo> infos = scheduler.tasks();
            r.r2 = codeOfA(infos);
            r.r3 = codeOfB(infos);
        }
        catch (final RuntimeException ex)
        {
            r.r2 = StressFixtures.THREW;
        }
    }

    private static int codeOfA(final List<TaskInfo> infos)
    {
        final TaskInfo a = StressFixtures.find(infos, "a");
        if (a == null || StressFixtures.count(infos, "a") != 1 || !a.schedule().equals(A_SCHEDULE) || !clean(a))
        {
            return 0;
        }
        if (a.state() == TaskState.SCHEDULED && a.nextFire().equals(Optional.of(FIRST_FIRE)))
        {
            return 1;
        }
        return a.state() == TaskState.CANCELLED && a.nextFire().isEmpty() ? 2 : 0;
    }

    private static int codeOfB(final List<TaskInfo> infos)
    {
        final TaskInfo b = StressFixtures.find(infos, "b");
        if (b == null)
        {
            return 0;
        }
        final boolean whole = StressFixtures.count(infos, "b") == 1 && b.schedule().equals(B_SCHEDULE) && clean(b) &&
            b.state() == TaskState.SCHEDULED && b.nextFire().equals(Optional.of(SECOND_FIRE));
        return whole ? 1 : 2;
    }

    private static boolean clean(final TaskInfo info)
    {
        return info.runs() == 0 && info.missed() == 0 && info.failures() == 0 && info.lastError().isEmpty();
    }
}
