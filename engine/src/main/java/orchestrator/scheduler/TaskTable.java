package orchestrator.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * NOT thread safe: guarded by the registry's lock, except {@link #generationAcquire(int)}. The live tasks as columns
 * indexed by a task id: a name index, each task's definition, state, runs and a generation per id that is bumped
 * whenever the id stops meaning its task (cancelled, finished), so a pooled {@link Fire} that carries (id,
 * generation) never acts on the task that replaced it; the columns few tasks write (instant, payload, last error,
 * missed and failed runs) are in {@link RareColumns}.
 * <p>
 * Caveats: ids are recycled through a free list; an id whose last fire is still running when its task is
 * cancelled stays reserved (a "zombie") until that fire is completed, then is freed.
 */
final class TaskTable
{
    static final int NO_ID = -1;

    static final byte RUNNING = 1;        // claimed in phase 1, not yet through phase 3
    static final byte MISS_BURST = 2;     // a fire was dropped because the task was running; logged once per burst
    static final byte PAUSED = 4;         // paused by TaskControl: its fires are counted as missed
    static final byte RUNNING_LONG = 8;   // its run passed its timeout (RunTimeouts); cleared when the run completes

    /*
     * Generations are read without the lock by the thread that runs a fire, so they live in fixed pages that are
     * never copied when the table grows (a copied array would leave that thread reading a stale copy); only the
     * volatile outer array is replaced, holding the same pages. Writes are releases, reads acquires.
     */
    private static final int GENERATION_PAGE_BITS = 12;
    private static final int GENERATION_PAGE = 1 << GENERATION_PAGE_BITS;
    private static final VarHandle GENERATIONS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final TaskState[] STATES = TaskState.values();
    private static final byte STATE_COMPLETED = (byte)TaskState.COMPLETED.ordinal();
    private static final byte STATE_CANCELLED = (byte)TaskState.CANCELLED.ordinal();
    private static final byte STATE_FAILED = (byte)TaskState.FAILED.ordinal();

    private final NameIndex ids = new NameIndex(1024);
    String[] names;
    TaskDefinition[] definitions;
    byte[] states;                        // TaskState ordinal
    byte[] flags;
    long[] runs;
    private volatile int[][] generationPages = new int[1][GENERATION_PAGE]; // pages are never copied: see below
    final RareColumns rare;               // instant, payload, last error, missed, failures: made when first written
    private int[] free;                   // made with the columns: freeing, under the lock in a sweep, never grows it
    private int freeCount;
    private int highWater;                // ids below it have been handed out at least once
    private int live;

    TaskTable(final int capacity)
    {
        names = new String[capacity];
        definitions = new TaskDefinition[capacity];
        states = new byte[capacity];
        flags = new byte[capacity];
        runs = new long[capacity];
        free = new int[capacity];
        rare = new RareColumns(capacity);
    }

    /**
     * @return the id of the live task of that name, or {@link #NO_ID}.
     */
    int idOf(final String name)
    {
        return ids.get(name, names);
    }

    /**
     * @return the number of live (named) tasks.
     */
    int size()
    {
        return live;
    }

    /**
     * @return one past the highest id ever used: every task id lies below it.
     */
    int highWater()
    {
        return highWater;
    }

    /**
     * Adds a task; the caller has checked that the name is free.
     *
     * @return its id.
     */
    int add(final String name, final TaskDefinition definition, final Payload payload, final long onceAt)
    {
        final int id = freeCount > 0 ? free[--freeCount] : newId();
        names[id] = name;
        definitions[id] = definition;
        rare.start(id, payload, onceAt);
        states[id] = (byte)TaskState.SCHEDULED.ordinal();
        flags[id] = 0;
        runs[id] = 0;
        ids.put(name, id);
        live++;
        return id;
    }

    /**
     * Takes the task's name out of the index, so the name may be registered again, and bumps its generation so that
     * a fire in flight sees it is gone. The id itself stays reserved until {@link #free(int)}.
     */
    void unname(final int id, final TaskState finalState)
    {
        ids.remove(names[id], id);
        states[id] = (byte)finalState.ordinal();
        final int[] page = generationPages[id >>> GENERATION_PAGE_BITS];
        final int index = id & (GENERATION_PAGE - 1);
        GENERATIONS.setRelease(page, index, page[index] + 1);
        live--;
    }

    /**
     * Returns an unnamed id to the free list.
     */
    void free(final int id)
    {
        names[id] = null;
        definitions[id] = null;
        rare.clear(id);
        free[freeCount++] = id;
    }

    /*
     * Tables beyond this many ids outgrow the caches, and the tasks of a batch sit at random ids: a loop that reads
     * a task's columns one after the other waits for each miss in turn. So the fire cycle first gathers a batch in a
     * pass whose loads are independent of each other (Java has no prefetch), which the CPU overlaps, and the phase
     * that follows finds the rows in cache: measured at 1M one-time tasks, about twice as fast per expired task.
     */
    static final int GATHER_ABOVE = 1 << 16;
    private long gathered; // written so that the gathering loads are kept

    /**
     * In a table over {@link #GATHER_ABOVE} ids, loads what phase 1 reads of each polled task.
     */
    void gatherForCollect(final int[] ids, final int count, final TimerWheel wheel)
    {
        if (highWater <= GATHER_ABOVE)
        {
            return;
        }
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            final int id = ids[i];
            sum += wheel.lastDeadline(id) + flags[id] + generation(id) + (definitions[id] == null ? 0 : 1) +
                (rare.payload(id) == null ? 0 : 2) + (names[id] == null ? 0 : 4);
        }
        gathered = sum;
    }

    /**
     * In a table over {@link #GATHER_ABOVE} ids, loads what phase 3 reads of each fire whose task it retires, the
     * one-time ones: the name's hash and its slot in the name index, the task's locator in the wheel (phase 3 asks
     * whether the task was armed again) and the columns the finished history copies. Runs without the lock: every
     * read here only warms a line and tolerates a stale column.
     */
    void gatherForRetire(final Fire[] fires, final int from, final int to, final TimerWheel wheel)
    {
        if (highWater <= GATHER_ABOVE)
        {
            return;
        }
        long sum = 0;
        for (int i = from; i < to; i++)
        {
            final Fire fire = fires[i];
            if (!fire.definition.isRecurring())
            {
                final int id = fire.id;
                sum += ids.touch(fire.taskName) + wheel.touch(id) + runs[id] + states[id] + rare.touch(id);
            }
        }
        gathered = sum;
    }

    /**
     * @return whether {@code id} holds a live task, read from its state alone (a task that ended keeps its name
     *         until its id is freed, under a final state), without the name lookup of {@link #isLive}.
     */
    boolean isNamedAndLive(final int id)
    {
        if (names[id] == null)
        {
            return false;
        }
        final byte state = states[id];
        return state != STATE_COMPLETED && state != STATE_CANCELLED && state != STATE_FAILED;
    }

    boolean isLive(final int id)
    {
        final String name = names[id];
        return name != null && ids.get(name, names) == id;
    }

    int generation(final int id)
    {
        return generationPages[id >>> GENERATION_PAGE_BITS][id & (GENERATION_PAGE - 1)];
    }

    /**
     * Any thread: the generation as last published by {@link #unname}.
     */
    int generationAcquire(final int id)
    {
        return (int)GENERATIONS.getAcquire(generationPages[id >>> GENERATION_PAGE_BITS], id & (GENERATION_PAGE - 1));
    }

    TaskState state(final int id)
    {
        return STATES[states[id]];
    }

    void state(final int id, final TaskState state)
    {
        states[id] = (byte)state.ordinal();
    }

    boolean hasFlag(final int id, final byte flag)
    {
        return (flags[id] & flag) != 0;
    }

    void setFlag(final int id, final byte flag)
    {
        flags[id] |= flag;
    }

    void clearFlag(final int id, final byte flag)
    {
        flags[id] &= ~flag;
    }

    /**
     * Makes room for {@code more} tasks beyond the ids in use, so that adding them grows no column and re-files no
     * name.
     */
    void reserve(final int more)
    {
        final long needed = (long)highWater + more;
        if (needed > names.length && needed <= Integer.MAX_VALUE - 8)
        {
            grow((int)needed);
        }
        ids.reserve(more);
    }

    /** @return as {@link NameIndex#touch}: look-ups of the names touched next find their slot in the cache. */
    long touch(final String name)
    {
        return ids.touch(name);
    }

    private int newId()
    {
        final int id = highWater;
        if (id == names.length)
        {
            grow(Math.max(16, id + (id >> 1)));
        }
        highWater = id + 1;
        final int[][] pages = generationPages;
        if (id >>> GENERATION_PAGE_BITS == pages.length)
        {
            final int[][] grown = Arrays.copyOf(pages, pages.length + 1);
            grown[pages.length] = new int[GENERATION_PAGE];
            generationPages = grown;
        }
        return id;
    }

    private void grow(final int capacity)
    {
        names = Arrays.copyOf(names, capacity);
        definitions = Arrays.copyOf(definitions, capacity);
        states = Arrays.copyOf(states, capacity);
        flags = Arrays.copyOf(flags, capacity);
        runs = Arrays.copyOf(runs, capacity);
        free = Arrays.copyOf(free, capacity);
        rare.grow(capacity);
    }
}
