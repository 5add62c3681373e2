package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterClaim;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQL-free parts of a cluster node: the claim gate (a claim starts once, only under a fresh lease, by the wheel
 * or as a late trigger, never both) and the clock corrected to the database's.
 */
class ClusterClaimsTest
{
    private static ClusterClaims.Held held(final String name, final long fireAt, final long fence)
    {
        return new ClusterClaims.Held(new ClusterClaim(name, fireAt, fence, null, fireAt), 1);
    }

    private static ClusterClaims fresh()
    {
        final ClusterClaims claims = new ClusterClaims(60_000);
        claims.heartbeatSucceeded(System.nanoTime());
        return claims;
    }

    @Test
    void shouldStartAClaimOnceWhenTheWheelReachesItsInstant()
    {
        final ClusterClaims claims = fresh();
        claims.add(held("a", 1_000, 7));
        assertNull(claims.admit("a", 999, Long.MIN_VALUE), "not before its instant");
        assertNull(claims.admit("b", 1_000, Long.MIN_VALUE), "no claim, no start: the fire belongs to another node");
        final ClusterClaims.Held started = claims.admit("a", 1_000, Long.MIN_VALUE);
        assertNotNull(started);
        assertEquals(7, started.fence);
        assertNull(claims.admit("a", 1_000, Long.MIN_VALUE), "started once");
        assertEquals(List.of(), claims.late(Long.MAX_VALUE), "a started claim is not late");
    }

    @Test
    void shouldLeaveAClaimPastTheMisfireThresholdToTheClusterThread()
    {
        final ClusterClaims claims = fresh();
        claims.add(held("a", 1_000, 1));
        assertNull(claims.admit("a", 5_000, 2_000), "a claim older than the threshold is not started by the wheel");
        assertEquals(1, claims.late(4_900).size(), "the cluster thread finds it late");
    }

    @Test
    void shouldStartNothingWithoutAFreshLease()
    {
        final ClusterClaims never = new ClusterClaims(60_000);
        never.add(held("a", 1_000, 1));
        assertNull(never.admit("a", 1_000, Long.MIN_VALUE), "before the first heartbeat");
        final ClusterClaims stale = new ClusterClaims(1);
        stale.heartbeatSucceeded(System.nanoTime() - 2_000_000);
        stale.add(held("a", 1_000, 1));
        assertNull(stale.admit("a", 1_000, Long.MIN_VALUE), "the last good heartbeat is older than the lease allows");
        assertFalse(stale.leaseFresh());
    }

    @Test
    void shouldTriggerALateClaimOnceAndStartItOnlyAsThatTrigger()
    {
        final ClusterClaims claims = fresh();
        final ClusterClaims.Held claim = held("a", 1_000, 3);
        claims.add(claim);
        claims.add(held("b", 5_000, 4));
        final List<ClusterClaims.Held> late = claims.late(2_000);
        assertEquals(List.of(claim), late);
        assertEquals(List.of(), claims.late(2_000), "triggered once");
        assertNull(claims.admit("a", 1_000, Long.MIN_VALUE), "the wheel does not start a triggered claim");
        assertNull(claims.admitTriggered("a", 999, false), "another instant is an application's triggerNow");
        assertSame(claim, claims.admitTriggered("a", 1_000, false));
        assertNull(claims.admitTriggered("a", 1_000, false),
            "started once; a second run at that instant is not the cluster's");
    }

    @Test
    void shouldTriggerAgainWhenTheLeaseWasStaleAtTheTriggeredStart() throws Exception
    {
        final ClusterClaims claims = new ClusterClaims(1);
        claims.heartbeatSucceeded(System.nanoTime() - 2_000_000);
        final ClusterClaims.Held claim = held("a", 1_000, 3);
        claims.add(claim);
        assertEquals(List.of(claim), claims.late(2_000));
        assertSame(ClusterClaims.SKIP, claims.admitTriggered("a", 1_000, false));
        assertEquals(ClusterClaims.CLAIMED, claim.state.get(), "back to claimed, to be triggered again");
        assertEquals(List.of(claim), claims.late(2_000));
    }

    @Test
    void shouldSkipATriggeredRunWhoseClaimWasDroppedWhenFenced()
    {
        final ClusterClaims claims = fresh();
        claims.add(held("a", 1_000, 1));
        assertEquals(1, claims.late(2_000).size());
        assertEquals(1, claims.dropAll().size());
        assertSame(ClusterClaims.SKIP, claims.admitTriggered("a", 1_000, false),
            "the cluster's run, under a dropped claim");
        assertNull(claims.admitTriggered("a", 1_000, false), "then only an application's trigger would run");
    }

    @Test
    void shouldDropUnstartedClaimsWhenFencedAndKeepStartedOnesOutOfTheGate()
    {
        final ClusterClaims claims = fresh();
        claims.add(held("a", 1_000, 1));
        claims.add(held("b", 1_000, 2));
        assertNotNull(claims.admit("a", 1_000, Long.MIN_VALUE));
        final List<ClusterClaims.Held> dropped = claims.dropAll();
        assertEquals(1, dropped.size());
        assertEquals("b", dropped.get(0).name);
        assertEquals(0, claims.size());
        assertNull(claims.admit("b", 1_000, Long.MIN_VALUE), "a dropped claim never starts");
    }

    @Test
    void shouldStartAClaimOnceWhenTheWheelAndTheLateTriggerRace() throws Exception
    {
        for (int round = 0; round < 2_000; round++)
        {
            final ClusterClaims claims = fresh();
            claims.add(held("a", 1_000, 1));
            final AtomicInteger starts = new AtomicInteger();
            final CountDownLatch go = new CountDownLatch(1);
            final Thread wheel = new Thread(() ->
            {
                await(go);
                if (claims.admit("a", 1_000, Long.MIN_VALUE) != null)
                {
                    starts.incrementAndGet();
                }
            });
            wheel.start();
            go.countDown();
            for (final ClusterClaims.Held late : claims.late(2_000))
            {
                if (claims.admitTriggered(late.name, late.fireAt, false) != null)
                {
                    starts.incrementAndGet();
                }
            }
            wheel.join();
            assertEquals(1, starts.get(), "round " + round);
        }
    }

    @Test
    void shouldSpreadTasksOverTheLiveNodesEachNamePreferringOne()
    {
        final String[] names = new String[100];
        for (int i = 0; i < names.length; i++)
        {
            names[i] = "task-" + i;
        }
        final List<String> live = List.of("a", "b", "c");
        final java.util.Set<String> seen = new java.util.HashSet<>();
        for (final String node : live)
        {
            final String[] mine = ClusterShare.preferredOf(names, live, node);
            assertTrue(mine.length > 10, node + " prefers a share: " + mine.length);
            for (final String name : mine)
            {
                assertTrue(seen.add(name), name + " preferred by one node only");
            }
        }
        assertEquals(names.length, seen.size(), "every name preferred by a live node");
        assertEquals(names.length, ClusterShare.preferredOf(names, List.of("a", "b"), "z").length,
            "a node not (yet) in the live set claims everything ahead");
    }

    @Test
    void shouldCorrectTheClockToTheDatabaseAndIgnoreRoundTripNoise()
    {
        final ManualClock local = new ManualClock(Instant.ofEpochMilli(100_000), ZoneOffset.UTC);
        final ClusterClock clock = new ClusterClock(local);
        assertTrue(clock.measured(70_000, 99_990, 100_010), "30 s ahead of the database");
        assertEquals(70_000, clock.millis());
        assertFalse(clock.measured(70_000 + ClusterClock.STEP_MS, 99_990, 100_010), "within the step: kept");
        assertEquals(70_000, clock.millis());
        assertEquals(70_000, clock.withZone(ZoneOffset.ofHours(2)).millis());
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
