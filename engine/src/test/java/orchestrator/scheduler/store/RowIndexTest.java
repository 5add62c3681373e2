package orchestrator.scheduler.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
        final List<StoreState.Row> held = new ArrayList<>(); // dense, as StoreState keeps it
        final Map<String, StoreState.Row> model = new HashMap<>();
        for (int step = 0; step < 200_000; step++)
        {
            final String name = name(random);
            final StoreState.Row[] array = held.toArray(new StoreState.Row[0]);
            final int place = index.find(new String(name), array); // an equal name, never the same object
            final StoreState.Row expected = model.get(name);
            assertEquals(expected == null ? -1 : held.indexOf(expected), place, name + " at step " + step);
            if (expected == null)
            {
                final StoreState.Row row = new StoreState.Row(name, (byte)0, 0, 0, 0, 0, 0, -1, 0);
                index.add(name, held.size());
                held.add(row);
                model.put(name, row);
            }
            else if (random.nextInt(3) > 0) // remove it, the last row moving into its place
            {
                index.remove(expected.name, place);
                final StoreState.Row last = held.remove(held.size() - 1);
                if (last != expected)
                {
                    index.move(last.name, held.size(), place);
                    held.set(place, last);
                }
                model.remove(name);
            }
            assertEquals(model.size(), index.size());
        }
        final StoreState.Row[] array = held.toArray(new StoreState.Row[0]);
        for (int i = 0; i < array.length; i++)
        {
            assertEquals(i, index.find(array[i].name, array));
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
