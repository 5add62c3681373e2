package orchestrator.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdSlotsTest
{
    private static final int TAG = 1 << 29;

    /**
     * Fuzzes one level against a model of the live ids per slot, with a small home block and few slots so that
     * compaction, overflow growth and re-layouts of the home array all happen often; locators left behind by drained
     * ids must read as stale, whatever moved since.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void shouldKeepEveryLiveIdLocatedThroughCompactionsAndRelayouts(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int slotCount = 16;
        final int ids = 2_000;
        final IdSlots slots = new IdSlots(slotCount, 1, TAG);
        final int[] positions = new int[ids];
        final int[] slotOf = new int[ids];
        Arrays.fill(slotOf, -1);
        final List<Set<Integer>> model = new ArrayList<>();
        for (int s = 0; s < slotCount; s++)
        {
            model.add(new HashSet<>());
        }
        final int[] out = new int[ids];
        final Set<Integer> stale = new HashSet<>();
        for (int op = 0; op < 40_000; op++)
        {
            final int id = random.nextInt(ids);
            final int kind = random.nextInt(10);
            if (kind < 6 && slotOf[id] < 0)
            {
                // crowd a few slots: skewed choice
                final int slot = random.nextInt(4) == 0 ? random.nextInt(slotCount) : random.nextInt(1 + op % slotCount);
                final int index = slots.add(slot, id, positions);
                assertEquals(slots.locator(slot, index), positions[id]);
                assertTrue(slots.holds(positions[id], slot, id));
                slotOf[id] = slot;
                model.get(slot).add(id);
            }
            else if (kind < 9 && slotOf[id] >= 0)
            {
                final int slot = slotOf[id];
                final int other = (id + 1) % ids;
                assertFalse(slots.remove(positions[id], slot, other, true), "removed another id's entry");
                assertTrue(slots.remove(positions[id], slot, id, random.nextBoolean()));
                assertFalse(slots.holds(positions[id], slot, id), "a removed id still held");
                slotOf[id] = -1;
                model.get(slot).remove(id);
            }
            else
            {
                final int slot = random.nextInt(slotCount);
                final int before = slots.count(slot);
                final int budget = 1 + random.nextInt(8);
                final int count = slots.drain(slot, out, 0, Math.min(before, budget));
                assertEquals(before - Math.min(before, budget), slots.count(slot));
                for (int i = 0; i < count; i++)
                {
                    assertTrue(model.get(slot).remove(out[i]), "drained an id not in the slot");
                    slotOf[out[i]] = -1;
                    stale.add(out[i]);
                }
            }
            if (op % 97 == 0)
            {
                check(slots, model, positions);
                for (final int handedOut : stale) // their locators were left behind: they must read as stale
                {
                    if (slotOf[handedOut] < 0)
                    {
                        for (int s = 0; s < slotCount; s++)
                        {
                            assertFalse(slots.holds(positions[handedOut], s, handedOut), "a stale locator held");
                        }
                    }
                }
                stale.clear();
            }
        }
        check(slots, model, positions);
    }

    private static void check(final IdSlots slots, final List<Set<Integer>> model, final int[] positions)
    {
        for (int s = 0; s < model.size(); s++)
        {
            final Set<Integer> live = new HashSet<>();
            for (int i = 1; i <= slots.count(s); i++)
            {
                final int id = slots.get(s, i);
                if (id != IdSlots.TOMBSTONE)
                {
                    assertTrue(live.add(id), "an id twice in a slot");
                    assertEquals(slots.locator(s, i), positions[id], "a moved entry whose locator was not updated");
                }
            }
            assertEquals(model.get(s), live);
        }
    }

    /**
     * Bursts that move from slot to slot, as a million tasks on one cron schedule do: each slot's overflow room must
     * be handed on once the slot is drained, not kept per slot (which grew the heap by the size of a burst for every
     * slot a burst ever filled).
     */
    @Test
    void shouldHandOnTheRoomOfADrainedBurstRatherThanKeepItPerSlot()
    {
        final int slotCount = 1024;
        final int burst = 10_000;
        final IdSlots slots = new IdSlots(slotCount, 2, TAG);
        final int[] locators = new int[burst];
        final int[] out = new int[burst];
        long afterFirst = 0;
        for (int slot = 0; slot < slotCount; slot++)
        {
            for (int id = 0; id < burst; id++)
            {
                slots.add(slot, id, locators);
            }
            assertEquals(burst, slots.drain(slot, out, 0, slots.count(slot)));
            afterFirst = slot == 0 ? slots.retainedInts() : afterFirst;
        }
        assertEquals(afterFirst, slots.retainedInts(), "a drained burst's room is reused by the next slot");
        for (int id = 0; id < burst; id++) // partly drained bursts, too
        {
            slots.add(7, id, locators);
        }
        assertEquals(burst - 100, slots.drain(7, out, 0, burst - 100));
        assertEquals(100, slots.count(7));
        for (int i = 100; i >= 1; i--)
        {
            assertTrue(slots.holds(locators[slots.get(7, i)], 7, slots.get(7, i)));
        }
    }
}
