package orchestrator.scheduler.store;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RowIndexTest
{
    /**
     * Names from a small alphabet of equal-hash pairs ("Aa" and "BB" hash alike), so that probes meet equal hashes
     * of other names, and enough of them that the table grows and removals shift slots back across its end.
     */
    private static String name(final Random random)
    {
        final StringBuilder name = new StringBuilder();
        for (int i = 0, parts = 1 + random.nextInt(5); i < parts; i++)
        {
            name.append(random.nextBoolean() ? "Aa" : "BB");
        }
        return name.append(random.nextInt(400)).toString();
    }

    @Test
    void shouldFindEveryNameHeldAndNoOtherAfterRandomAddsRemovesAndMoves()
    {
        final Random random = new Random(7);
        final RowIndex index = new RowIndex();
        final StoreState.Row[] held = new StoreState.Row[1 << 15]; // dense, as StoreState keeps it
        int count = 0;
        final Map<String, Integer> model = new HashMap<>(); // name -> place
        for (int step = 0; step < 200_000; step++)
        {
            final String name = name(random);
            final int place = index.find(new String(name), held); // an equal name, never the same object
            final Integer expected = model.get(name);
            assertEquals(expected == null ? -1 : expected, place, name + " at step " + step);
            if (expected == null)
            {
                index.add(name, count);
                held[count] = new StoreState.Row(name, (byte)0, 0, 0, 0, 0, 0, -1, 0);
                model.put(name, count++);
            }
            else if (random.nextInt(3) > 0) // remove it, the last row moving into its place
            {
                index.remove(name, place);
                model.remove(name);
                final StoreState.Row last = held[--count];
                held[count] = null;
                if (place != count)
                {
                    index.move(last.name, count, place);
                    held[place] = last;
                    model.put(last.name, place);
                }
            }
            assertEquals(model.size(), index.size());
        }
        for (int i = 0; i < count; i++)
        {
            assertEquals(i, index.find(held[i].name, held));
        }
    }

    @Test
    void shouldKeepFindingNamesAfterGrowingFromAClearedSize()
    {
        final RowIndex index = new RowIndex();
        index.clear(3);
        final StoreState.Row[] held = new StoreState.Row[1000];
        for (int i = 0; i < held.length; i++)
        {
            held[i] = new StoreState.Row("task-" + i, (byte)0, 0, 0, 0, 0, 0, -1, 0);
            index.add(held[i].name, i);
        }
        for (int i = 0; i < held.length; i++)
        {
            assertEquals(i, index.find("task-" + i, held));
        }
        assertEquals(-1, index.find("task-1000", held));
    }
}
