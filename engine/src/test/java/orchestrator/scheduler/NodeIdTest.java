package orchestrator.scheduler;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Builder.nodeId} and what a fire context says of it outside a cluster: the node id, and fence 0.
 */
class NodeIdTest
{
    @Test
    void shouldDefaultToTheHostNameAndProcessId()
    {
        try (Scheduler scheduler = Scheduler.builder().build())
        {
            assertTrue(scheduler.nodeId().endsWith("-" + ProcessHandle.current().pid()), scheduler.nodeId());
            assertTrue(scheduler.nodeId().length() > ("-" + ProcessHandle.current().pid()).length());
        }
    }

    @Test
    void shouldRefuseABlankNodeId()
    {
        assertThrows(IllegalArgumentException.class, () -> Scheduler.builder().nodeId(" "));
        assertThrows(NullPointerException.class, () -> Scheduler.builder().nodeId(null));
    }

    @Test
    void shouldGiveTheNodeIdAndFenceZeroToCallbacksOutsideACluster()
    {
        final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        final List<FireContext> seen = new ArrayList<>();
        try (Scheduler scheduler = Scheduler.builder().clock(clock).nodeId("node-7").build())
        {
            scheduler.schedule(TaskSpec.named("t").cron("* * * * *").run(seen::add));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, scheduler.runPending());
            assertEquals("node-7", scheduler.nodeId());
            assertEquals(0, scheduler.rejectedCompletions());
            assertEquals(0, scheduler.timesFenced());
        }
        assertEquals(1, seen.size());
        assertEquals("node-7", seen.get(0).nodeId());
        assertEquals(0, seen.get(0).fence());
        assertTrue(seen.get(0).toString().contains("node=node-7"), seen.get(0).toString());
    }
}
