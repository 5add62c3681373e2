package orchestrator.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TaskTableTest
{
    /**
     * The counters, last error, payload and one-time instant of each task are columns made when first written:
     * fuzzes them against plain arrays through the table's growth, ids freed and handed out again, and columns made
     * at any point (the first miss, failure, handler task or one-time task comes at a random step). A reused id
     * starts with no counts, no error, and its own payload and instant.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shouldKeepEachTasksRareColumnsThroughGrowthAndReuse(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int names = 3_000;
        final TaskTable table = new TaskTable(4);
        final int[] idOf = new int[names];
        Arrays.fill(idOf, TaskTable.NO_ID);
        final long[] missed = new long[names];
        final long[] failures = new long[names];
        final String[] errors = new String[names];
        final Payload[] payloads = new Payload[names];
        final long[] onceAt = new long[names];
        final int firstRare = random.nextInt(20_000);
        for (int op = 0; op < 60_000; op++)
        {
            final int name = random.nextInt(names);
            final int id = idOf[name];
            final boolean rare = op >= firstRare;
            if (id == TaskTable.NO_ID)
            {
                payloads[name] = rare && random.nextInt(4) == 0 ? new Payload(null, name, 1) : null;
                onceAt[name] = rare && random.nextBoolean() ? 1 + random.nextInt(1_000_000) : 0;
                idOf[name] = table.add("task-" + name, null, payloads[name], onceAt[name]);
                missed[name] = 0;
                failures[name] = 0;
                errors[name] = null;
            }
            else if (random.nextInt(5) == 0)
            {
                table.unname(id, TaskState.CANCELLED);
                table.free(id);
                idOf[name] = TaskTable.NO_ID;
            }
            else if (rare)
            {
                final long fires = random.nextInt(3);
                table.rare.addMissed(id, fires);
                missed[name] += fires;
                if (random.nextBoolean())
                {
                    table.rare.addFailures(id, 1);
                    failures[name]++;
                    errors[name] = "error " + op;
                    table.rare.lastError(id, errors[name]);
                }
            }
        }
        for (int name = 0; name < names; name++)
        {
            final int id = idOf[name];
            if (id != TaskTable.NO_ID)
            {
                assertEquals("task-" + name, table.names[id]);
                assertEquals(missed[name], table.rare.missed(id), "missed of task-" + name);
                assertEquals(failures[name], table.rare.failures(id), "failures of task-" + name);
                assertEquals(errors[name], table.rare.lastError(id), "last error of task-" + name);
                assertSame(payloads[name], table.rare.payload(id), "payload of task-" + name);
                assertEquals(onceAt[name], table.rare.onceAt(id), "instant of task-" + name);
            }
        }
    }

    @Test
    void shouldReadZerosAndNullsBeforeAnyTaskWritesARareColumn()
    {
        final TaskTable table = new TaskTable(2);
        final int id = table.add("a", null, null, 0);
        table.rare.addMissed(id, 0);
        table.rare.addFailures(id, 0);
        table.rare.lastError(id, null);
        assertEquals(0, table.rare.missed(id));
        assertEquals(0, table.rare.failures(id));
        assertNull(table.rare.lastError(id));
        assertNull(table.rare.payload(id));
        assertEquals(0, table.rare.onceAt(id));
    }

    /**
     * Ids are freed under the registry's lock, a million of them in one sweep of one-time tasks: freeing must not
     * grow anything (a free list grown by copying held the lock for milliseconds, a young collection inside the hold
     * for tens of them), so the list is made with the columns.
     */
    @Test
    void shouldFreeIdsWithoutAllocating()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        final TaskTable warm = new TaskTable(16); // links the code paths (their first calls allocate) before measuring
        warm.unname(warm.add("warm", null, null, 0), TaskState.COMPLETED);
        warm.free(0);
        final int tasks = 100_000;
        final TaskTable table = new TaskTable(16);
        final String[] names = new String[tasks];
        final int[] ids = new int[tasks];
        for (int i = 0; i < tasks; i++)
        {
            names[i] = "task-" + i;
            ids[i] = table.add(names[i], null, null, 0);
        }
        final long thread = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < tasks; i++)
        {
            table.unname(ids[i], TaskState.COMPLETED);
            table.free(ids[i]);
        }
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;
        // a list that grew as ids were freed would allocate 400 KB or more here (4 bytes an id); the measurement
        // itself may count a few hundred bytes
        assertTrue(allocated < 16 * 1024, allocated + " bytes allocated while freeing " + tasks + " ids");
    }
}
