package orchestrator.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class TimerWheelTest
{
    /** A start on a far-bucket boundary, so that tests know which level a deadline goes to. */
    private static final long START = 1_700_000_000_000L & -(1L << TimerWheel.BUCKET_BITS);
    private static final long BUCKET = 1L << TimerWheel.BUCKET_BITS;
    private static final long DAY = 86_400_000L;
    private static final long YEAR = 366 * DAY;

    private final int[] out = new int[4096];

    /**
     * Polls until the wheel is no longer behind, checking that no poll hands out more than {@code limit} ids.
     *
     * @return the ids handed out, in order.
     */
    private List<Integer> pollAll(final TimerWheel wheel, final long now, final int limit)
    {
        final List<Integer> ids = new ArrayList<>();
        int polls = 0;
        do
        {
            final int count = wheel.poll(now, out, limit);
            assertTrue(count <= limit, "handed out more than the limit");
            for (int i = 0; i < count; i++)
            {
                ids.add(out[i]);
            }
            assertTrue(++polls < 100_000, "poll loop does not end");
        }
        while (wheel.behind());
        return ids;
    }

    @Test
    void shouldHandOutAnIdOnlyOnceItsDeadlineIsReached()
    {
        final TimerWheel wheel = new TimerWheel(START);
        wheel.schedule(3, START + 5_000);

        assertEquals(List.of(), pollAll(wheel, START + 4_999, 10));
        assertEquals(START + 5_000, wheel.nextDeadlineHint());
        assertEquals(List.of(3), pollAll(wheel, START + 5_000, 10));
        assertEquals(0, wheel.size());
        assertFalse(wheel.contains(3));
        assertEquals(TimerWheel.NEVER, wheel.deadline(3));
        assertEquals(TimerWheel.NEVER, wheel.nextDeadlineHint());
    }

    @Test
    void shouldMakePastDeadlinesDueAtTheNextPollEvenWithoutAdvancing()
    {
        final TimerWheel wheel = new TimerWheel(START);
        wheel.poll(START + 10, out, 10);
        wheel.schedule(1, Long.MIN_VALUE);
        wheel.schedule(2, START + 10);
        assertEquals(START + 10, wheel.nextDeadlineHint());
        assertEquals(List.of(1, 2), pollAll(wheel, START + 10, 10).stream().sorted().toList());
    }

    @Test
    void shouldNotMoveBackwardsWhenTheClockDoes()
    {
        final TimerWheel wheel = new TimerWheel(START);
        pollAll(wheel, START + 60_000, 10);
        wheel.schedule(1, START + 30_000);
        wheel.schedule(2, START + 60_001);
        assertEquals(List.of(1), pollAll(wheel, START + 10, 10));
        assertEquals(START + 60_000, wheel.currentTime());
        assertEquals(List.of(2), pollAll(wheel, START + 60_001, 10));
    }

    @Test
    void shouldRefuseAnIdAlreadyInTheWheel()
    {
        final TimerWheel wheel = new TimerWheel(START);
        wheel.schedule(5, START + 100);
        assertThrows(IllegalStateException.class, () -> wheel.schedule(5, START + 200));
        assertThrows(IllegalArgumentException.class, () -> wheel.schedule(-1, START + 200));
        assertEquals(START + 100, wheel.deadline(5));
    }

    @Test
    void shouldCancelDueButNotHandedOutIds()
    {
        final TimerWheel wheel = new TimerWheel(START);
        wheel.schedule(1, START + 10);
        wheel.schedule(2, START + 10);
        wheel.schedule(3, START - 5);
        assertEquals(1, wheel.poll(START + 20, out, 1));
        assertTrue(wheel.behind());
        final int first = out[0];
        int cancelled = 0;
        for (int id = 1; id <= 3; id++)
        {
            if (id != first)
            {
                assertTrue(wheel.cancel(id));
                cancelled++;
            }
        }
        assertEquals(2, cancelled);
        assertFalse(wheel.cancel(first));
        assertEquals(List.of(), pollAll(wheel, START + 20, 10));
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldNeverHandOutTheTombstoneOfARecycledId()
    {
        final TimerWheel wheel = new TimerWheel(START);
        final long[] olds = {START + 100, START + 100, START + 3 * BUCKET, START - 1};
        final long[] news = {START + 200, START + 100, START + 3 * BUCKET, START - 1};
        for (int k = 0; k < olds.length; k++)
        {
            wheel.schedule(7, olds[k]);
            wheel.schedule(8, olds[k]); // a neighbour in the same slot
            assertTrue(wheel.cancel(7));
            wheel.schedule(7, news[k]);
            assertEquals(news[k], wheel.deadline(7));
            final List<Integer> early = pollAll(wheel, olds[k], 10);
            assertEquals(olds[k] == news[k] ? List.of(7, 8) : List.of(8), early.stream().sorted().toList());
            final List<Integer> late = pollAll(wheel, news[k], 10);
            assertEquals(olds[k] == news[k] ? List.of() : List.of(7), late);
            assertEquals(0, wheel.size());
        }
    }

    @Test
    void shouldScheduleAnIdAgainRightAfterHandingItOut()
    {
        final TimerWheel wheel = new TimerWheel(START);
        wheel.schedule(4, START + 1);
        assertEquals(List.of(4), pollAll(wheel, START + 1, 10));
        wheel.schedule(4, START + 1);
        wheel.schedule(5, START + 2 + 2 * BUCKET);
        assertEquals(List.of(4), pollAll(wheel, START + 1, 10));
        assertEquals(List.of(5), pollAll(wheel, START + 2 + 2 * BUCKET, 10));
    }

    @Test
    void shouldBoundACascadeByTheBudget()
    {
        final TimerWheel wheel = new TimerWheel(START);
        final int n = 100_000;
        final long deadline = START + 2 * BUCKET + 5_000; // about 136 s ahead: filed far
        for (int id = 0; id < n; id++)
        {
            wheel.schedule(id, deadline + (id % 1_000));
        }
        // one bucket before theirs, the far bucket is moved down, in polls of at most 4096 units of work
        int polls = 0;
        do
        {
            assertEquals(0, wheel.poll(START + BUCKET, out, 4096));
            assertTrue(++polls < 1_000, "cascade does not end");
        }
        while (wheel.behind());
        assertTrue(polls >= n / 4096, "cascaded in " + polls + " polls");
        assertEquals(n, wheel.size());
        assertEquals(deadline, wheel.nextDeadlineHint());

        final boolean[] seen = new boolean[n];
        polls = 0;
        int total = 0;
        do
        {
            final int count = wheel.poll(deadline + 1_000, out, 4096);
            assertTrue(count <= 4096);
            for (int i = 0; i < count; i++)
            {
                assertFalse(seen[out[i]], "handed out twice");
                seen[out[i]] = true;
            }
            total += count;
            assertTrue(++polls < 1_000, "poll loop does not end");
        }
        while (wheel.behind());
        assertEquals(n, total);
        assertTrue(polls >= n / 4096);
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldResumeAHalfVisitedFarBucketThatWasCompacted()
    {
        final TimerWheel wheel = new TimerWheel(START);
        final long bucketStart = START + 2 * BUCKET;
        final long laterLap = bucketStart + (1L << TimerWheel.FAR_BITS) * BUCKET; // same far slot, one lap later
        for (int id = 0; id < 3; id++)
        {
            wheel.schedule(id, laterLap + id);
        }
        for (int id = 10; id < 14; id++)
        {
            wheel.schedule(id, bucketStart + id);
        }
        assertEquals(0, wheel.poll(START + BUCKET, out, 3)); // looks at the three later-lap ids only
        assertTrue(wheel.behind());
        for (int id = 0; id < 3; id++)
        {
            assertTrue(wheel.cancel(id));
        }
        wheel.schedule(14, bucketStart + 14); // the slot is full: compacted, entries move below where the visit was
        assertEquals(List.of(), pollAll(wheel, START + BUCKET, 3));
        assertEquals(bucketStart + 10, wheel.nextDeadlineHint());
        assertEquals(List.of(10, 11, 12, 13, 14), pollAll(wheel, bucketStart + 14, 10).stream().sorted().toList());
    }

    @Test
    void shouldBoundAJumpOverDueFarTasksByTheBudget()
    {
        final TimerWheel wheel = new TimerWheel(START);
        final int n = 68_000;
        for (int id = 0; id < n; id++)
        {
            wheel.schedule(id, START + 3 * BUCKET + id);
        }
        final int count = wheel.poll(START + YEAR, out, 4096);
        assertTrue(count > 0 && count <= 4096);
        assertTrue(wheel.behind());
        assertEquals(n - count, pollAll(wheel, START + YEAR, 4096).size());
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldKeepFarFutureDeadlinesUntilTheyAreReached()
    {
        final TimerWheel wheel = new TimerWheel(START);
        wheel.schedule(1, Long.MAX_VALUE - 1);
        wheel.schedule(2, START + 40 * DAY);
        wheel.schedule(3, START + 2 * YEAR);
        assertEquals(List.of(), pollAll(wheel, START + 40 * DAY - 1, 10));
        assertEquals(List.of(2), pollAll(wheel, START + 40 * DAY, 10));
        for (long now = START + 40 * DAY; now < START + 2 * YEAR; now += 13 * DAY + 12_345)
        {
            assertEquals(List.of(), pollAll(wheel, now, 10));
        }
        assertEquals(List.of(3), pollAll(wheel, START + 2 * YEAR, 10));
        assertEquals(List.of(), pollAll(wheel, Long.MAX_VALUE - 2, 10));
        assertTrue(wheel.nextDeadlineHint() <= Long.MAX_VALUE - 1);
        assertEquals(List.of(1), pollAll(wheel, Long.MAX_VALUE - 1, 10));
        wheel.schedule(4, Long.MIN_VALUE);
        assertEquals(List.of(4), pollAll(wheel, Long.MAX_VALUE, 10));
    }

    @Test
    void shouldWorkFromTheMostNegativeStart()
    {
        final TimerWheel wheel = new TimerWheel(Long.MIN_VALUE);
        wheel.schedule(1, Long.MIN_VALUE + 3 * BUCKET);
        wheel.schedule(2, Long.MIN_VALUE);
        wheel.schedule(3, -1);
        assertEquals(List.of(2), pollAll(wheel, Long.MIN_VALUE, 10));
        assertEquals(List.of(1), pollAll(wheel, Long.MIN_VALUE + 3 * BUCKET, 10));
        assertEquals(List.of(3), pollAll(wheel, 0, 10));
    }

    /**
     * Fuzzes the wheel against a reference model: after every poll loop, exactly the ids whose deadline is at or
     * before the wheel time have been handed out, each once, and the per-id queries agree with the model.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234567, -7})
    void shouldMatchTheReferenceModel(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final long start = seed < 0 ? -5 * YEAR + 12_345 : START + random.nextLong(BUCKET);
        final TimerWheel wheel = new TimerWheel(start);
        final int ids = 1 + random.nextInt(3_000);
        final long[] model = new long[ids + 10]; // the deadline of each id in the wheel, NEVER for the others
        Arrays.fill(model, TimerWheel.NEVER);
        int modelSize = 0;
        long now = start;
        long wheelTime = start;
        // time steps, the short ones more often; -1 stands for a step back
        final long ring = 1L << TimerWheel.NEAR_BITS;
        final long[] steps = {-1, 0, 0, 1, 1, 1, 1_000, 1_000, 1_000, 1_000, ring, ring, 70_000, 600_000, 3 * DAY, 30 * DAY,
            3 * YEAR};
        final long[] ahead = {1, 1_000, BUCKET, 2 * BUCKET, 70_000, 600_000, 3 * DAY, 20 * DAY, 3 * YEAR};
        for (int op = 0; op < 30_000; op++)
        {
            final int kind = random.nextInt(10);
            int id = random.nextInt(ids);
            for (int tries = 0; kind >= 4 && kind < 7 && tries < 3 && model[id] == TimerWheel.NEVER; tries++)
            {
                id = random.nextInt(ids); // cancel mostly ids in the wheel
            }
            if (kind < 4)
            {
                if (model[id] != TimerWheel.NEVER)
                {
                    final int scheduled = id;
                    assertThrows(IllegalStateException.class, () -> wheel.schedule(scheduled, 0));
                    continue;
                }
                final long deadline = deadline(random, wheelTime, ahead);
                wheel.schedule(id, deadline);
                model[id] = deadline;
                modelSize++;
            }
            else if (kind < 7)
            {
                final boolean pending = model[id] != TimerWheel.NEVER;
                assertEquals(pending, wheel.cancel(id));
                if (pending)
                {
                    model[id] = TimerWheel.NEVER;
                    modelSize--;
                }
            }
            else
            {
                final long span = steps[random.nextInt(steps.length)];
                final long step = span < 0 ? -random.nextLong(100_000) : random.nextLong(span + 1);
                now = Math.max(Long.MIN_VALUE + YEAR, Math.min(Long.MAX_VALUE - YEAR, now + step));
                wheelTime = Math.max(wheelTime, now);
                final int limit = 1 + random.nextInt(50);
                for (final int handed : pollAll(wheel, now, limit))
                {
                    final long deadline = model[handed];
                    if (deadline == TimerWheel.NEVER || deadline > wheelTime)
                    {
                        fail("handed out twice, cancelled, or early: " + handed + " deadline " + deadline);
                    }
                    model[handed] = TimerWheel.NEVER;
                    modelSize--;
                }
                assertEquals(wheelTime, wheel.currentTime());
                long earliest = TimerWheel.NEVER;
                for (int i = 0; i < ids; i++)
                {
                    if (model[i] <= wheelTime)
                    {
                        fail("due but not handed out: " + i + " deadline " + model[i]);
                    }
                    earliest = Math.min(earliest, model[i]);
                }
                assertTrue(wheel.nextDeadlineHint() <= earliest, "hint after the earliest deadline");
                assertTrue(modelSize == 0 || wheel.nextDeadlineHint() > wheelTime, "hint says work is pending");
            }
            assertEquals(modelSize, wheel.size());
            final int probe = random.nextInt(ids + 10);
            assertEquals(model[probe] != TimerWheel.NEVER, wheel.contains(probe));
            assertEquals(model[probe], wheel.deadline(probe));
        }
    }

    private static long deadline(final SplittableRandom random, final long time, final long[] ahead)
    {
        switch (random.nextInt(10))
        {
            case 8:
            case 9:
                // cron-like: a few seconds, minutes or hours ahead, on the grid, so that many ids share a slot
                final long grid = random.nextBoolean() ? 1_000 : random.nextBoolean() ? 60_000 : 3_600_000;
                return Math.floorDiv(time, grid) * grid + grid * random.nextInt(1, 4);
            case 0:
                return random.nextInt(20) == 0 ? Long.MIN_VALUE : time - random.nextLong(1, 1_000_000);
            case 1:
                return time;
            case 2:
                return Long.MAX_VALUE - 1 - random.nextLong(1_000);
            default:
                final long delta = random.nextLong(1, ahead[random.nextInt(ahead.length)] + 1);
                return time + delta >= Long.MAX_VALUE ? Long.MAX_VALUE - 1 : time + delta;
        }
    }
}
