package orchestrator.scheduler;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster node that claims a row whose instant passed long ago (its nodes were all down, or overloaded): the
 * instants that passed are decided by the task's misfire policy, as on a single node, not all counted missed. The
 * row is made late in the database, between a node that registered the task and left and a node that joins.
 */
class ClusterLateClaimTest extends ClusterDatabaseTest
{
    private static final long LATE_SECONDS = 6;

    @Test
    void shouldRunEveryPassedInstantOfALateClaimUnderFireAll() throws Exception
    {
        final Set<Long> ran = lateClaim(MisfirePolicy.fireAll(100));
        final long first = server.queryLong("select min(scheduled) from late_instants");
        assertTrue(ran.contains(first), "the late claim ran, at " + first + "; ran " + ran);
        assertEquals(0, server.queryLong("select missed from orchestrator_tasks where name = 'catch-up'"),
            "FIRE_ALL runs every instant that passed (one run each, one after the other): none is missed");
        final long runs = server.queryLong("select runs from orchestrator_tasks where name = 'catch-up'") -
            server.queryLong("select min(runs) from late_instants");
        assertTrue(runs >= LATE_SECONDS, "runs since the row was made late: " + runs);
    }

    @Test
    void shouldRunALateClaimOnceUnderFireOnceAndCountTheRestMissed() throws Exception
    {
        final Set<Long> ran = lateClaim(MisfirePolicy.FIRE_ONCE);
        final long first = server.queryLong("select min(scheduled) from late_instants");
        assertTrue(ran.contains(first), "FIRE_ONCE runs the late claim itself, at " + first + "; ran " + ran);
        assertTrue(server.queryLong("select missed from orchestrator_tasks where name = 'catch-up'") >= LATE_SECONDS - 1,
            "the other passed instants are missed");
    }

    /**
     * The instants a node's late claim counted missed are its own: on a single-node cluster, where that node decides
     * every instant, the task's {@code missed()} equals the row's, and the listeners are told of each of them.
     */
    @Test
    void shouldCountTheInstantsALateClaimMissedInTheTaskAndTellTheListeners() throws Exception
    {
        final TaskSpec spec = TaskSpec.named("catch-up").cron("* * * * * *").misfire(MisfirePolicy.FIRE_ONCE)
            .run(context -> { });
        makeLate(spec);
        final AtomicLong told = new AtomicLong();
        try (Scheduler second = node("second"))
        {
            second.addListener(new TaskListener()
            {
                @Override
                public void onMissed(final String task, final Instant scheduledAt, final long fires)
                {
                    told.addAndGet(fires);
                }
            });
            second.schedule(spec);
            ClusterFixture.await("the late claim completed", 30, () -> server.queryLong("select missed from " +
                "orchestrator_tasks where name = 'catch-up'") >= LATE_SECONDS - 1);
            final long missed = server.queryLong("select missed from orchestrator_tasks where name = 'catch-up'");
            assertEquals(missed, second.task("catch-up").orElseThrow().missed(), "missed in the task, as in the row");
            ClusterFixture.await("the listeners were told of every missed instant", 10, () -> told.get() == missed,
                () -> "told of " + told.get() + ", the row's missed: " + missed);
        }
    }

    /**
     * The node's own clock steps 30 s ahead between two heartbeats (an NTP step, a VM resumed): the instants of the
     * cluster, in database time, have not come, so none of them is found late and counted missed, and the row's
     * next fire does not run ahead of the database's time.
     */
    @Test
    void shouldCountNothingMissedWhenTheNodesClockStepsAheadBetweenHeartbeats() throws Exception
    {
        final AtomicLong runs = new AtomicLong();
        final AtomicLong stepMs = new AtomicLong();
        final Clock stepping = new Clock()
        {
            @Override
            public long millis()
            {
                return System.currentTimeMillis() + stepMs.get();
            }

            @Override
            public Instant instant()
            {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public ZoneId getZone()
            {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(final ZoneId zone)
            {
                throw new UnsupportedOperationException();
            }
        };
        try (Scheduler solo = ClusterFixture.node(server, "solo").clock(stepping).build())
        {
            solo.schedule(TaskSpec.named("tick").cron("* * * * * *").misfire(MisfirePolicy.FIRE_ONCE)
                .run(context -> runs.incrementAndGet()));
            solo.start();
            ClusterFixture.await("the task ran twice", 30, () -> runs.get() >= 2);
            final long stepped = server.queryLong("select (extract(epoch from clock_timestamp()) * 1000)::bigint");
            stepMs.set(30_000);
            ClusterFixture.await("two more runs", 30, () -> runs.get() >= 4 && server.queryLong("select (extract(" +
                "epoch from clock_timestamp()) * 1000)::bigint") >= stepped + 3_000, () -> "runs " + runs.get() +
                ", row missed " + server.queryLong("select missed from orchestrator_tasks where name = 'tick'") +
                ", row next fire from now " + server.queryLong("select next_fire - (extract(epoch from " +
                "clock_timestamp()) * 1000)::bigint from orchestrator_tasks where name = 'tick'"));
            assertEquals(0, server.queryLong("select missed from orchestrator_tasks where name = 'tick'"),
                "instants counted missed after the node's clock stepped");
            assertTrue(server.queryLong("select next_fire - (extract(epoch from clock_timestamp()) * 1000)::bigint " +
                "from orchestrator_tasks where name = 'tick'") <= 2_000, "the row's next fire ran ahead of the " +
                "database's time");
        }
    }

    /**
     * A fixed-delay task's row claimed late, past the misfire threshold, under SKIP: its instant is missed, and the
     * task goes on, its next fire a delay after now, as on a single node; the row does not end completed.
     */
    @Test
    void shouldGoOnFiringAFixedDelayTaskWhoseLateClaimIsSkipped() throws Exception
    {
        final AtomicLong runs = new AtomicLong();
        final TaskSpec spec = TaskSpec.named("catch-up").fixedDelay(Duration.ofSeconds(1))
            .misfire(MisfirePolicy.SKIP).run(context -> runs.incrementAndGet());
        makeLate(spec);
        try (Scheduler second = node("second"))
        {
            second.schedule(spec);
            ClusterFixture.await("the late claim was decided", 30, () -> server.queryLong("select missed from " +
                "orchestrator_tasks where name = 'catch-up'") >= 1);
            assertEquals(1, server.queryLong("select count(*) from orchestrator_tasks where name = 'catch-up' and " +
                "state = 'SCHEDULED'"), "the fixed-delay task's row goes on");
            ClusterFixture.await("the task runs after its skipped instant", 30, () -> runs.get() >= 1);
        }
    }

    /**
     * A fixed-delay task's row taken over from a node whose lease ran out, which may have started its instant: the
     * instant is counted interrupted, and the task goes on, its next fire a delay after now (the end of the
     * interrupted run is not known); the row does not end completed.
     */
    @Test
    void shouldGoOnFiringAFixedDelayTaskTakenOverFromADeadNode() throws Exception
    {
        final AtomicLong runs = new AtomicLong();
        final TaskSpec spec = TaskSpec.named("catch-up").fixedDelay(Duration.ofSeconds(1))
            .run(context -> runs.incrementAndGet());
        try (Scheduler first = node("first"))
        {
            first.schedule(spec);
        }
        server.execute("insert into orchestrator_nodes (node_id, epoch, lease_until, heartbeat_at) values ('dead', 1, " +
            "clock_timestamp() - interval '1 second', clock_timestamp() - interval '7 seconds')");
        server.execute("update orchestrator_tasks set next_fire = (extract(epoch from clock_timestamp()) * 1000)::bigint " +
            "- 2000, owner = 'dead', owner_epoch = 1 where name = 'catch-up'"); // before its lease ended
        try (Scheduler second = node("second"))
        {
            second.schedule(spec);
            ClusterFixture.await("the row was taken over", 30, () -> server.queryLong("select interrupted from " +
                "orchestrator_tasks where name = 'catch-up'") == 1);
            assertEquals(1, server.queryLong("select count(*) from orchestrator_tasks where name = 'catch-up' and " +
                "state = 'SCHEDULED'"), "the fixed-delay task's row goes on");
            ClusterFixture.await("the task runs after the takeover", 30, () -> runs.get() >= 1);
        }
    }

    /**
     * Every instant ends as run, missed or interrupted: a late claim's catch-up under fireAll stands for every instant
     * it covers, so when its task is cancelled on the node during the first of its runs, the runs left, which do not
     * run, are counted missed in the row.
     */
    @Test
    void shouldCountTheRunsLeftOfACatchUpCancelledDuringItMissedInTheRow() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch cancelled = new CountDownLatch(1);
        final TaskSpec spec = TaskSpec.named("catch-up").cron("* * * * * *").misfire(MisfirePolicy.fireAll(100))
            .run(context ->
            {
                started.countDown();
                awaitQuietly(cancelled);
            });
        makeLate(spec);
        final long late = server.queryLong("select scheduled from late_instants");
        try (Scheduler second = node("second"))
        {
            second.schedule(spec);
            assertTrue(started.await(30, TimeUnit.SECONDS), "the late claim's catch-up started");
            assertTrue(second.cancel("catch-up"));
            cancelled.countDown();
            ClusterFixture.await("the catch-up's completion released the row", 30, () -> server.queryLong("select " +
                "count(*) from orchestrator_tasks where name = 'catch-up' and owner is null and next_fire > " + late) == 1);
        }
        final long next = server.queryLong("select next_fire from orchestrator_tasks where name = 'catch-up'");
        final long counted = server.queryLong("select runs + missed + interrupted from orchestrator_tasks where " +
            "name = 'catch-up'");
        assertEquals((next - late) / 1_000, counted, "instants from the late " + late + " to the row's next fire " +
            next + " counted as run, missed or interrupted (runs " + server.queryLong("select runs from " +
            "orchestrator_tasks where name = 'catch-up'") + ")");
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A first node registers the task and leaves; its row's next fire is moved {@link #LATE_SECONDS} back; a second
     * node registers the same task (the row keeps its next fire) and claims it late.
     *
     * @return the instants the second node ran, once the row shows that the late claim was completed.
     */
    private static Set<Long> lateClaim(final MisfirePolicy policy) throws Exception
    {
        final Set<Long> ran = ConcurrentHashMap.newKeySet();
        final TaskSpec spec = TaskSpec.named("catch-up").cron("* * * * * *").misfire(policy)
            .run(context -> ran.add(context.scheduledAt().toEpochMilli()));
        makeLate(spec);
        try (Scheduler second = node("second"))
        {
            second.schedule(spec);
            ClusterFixture.await("the late claim completed", 30, () -> server.queryLong("select runs + missed from " +
                "orchestrator_tasks where name = 'catch-up'") >= LATE_SECONDS);
        }
        return ran;
    }

    /**
     * A first node registers {@code spec} and leaves; its row's next fire is moved {@link #LATE_SECONDS} back (the
     * instant and the runs then are kept in {@code late_instants}).
     */
    private static void makeLate(final TaskSpec spec) throws SQLException
    {
        try (Scheduler first = node("first"))
        {
            first.schedule(spec);
        }
        server.execute("create table if not exists late_instants (scheduled bigint not null, runs bigint not null)");
        server.execute("truncate late_instants");
        server.execute("update orchestrator_tasks set next_fire = ((extract(epoch from clock_timestamp()) * 1000)::bigint / " +
            "1000 - " + LATE_SECONDS + ") * 1000, owner = null, owner_epoch = null where name = 'catch-up' " +
            "returning next_fire");
        server.execute("insert into late_instants select next_fire, runs from orchestrator_tasks where name = 'catch-up'");
    }

    private static Scheduler node(final String id)
    {
        final Scheduler scheduler = ClusterFixture.node(server, id).build();
        scheduler.start();
        return scheduler;
    }
}
