package orchestrator.scheduler;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registration of tasks on cluster nodes, in-process on a real PostgreSQL: the same name registered by a later node
 * (or a node restarted in a rolling deploy) is one row and keeps what the cluster already decided for it; a name the
 * shared table cannot key is refused up front.
 */
class ClusterRegistrationTest extends ClusterDatabaseTest
{
    /**
     * A one-time task already run by node a is registered again by node b with the same instant: the row stays
     * completed, so its instant does not run a second time, and b ends the task as completed when it registers it.
     */
    @Test
    void shouldNotRunAOneTimeTaskAgainWhenAnotherNodeRegistersIt()
    {
        final List<String> runs = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger witness = new AtomicInteger();
        final Instant at = Instant.ofEpochMilli((System.currentTimeMillis() / 1000 + 2) * 1000);
        try (Scheduler a = node("a"); Scheduler b = node("b"))
        {
            a.schedule(TaskSpec.named("once").once(at).run(context -> runs.add(context.nodeId() + "@" +
                context.scheduledAt())));
            a.start();
            ClusterFixture.await("the one-time task's completion is written", 30, () -> server.queryLong("select runs " +
                "from orchestrator_tasks where name = 'once' and state = 'COMPLETED'") == 1);
            b.schedule(TaskSpec.named("once").once(at).run(context -> runs.add(context.nodeId() + "@" +
                context.scheduledAt())));
            assertEquals(TaskState.COMPLETED, b.task("once").orElseThrow().state(), "b ends the task the " +
                "cluster finished");
            b.schedule(TaskSpec.named("witness").cron("* * * * * *").run(context -> witness.incrementAndGet()));
            b.start();
            ClusterFixture.await("b's witness ran 3 times", 30, () -> witness.get() >= 3);
            assertEquals(List.of("a@" + at), runs, "runs of the one-time task at " + at);
            assertEquals(1, server.queryLong("select runs from orchestrator_tasks where name = 'once' and state = " +
                "'COMPLETED'"), "the row stays completed, run once");
        }
    }

    /**
     * A name within the engine's 1,024 characters but over the cluster's 2,048 UTF-8 bytes (1,024 CJK characters,
     * 3,072 bytes: over PostgreSQL's btree key limit on the table's primary key) is refused up front with an
     * IllegalArgumentException that gives the limit, and leaves no task; a name of exactly 2,048 bytes that does not
     * compress is stored and runs.
     */
    @Test
    void shouldRefuseANameOverTheClusterLimitInUtf8BytesAndRunOneAtTheLimit()
    {
        final String over = cjk(1024);
        final String atLimit = cjk(682) + "xy"; // 2,046 + 2 bytes
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler node = node("solo"))
        {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () ->
                node.schedule(TaskSpec.named(over).cron("* * * * * *").run(ran::incrementAndGet)));
            assertTrue(refused.getMessage().contains("3072 bytes") && refused.getMessage().contains("2048"),
                refused.getMessage());
            assertEquals(Optional.empty(), node.task(over));
            node.schedule(TaskSpec.named(atLimit).cron("* * * * * *").run(ran::incrementAndGet));
            node.start();
            ClusterFixture.await("the task named at the limit ran", 30, () -> ran.get() >= 1);
        }
        assertEquals(1, server.queryLong("select count(*) from orchestrator_tasks"));
    }

    /**
     * A name PostgreSQL's text cannot hold exactly is refused up front with an IllegalArgumentException that says
     * where, and leaves no task and no row: a NUL character (the database refused the row, and the caller got a
     * TaskStoreException as for a failed database) and an unpaired surrogate (stored as "?", under which another
     * name's task could share the row).
     */
    @Test
    void shouldRefuseANameWithANulOrAnUnpairedSurrogate()
    {
        try (Scheduler node = node("solo"))
        {
            final IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () ->
                node.schedule(TaskSpec.named("a\0b").cron("* * * * * *").run(() -> { })));
            assertTrue(nul.getMessage().contains("NUL character at index 1"), nul.getMessage());
            final IllegalArgumentException lone = assertThrows(IllegalArgumentException.class, () ->
                node.schedule(TaskSpec.named("ab\uD800").cron("* * * * * *").run(() -> { })));
            assertTrue(lone.getMessage().contains("unpaired surrogate (\\uD800) at index 2"), lone.getMessage());
            assertTrue(node.tasks().isEmpty(), node.tasks().toString());
        }
        assertEquals(0, server.queryLong("select count(*) from orchestrator_tasks"));
    }

    /**
     * A node id the nodes table cannot key is refused with an IllegalArgumentException that says why, before the node
     * joins. Before, the join failed with the database's error for one of 3,072 bytes in UTF-8 (over the btree key
     * limit) and one with a NUL character, and one with an unpaired surrogate joined as "node?", the id that another
     * such node would share, each fencing the other at its join. No node row is left; an id at 2,048 bytes joins.
     */
    @Test
    void shouldRefuseANodeIdTheNodesTableCannotKey()
    {
        for (final String id : List.of(cjk(1024), "node\0a", "node\uDBFF"))
        {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ClusterFixture.node(server, id).build().close());
            assertTrue(refused.getMessage().startsWith("node id "), refused.getMessage());
        }
        try (Scheduler atLimit = node(cjk(682) + "xy"))
        {
            assertEquals(1, server.queryLong("select count(*) from orchestrator_nodes"), "the refused ids left no row");
        }
    }

    /**
     * A node that closes ends its lease at once: the other nodes stop counting it live at their next heartbeat and
     * take its share, instead of waiting out its lease while its instants go unclaimed.
     */
    @Test
    void shouldEndItsLeaseWhenANodeCloses()
    {
        try (Scheduler node = node("leaving"))
        {
            node.schedule(TaskSpec.named("job").cron("* * * * * *").run(() -> { }));
            node.start();
            assertEquals(1, server.queryLong("select count(*) from orchestrator_nodes where node_id = 'leaving' and " +
                "lease_until > clock_timestamp()"), "positive control: the live node's lease");
        }
        assertEquals(0, server.queryLong("select count(*) from orchestrator_nodes where node_id = 'leaving' and " +
            "lease_until > clock_timestamp()"), "the closed node's lease is over");
    }

    /**
     * @return {@code n} random CJK characters (3 bytes each in UTF-8), which PostgreSQL cannot compress much.
     */
    private static String cjk(final int n)
    {
        final Random random = new Random(1);
        final StringBuilder name = new StringBuilder();
        for (int i = 0; i < n; i++)
        {
            name.append((char)(0x4e00 + random.nextInt(20_000)));
        }
        return name.toString();
    }

    static Scheduler node(final String id)
    {
        return ClusterFixture.node(server, id).build();
    }
}
