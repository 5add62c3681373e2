package orchestrator.scheduler;

import org.agrona.collections.Int2ObjectHashMap;

import java.util.PriorityQueue;

/**
 * NOT thread safe: guarded by the registry's lock. Tasks whose fire time the wheel has passed but the wall clock has
 * not, because the clock stepped back: they wait here, by wall-clock fire time, until the clock catches up, so a
 * fire is never early and never repeated. Empty, and free, while the clock only moves forward.
 * <p>
 * Caveats: a removed task leaves its entry in the time queue until it surfaces; when removed entries outnumber the
 * held tasks (and {@link #COMPACT_SLACK}), the queue is rebuilt from the held tasks, so it never holds more than twice
 * their number plus the slack, however many tasks are cancelled while the clock stays stepped back.
 */
final class HeldBack
{
    static final int COMPACT_SLACK = 16;

    private record Held(int id, long fireAt)
    {
    }

    private final PriorityQueue<Held> byTime = new PriorityQueue<>((a, b) -> Long.compare(a.fireAt, b.fireAt));
    private final Int2ObjectHashMap<Held> byId = new Int2ObjectHashMap<>();
    private int removed; // entries of byTime no longer in byId

    void hold(final int id, final long fireAt)
    {
        final Held held = new Held(id, fireAt);
        if (byId.put(id, held) != null)
        {
            removed++;
        }
        byTime.add(held);
        compactWhenMostlyRemoved();
    }

    boolean contains(final int id)
    {
        return !byId.isEmpty() && byId.containsKey(id);
    }

    /**
     * @return the task's held fire time, or {@link TaskDefinition#NEVER}.
     */
    long fireAt(final int id)
    {
        final Held held = byId.isEmpty() ? null : byId.get(id);
        return held == null ? TaskDefinition.NEVER : held.fireAt;
    }

    /**
     * @return the task's armed fire: in the wheel, or held back until a clock that stepped back catches up; else
     *         {@link TaskDefinition#NEVER}.
     */
    long armedAt(final TimerWheel wheel, final int id)
    {
        final long due = wheel.deadline(id);
        return due != TaskDefinition.NEVER ? due : fireAt(id);
    }

    boolean remove(final int id)
    {
        if (byId.isEmpty() || byId.remove(id) == null)
        {
            return false;
        }
        removed++; // its queue entry is dropped when it surfaces, or by a compaction
        compactWhenMostlyRemoved();
        return true;
    }

    boolean hasDue(final long now)
    {
        dropRemoved();
        return !byTime.isEmpty() && byTime.peek().fireAt <= now;
    }

    /**
     * @return the earliest held fire time, or {@link TaskDefinition#NEVER}.
     */
    long earliest()
    {
        dropRemoved();
        return byTime.isEmpty() ? TaskDefinition.NEVER : byTime.peek().fireAt;
    }

    /**
     * Moves up to {@code limit} held tasks due at {@code now} into {@code ids[offset..]}, their fire times into
     * {@code fireAt[offset..]}.
     *
     * @return how many.
     */
    int poll(final long now, final int[] ids, final long[] fireAt, final int offset, final int limit)
    {
        int count = 0;
        while (count < limit && hasDue(now))
        {
            final Held held = byTime.poll();
            byId.remove(held.id);
            ids[offset + count] = held.id;
            fireAt[offset + count] = held.fireAt;
            count++;
        }
        return count;
    }

    /**
     * For tests in this package: the entries in the time queue, live or removed but not yet dropped.
     */
    int queued()
    {
        return byTime.size();
    }

    private void dropRemoved()
    {
        Held head;
        while ((head = byTime.peek()) != null && byId.get(head.id) != head)
        {
            byTime.poll();
            removed--;
        }
    }

    private void compactWhenMostlyRemoved()
    {
        if (removed > COMPACT_SLACK && removed > byId.size())
        {
            byTime.clear();
            byTime.addAll(byId.values());
            removed = 0;
        }
    }
}
