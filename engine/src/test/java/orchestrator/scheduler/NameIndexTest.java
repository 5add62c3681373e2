package orchestrator.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NameIndexTest
{
    /**
     * Fuzzes the index against a {@link HashMap}, over names that collide on purpose ("Aa" and "BB" share a hash
     * code, so every string built of them does too) and names that differ, through growth and many removals: every
     * backward shift, and every re-filing when room is made ahead ({@link NameIndex#reserve}), must leave each
     * remaining name reachable from its home.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shouldAgreeWithAMapThroughCollisionsRemovalsAndGrowth(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int ids = 4_000;
        final String[] pool = new String[ids];
        for (int i = 0; i < ids; i++)
        {
            pool[i] = i % 3 == 0 ? colliding(i) : "task-" + i;
        }
        final NameIndex index = new NameIndex(4);
        final String[] names = new String[ids];
        final Map<String, Integer> model = new HashMap<>();
        for (int op = 0; op < 200_000; op++)
        {
            final int id = random.nextInt(ids);
            if (names[id] == null)
            {
                final String name = new String(pool[id]); // an equal name, not the same instance
                names[id] = pool[id];
                index.put(pool[id], id);
                model.put(pool[id], id);
                assertEquals(id, index.get(name, names));
            }
            else if (random.nextBoolean())
            {
                assertTrue(index.remove(names[id], id));
                assertFalse(index.remove(names[id], id));
                model.remove(names[id]);
                names[id] = null;
            }
            if (random.nextInt(2_000) == 0)
            {
                index.reserve(random.nextInt(ids)); // room made ahead re-files what is there
            }
            final String probe = pool[random.nextInt(ids)];
            index.touch(probe);
            assertEquals(model.getOrDefault(probe, TaskTable.NO_ID), index.get(probe, names), probe);
            assertEquals(model.size(), index.size());
        }
        for (int id = 0; id < ids; id++)
        {
            assertEquals(names[id] == null ? TaskTable.NO_ID : id, index.get(pool[id], names));
        }
    }

    @Test
    void shouldNotRemoveAnIdFiledUnderAnotherName()
    {
        final NameIndex index = new NameIndex(16);
        final String[] names = {"a", "b"};
        index.put("a", 0);
        assertFalse(index.remove("b", 0));
        assertFalse(index.remove("a", 1));
        assertEquals(0, index.get("a", names));
        assertEquals(TaskTable.NO_ID, index.get("b", names));
    }

    /**
     * @return a distinct string of "Aa" and "BB" blocks, from the bits of {@code i}: all share one hash code.
     */
    private static String colliding(final int i)
    {
        final StringBuilder name = new StringBuilder();
        for (int bit = 0; bit < 12; bit++)
        {
            name.append((i >> bit & 1) == 0 ? "Aa" : "BB");
        }
        return name.toString();
    }
}
