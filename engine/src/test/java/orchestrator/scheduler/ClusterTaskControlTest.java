package orchestrator.scheduler;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Task control on a cluster node (on a throwaway PostgreSQL): pause, resume and reschedule act on the tasks whose
 * instants the node claims (one node; a second task firing every second, the witness, shows that time went by), and
 * a task cancelled on one of two nodes goes on firing on the other.
 */
class ClusterTaskControlTest extends ClusterDatabaseTest
{
    /**
     * A task paused on every node of the cluster (here the only one) never runs: the instants the node claims for
     * it are counted missed, in the row and in the task, as a paused task's fires are on a single scheduler. The
     * listeners hear of them on the thread that runs the fire cycle, not on the cluster thread.
     */
    @Test
    void shouldCountTheInstantsOfATaskPausedOnEveryNodeMissedAndRunNone() throws Exception
    {
        final AtomicInteger pausedRuns = new AtomicInteger();
        final AtomicInteger witness = new AtomicInteger();
        final Set<String> missedOn = ConcurrentHashMap.newKeySet(); // threads that told a listener of missed fires
        try (Scheduler node = node("solo"))
        {
            node.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String taskName, final java.time.Instant scheduledAt, final long fires)
                {
                    missedOn.add(Thread.currentThread().getName());
                }
            });
            node.schedule(TaskSpec.named("paused").cron("* * * * * *").run(context -> pausedRuns.incrementAndGet()));
            node.schedule(TaskSpec.named("witness").cron("* * * * * *").run(context -> witness.incrementAndGet()));
            assertEquals(true, node.pause("paused"));
            node.start();
            ClusterFixture.await("the witness ran 4 times", 30, () -> witness.get() >= 4);
            assertEquals(0, pausedRuns.get(), "runs of a task paused on every node; task " + node.task("paused"));
            ClusterFixture.await("the paused task's instants are counted missed", 10, () ->
                server.queryLong("select missed from orchestrator_tasks where name = 'paused'") >= 2 &&
                node.task("paused").orElseThrow().missed() >= 2, () -> "task " + node.task("paused"));
            assertEquals(TaskState.PAUSED, node.task("paused").orElseThrow().state());
            assertEquals(0, server.queryLong("select runs from orchestrator_tasks where name = 'paused'"));
            ClusterFixture.await("a listener heard of the missed instants", 10, () -> !missedOn.isEmpty());
            // never on the cluster thread, whose heartbeats a slow listener would hold up until the lease ran out
            assertTrue(missedOn.stream().noneMatch(thread -> thread.startsWith("orchestrator-cluster-")),
                missedOn.toString());
        }
    }

    /**
     * A task rescheduled on a cluster node runs no instant of its old schedule once reschedule returned (the node's
     * claim of the old schedule's next instant is let go), and the shared row holds the new schedule and its next
     * fire.
     */
    @Test
    void shouldRunNoInstantOfTheOldScheduleAfterRescheduleAndStoreTheNewOneInTheRow() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicBoolean rescheduled = new AtomicBoolean();
        final Set<Long> ranAfter = ConcurrentHashMap.newKeySet(); // instants started once reschedule returned
        final AtomicInteger witness = new AtomicInteger();
        try (Scheduler node = node("solo"))
        {
            node.schedule(TaskSpec.named("t").cron("* * * * * *").run(context ->
            {
                if (rescheduled.get())
                {
                    ranAfter.add(context.scheduledAt().toEpochMilli());
                }
                runs.incrementAndGet();
            }));
            node.schedule(TaskSpec.named("witness").cron("* * * * * *").run(context -> witness.incrementAndGet()));
            node.start();
            ClusterFixture.await("t ran twice", 30, () -> runs.get() >= 2);
            assertTrue(node.reschedule("t", TaskSpec.named("t").cron("0 0 0 1 1 *"))); // yearly, its callback kept
            rescheduled.set(true);
            final int seen = witness.get();
            ClusterFixture.await("the witness ran 3 more times", 30, () -> witness.get() >= seen + 3);
            assertEquals(Set.of(), ranAfter, "instants of the old schedule started after reschedule returned");
            final long next = node.task("t").orElseThrow().nextFire().orElseThrow().toEpochMilli();
            ClusterFixture.await("the row holds the new schedule and next fire", 10, () -> server.queryLong("select count(*) " +
                "from orchestrator_tasks where name = 't' and schedule like '%0 0 0 1 1 *%' and next_fire = " + next) == 1,
                () -> "task " + node.task("t") + "; row's next fire " + server.queryLong("select next_fire from " +
                "orchestrator_tasks where name = 't'"));
        }
    }

    /**
     * Every instant ends as run, missed or interrupted: a reschedule counts missed, in the row, the instants of the
     * old schedule that came due and that no claim holds, as a single scheduler counts the fires of the old schedule
     * it had not collected ("rescheduled"). Here the node has not started, so it claims nothing and all of them are
     * due in the row when the task is rescheduled.
     */
    @Test
    void shouldCountTheDueUnclaimedInstantsOfTheOldScheduleMissedInTheRowAtReschedule()
    {
        try (Scheduler node = node("solo"))
        {
            node.schedule(TaskSpec.named("t").cron("* * * * * *").run(context -> { }));
            final long first = server.queryLong("select next_fire from orchestrator_tasks where name = 't'");
            ClusterFixture.await("three instants of the old schedule came due", 30, () -> server.queryLong("select " +
                "(extract(epoch from clock_timestamp()) * 1000)::bigint") >= first + 2_000);
            assertTrue(node.reschedule("t", TaskSpec.named("t").cron("0 0 0 1 1 *")));
            final long local = node.task("t").orElseThrow().missed();
            final long row = server.queryLong("select missed from orchestrator_tasks where name = 't'");
            assertTrue(local >= 3, "instants the node counted missed: " + local);
            assertTrue(row >= local && row <= local + 1, "instants of the old schedule from " + first + " counted " +
                "missed in the row: " + row + ", by the node: " + local);
        }
    }

    /**
     * The same for the instants of a claim the node holds and has not started when the task is rescheduled: the
     * claim moves the row to the new schedule and counts missed, in the row, the instants of the old schedule from
     * its own up to the reschedule. Here the node fired once ({@code runPending()}), so it claimed the next instant,
     * and fires no more, so that claim's run never starts.
     */
    @Test
    void shouldCountTheDueInstantsOfAHeldClaimOfTheOldScheduleMissedInTheRowAtReschedule()
    {
        try (Scheduler node = node("solo"))
        {
            node.schedule(TaskSpec.named("t").cron("* * * * * *").misfire(MisfirePolicy.FIRE_ONCE).run(context -> { }));
            node.runPending();
            final long[] claimed = new long[1];
            ClusterFixture.await("the node claimed an instant, three instants ago", 30, () ->
            {
                claimed[0] = server.queryLong("select next_fire from orchestrator_tasks where name = 't' and " +
                    "owner = 'solo'");
                return claimed[0] != 0 && server.queryLong("select (extract(epoch from clock_timestamp()) * 1000)" +
                    "::bigint") >= claimed[0] + 2_000;
            });
            assertTrue(node.reschedule("t", TaskSpec.named("t").cron("0 0 0 1 1 *")));
            final long next = node.task("t").orElseThrow().nextFire().orElseThrow().toEpochMilli();
            ClusterFixture.await("the claim moved the row to the new schedule", 30, () -> server.queryLong("select " +
                "count(*) from orchestrator_tasks where name = 't' and owner is null and next_fire = " + next) == 1);
            final long row = server.queryLong("select missed from orchestrator_tasks where name = 't'");
            assertTrue(row >= 3, "instants of the old schedule from the claimed " + claimed[0] + " counted missed " +
                "in the row: " + row);
            assertEquals(0, server.queryLong("select runs from orchestrator_tasks where name = 't'"));
        }
    }

    /**
     * The same for the instants of the old schedule that came due while a run of the task went on: the run moves the
     * row to the new schedule when it completes, and those instants, which did not run, are counted missed in the
     * row (a single scheduler counts them missed as overlaps when they come due).
     */
    @Test
    void shouldCountTheInstantsOfTheOldScheduleThatCameDueDuringARunMissedInTheRowAtReschedule() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch rescheduled = new CountDownLatch(1);
        final AtomicLong ranAt = new AtomicLong();
        try (Scheduler node = node("solo"))
        {
            node.schedule(TaskSpec.named("t").cron("* * * * * *").run(context ->
            {
                ranAt.compareAndSet(0, context.scheduledAt().toEpochMilli());
                started.countDown();
                try
                {
                    rescheduled.await(30, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }));
            node.start();
            assertTrue(started.await(30, TimeUnit.SECONDS), "the task's first run started");
            ClusterFixture.await("two more instants came due during the run", 30, () -> server.queryLong("select " +
                "(extract(epoch from clock_timestamp()) * 1000)::bigint") >= ranAt.get() + 2_000);
            assertTrue(node.reschedule("t", TaskSpec.named("t").cron("0 0 0 1 1 *")));
            rescheduled.countDown();
            final long next = node.task("t").orElseThrow().nextFire().orElseThrow().toEpochMilli();
            ClusterFixture.await("the run moved the row to the new schedule", 30, () -> server.queryLong("select " +
                "count(*) from orchestrator_tasks where name = 't' and runs = 1 and next_fire = " + next) == 1);
            final long missed = server.queryLong("select missed from orchestrator_tasks where name = 't'");
            assertTrue(missed >= 2, "instants of the old schedule after the run's " + ranAt.get() + " counted " +
                "missed in the row: " + missed);
        }
    }

    /**
     * README: "cancel on one node stops that node from claiming it; the row stays for the other nodes", and fires are
     * on time. The task is cancelled on the node it prefers (at its hash among the live ids), so the other node no
     * longer prefers a task that only it runs: it takes the row once overdue, and must then keep it from one instant
     * to the next rather than give it back after each run and learn of it again only at its next heartbeat (2 s, past
     * the 1 s misfire threshold: every other instant missed, the rest about 1.5 s late). From the other node's
     * second run, every instant runs there, once, well within the misfire threshold, and none is counted missed.
     */
    @Test
    void shouldFireEveryInstantOnTimeOnTheOtherNodeAfterThePreferredNodeCancels() throws Exception
    {
        final String task = preferredByA();
        final List<Long> onA = new CopyOnWriteArrayList<>();
        final List<long[]> onB = new CopyOnWriteArrayList<>(); // {instant, lateness}
        try (Scheduler a = node("a"); Scheduler b = node("b"))
        {
            a.schedule(TaskSpec.named(task).cron("* * * * * *").run(context -> onA.add(context.scheduledAt()
                .toEpochMilli())));
            b.schedule(TaskSpec.named(task).cron("* * * * * *").run(context -> recordRun(onB, context)));
            a.start();
            b.start();
            // past the 5 s during which the tasks move after b joined: the live nodes are settled
            ClusterFixture.await("a fires the task it prefers", 30, () -> onA.size() >= 10);
            assertEquals(0, onB.size(), "b ran a task a prefers while both were live");
            assertTrue(a.cancel(task));
            // b learns the row is free at its next heartbeat (up to 2 s): its first run, maybe past the misfire
            // threshold, decides the instants that passed by the task's misfire policy (FIRE_ONCE)
            ClusterFixture.await("b ran it twice", 30, () -> onB.size() >= 2);
            assertEveryInstantOnTime(task, onB, 1, "after a cancelled");
        }
    }

    /**
     * The same for a task registered on only some of the nodes: here only on b, while a, live, is the node it
     * prefers. Once the live nodes are settled, b keeps the row it takes overdue, and every instant runs on time.
     */
    @Test
    void shouldFireEveryInstantOnTimeOnTheOnlyNodeThatRunsATaskAnotherLiveNodePrefers() throws Exception
    {
        final String task = preferredByA();
        final AtomicInteger witness = new AtomicInteger();
        final List<long[]> onB = new CopyOnWriteArrayList<>(); // {instant, lateness}
        try (Scheduler a = node("a"); Scheduler b = node("b"))
        {
            a.schedule(TaskSpec.named("witness").cron("* * * * * *").run(context -> witness.incrementAndGet()));
            b.schedule(TaskSpec.named(task).cron("* * * * * *").run(context -> recordRun(onB, context)));
            a.start();
            b.start();
            // past the 5 s during which the tasks move after b joined: the live nodes are settled
            ClusterFixture.await("b ran the task 10 times", 30, () -> onB.size() >= 10);
            assertTrue(witness.get() > 0, "a is live and fires");
            assertEveryInstantOnTime(task, onB, onB.size() - 1, "with a live");
        }
    }

    /** A name that {@code "a"} prefers among the sorted live ids [a, b]. */
    private static String preferredByA()
    {
        for (int i = 0; ; i++)
        {
            if (Math.floorMod(("job-" + i).hashCode(), 2) == 0)
            {
                return "job-" + i;
            }
        }
    }

    private static void recordRun(final List<long[]> runs, final FireContext context)
    {
        runs.add(new long[] {context.scheduledAt().toEpochMilli(), System.currentTimeMillis() -
            context.scheduledAt().toEpochMilli()});
    }

    /**
     * The 6 instants after run {@code from} of {@code runs} (b's, instant and lateness) all run on b, in order, each
     * under 400 ms late (the misfire threshold is 1 s), and none is counted missed in the row.
     */
    private static void assertEveryInstantOnTime(final String task, final List<long[]> runs, final int from,
        final String when)
    {
        final long first = runs.get(from)[0];
        ClusterFixture.await("b's run of " + first + " is written to the row", 10, () -> server.queryLong("select next_fire " +
            "from orchestrator_tasks where name = '" + task + "'") > first);
        final long missedBefore = server.queryLong("select missed from orchestrator_tasks where name = '" + task + "'");
        ClusterFixture.await("b ran 6 more instants", 30, () -> runs.size() >= from + 7 ||
            System.currentTimeMillis() > first + 7_000, () -> "ran on b " + describe(runs));
        final List<long[]> ran = new java.util.ArrayList<>(runs);
        final String row = "row runs/missed/next/owner " + queryString("select runs || '/' || missed || '/' || " +
            "next_fire || '/' || coalesce(owner, '-') from orchestrator_tasks where name = '" + task + "'");
        for (int i = 1; i <= 6; i++)
        {
            final long instant = first + i * 1_000L;
            assertTrue(from + i < ran.size() && ran.get(from + i)[0] == instant, "instant " + instant + " did not " +
                "run on b " + when + "; ran on b (instant:lateness ms) " + describe(ran) + "; " + row);
            assertTrue(ran.get(from + i)[1] < 400, "instant " + instant + " ran " + ran.get(from + i)[1] + " ms late " +
                "on b " + when + " (misfire threshold 1 s); ran on b " + describe(ran) + "; " + row);
        }
        assertEquals(missedBefore, server.queryLong("select missed from orchestrator_tasks where name = '" + task + "'"),
            "instants missed on b " + when + "; " + row);
    }

    private static String describe(final List<long[]> runs)
    {
        final StringBuilder out = new StringBuilder("[");
        for (final long[] run : runs)
        {
            out.append(out.length() > 1 ? ", " : "").append(run[0]).append(':').append(run[1]);
        }
        return out.append(']').toString();
    }

    private static Scheduler node(final String id)
    {
        return ClusterFixture.node(server, id).build();
    }

    private static String queryString(final String sql)
    {
        try (Connection connection = server.connection(); Statement statement = connection.createStatement();
            ResultSet rows = statement.executeQuery(sql))
        {
            rows.next();
            return rows.getString(1);
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(sql, ex);
        }
    }
}
