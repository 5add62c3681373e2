package orchestrator.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimerWheelTest
{
    private static final long START = 1_700_000_000_000L;

    private static Task task(final int id)
    {
        return new Task("t" + id, id, null, 0, () -> {}, null, MisfirePolicy.FIRE_ONCE, null);
    }

    @Test
    void shouldHandOutATaskOnlyOnceItsDeadlineIsReached()
    {
        final TimerWheel wheel = new TimerWheel(START);
        final Task task = task(1);
        wheel.schedule(task, START + 5_000);
        final DueBatch batch = new DueBatch(4);

        assertEquals(0, wheel.poll(START + 4_999, batch, 10));
        assertEquals(1, wheel.poll(START + 5_000, batch, 10));
        assertEquals(task, batch.tasks[0]);
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldMakePastDeadlinesDueAtTheNextPoll()
    {
        final TimerWheel wheel = new TimerWheel(START);
        wheel.schedule(task(1), START - 10);
        assertEquals(START, wheel.nextDeadlineHint());
        assertEquals(1, wheel.poll(START, new DueBatch(4), 10));
    }

    @Test
    void shouldNotMoveBackwardsWhenTheClockDoes()
    {
        final TimerWheel wheel = new TimerWheel(START);
        wheel.poll(START + 60_000, new DueBatch(4), 10);
        wheel.schedule(task(1), START + 30_000); // behind the wheel's time: due now
        assertEquals(1, wheel.poll(START + 10, new DueBatch(4), 10));
        assertEquals(START + 60_000, wheel.currentTime());
    }

    @Test
    void shouldRespectTheWorkBudget()
    {
        final TimerWheel wheel = new TimerWheel(START);
        for (int i = 0; i < 10; i++)
        {
            wheel.schedule(task(i), START + 1_000);
        }
        final DueBatch batch = new DueBatch(4);
        assertEquals(4, wheel.poll(START + 2_000, batch, 4));
        assertEquals(4, wheel.poll(START + 2_000, batch, 4));
        assertEquals(2, wheel.poll(START + 2_000, batch, 4));
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldCancelFromBucketsAndFromTheExpiredList()
    {
        final TimerWheel wheel = new TimerWheel(START);
        final Task later = task(1);
        final Task due = task(2);
        wheel.schedule(later, START + 100_000);
        wheel.schedule(due, START - 1);
        assertTrue(wheel.cancel(later));
        assertTrue(wheel.cancel(due));
        assertFalse(wheel.cancel(due));
        assertEquals(0, wheel.poll(START + 1_000_000, new DueBatch(4), 10));
    }

    @Test
    void shouldFireFarFutureDeadlinesAfterAJump()
    {
        final TimerWheel wheel = new TimerWheel(START);
        final long yearAhead = START + 366L * 24 * 3600 * 1000;
        wheel.schedule(task(1), yearAhead);
        assertEquals(0, wheel.poll(yearAhead - 1, new DueBatch(4), 10));
        assertEquals(1, wheel.poll(yearAhead, new DueBatch(4), 10));
    }

    /**
     * Fuzzes the wheel against a reference model: after every poll, exactly the tasks whose deadline is at or before
     * the highest time polled so far have been handed out, each once.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234567})
    void shouldMatchTheReferenceModel(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final TimerWheel wheel = new TimerWheel(START);
        final Map<Task, Long> pending = new HashMap<>();
        final List<Task> all = new ArrayList<>();
        final Set<Task> handedOut = new HashSet<>();
        final DueBatch batch = new DueBatch(16);
        long now = START;
        long wheelTime = START;
        final long[] spans = {10, 1_000, 70_000, 5_000_000, 400_000_000_000L};
        for (int step = 0; step < 20_000; step++)
        {
            final int op = random.nextInt(10);
            if (op < 4)
            {
                final Task task = task(all.size());
                all.add(task);
                final long deadline = wheelTime + random.nextLong(-50, spans[random.nextInt(spans.length)]);
                wheel.schedule(task, deadline);
                pending.put(task, deadline);
            }
            else if (op < 5 && !all.isEmpty())
            {
                final Task task = all.get(random.nextInt(all.size()));
                assertEquals(pending.remove(task) != null, wheel.cancel(task));
            }
            else
            {
                now += random.nextInt(20) == 0 ? -random.nextLong(1_000) : random.nextLong(spans[random.nextInt(3)]);
                wheelTime = Math.max(wheelTime, now);
                batch.clear();
                int polled;
                do
                {
                    polled = wheel.poll(now, batch, 1 + random.nextInt(100));
                }
                while (polled > 0);
                for (int i = 0; i < batch.size; i++)
                {
                    final Task task = batch.tasks[i];
                    final Long deadline = pending.remove(task);
                    assertTrue(deadline != null && deadline <= wheelTime, "handed out early or twice: " + task);
                    assertTrue(handedOut.add(task));
                }
                for (final Map.Entry<Task, Long> entry : pending.entrySet())
                {
                    assertTrue(entry.getValue() > wheelTime, "due but not handed out: " + entry.getKey());
                }
                assertEquals(pending.size(), wheel.size());
                if (!pending.isEmpty())
                {
                    final long earliest = pending.values().stream().mapToLong(Long::longValue).min().getAsLong();
                    assertTrue(wheel.nextDeadlineHint() <= earliest, "hint after the earliest deadline");
                }
            }
        }
    }
}
