package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NOT thread safe: the tasks a store holds, by name; the in-memory store guards it with its lock, the journal
 * confines it to recovery and then to its writer thread, which hands it to a snapshot thread for a {@link #freeze}
 * and takes it back once that is done (a future's completion orders the two). While it freezes, the writer's
 * encoder still reads the names packed in {@link #slots()}: the freeze reads them but never writes them. Recovery replays upserts and removes with the operations
 * the writer applies; progress goes through {@link ReplayProgress}, whose columns end as applying each entry with
 * {@link #progress} would (ReplayProgressTest compares the two).
 * <p>
 * A task is a {@link Row}: its stored definition and its progress in fields updated in place, so a progress entry
 * allocates nothing. An entry that carries the engine's slot waits in {@link SlotProgress} columns until the rows are
 * read or the names held change ({@link #fold}), then finds its row through {@code bySlot} without hashing the name;
 * the slot is only trusted when the row found there holds the very same name object and is still held. Rows held are
 * kept in a dense array (a removed row's place taken by the last one), which {@link #freeze} walks reading rows a
 * stretch ahead, and a {@link RowIndex} finds a row's place by name without an object per row.
 */
final class StoreState
{
    private static final TaskState[] STATES = TaskState.values();
    /** How many task states there are: a stored ordinal is below it. */
    static final int STATE_COUNT = STATES.length;

    static final class Row
    {
        StoredTask task; // the definition, its progress stale once an entry was applied; null in a snapshot's row
                         // until decoded (JournalRecovery)
        String name;     // the name object of the last upsert, which the engine's entries carry
        byte state;
        long nextFire;
        long runs;
        long missed;
        long failures;
        long runningFire;
        boolean removed;
        int index = -1;      // its place in the dense list of rows held, -1 once removed
        int replaySlot = -1; // its slot in the recovery's ReplayProgress, once it has one
        int snapshotAt = -1; // a row read from a snapshot before its task: where its upsert's body starts, and length
        int snapshotLength;

        Row(final StoredTask task)
        {
            define(task);
        }

        /** A row read from a snapshot by name and progress; its task is decoded on open, once replay is done. */
        Row(final String name, final byte state, final long nextFire, final long runs, final long missed,
            final long failures, final long runningFire, final int snapshotAt, final int snapshotLength)
        {
            this.name = name;
            set(state, nextFire, runs, missed, failures, runningFire);
            this.snapshotAt = snapshotAt;
            this.snapshotLength = snapshotLength;
        }

        /**
         * @return a sum of no meaning over its first progress field, its state and its name: reading them brings
         *         every cache line of the row that a fold or a freeze reads or writes (a row spans two or three).
         */
        int touch()
        {
            return state + (int)nextFire + (name == null ? 1 : 0);
        }

        /** @return its progress as it stands. */
        TaskProgress progress()
        {
            return new TaskProgress(name, STATES[state], nextFire, runs, missed, failures, runningFire);
        }

        void define(final StoredTask task)
        {
            this.task = task;
            this.name = task.name();
            final TaskProgress progress = task.progress();
            set((byte)progress.state().ordinal(), progress.nextFire(), progress.runs(), progress.missed(),
                progress.failures(), progress.runningFire());
        }

        void set(final byte state, final long nextFire, final long runs, final long missed, final long failures,
            final long runningFire)
        {
            this.state = state;
            this.nextFire = nextFire;
            this.runs = runs;
            this.missed = missed;
            this.failures = failures;
            this.runningFire = runningFire;
        }

        StoredTask current()
        {
            final TaskProgress stored = task.progress();
            if (stored.state().ordinal() == state && stored.nextFire() == nextFire && stored.runs() == runs &&
                stored.missed() == missed && stored.failures() == failures && stored.runningFire() == runningFire)
            {
                return task;
            }
            task = task.withProgress(progress());
            return task;
        }
    }

    private Row[] held = new Row[16]; // every row held, densely: freeze() walks it, reading rows ahead
    private final RowIndex index = new RowIndex(); // each held row's place in held, by name
    private int heldCount;
    private Row[] bySlot = new Row[0];
    private static final int AHEAD = 32; // rows read ahead of their copy in freeze(Frozen)
    private int touched;                 // kept so that the reads ahead are not optimised away
    private final SlotProgress slots = new SlotProgress();

    /**
     * Loads the rows of a snapshot into an empty state, with room made for them at once (the index never grows).
     *
     * @return {@code snapshot}; a name twice (never written so) leaves the earlier row removed, as an upsert would
     *         replace it.
     */
    Row[] load(final Row[] snapshot)
    {
        if (heldCount != 0)
        {
            throw new IllegalStateException("a snapshot is loaded into an empty state");
        }
        index.clear(snapshot.length);
        held = new Row[Math.max(16, snapshot.length)];
        for (final Row row : snapshot)
        {
            final Row replaced = find(row.name);
            if (replaced != null)
            {
                unhold(replaced);
            }
            hold(row);
        }
        return snapshot;
    }

    void upsert(final StoredTask task)
    {
        fold(); // the entries before it apply to the names held before it
        final Row row = find(task.name());
        if (row == null)
        {
            hold(new Row(task));
        }
        else
        {
            row.define(task);
        }
    }

    /** @return the row removed, or null. */
    Row remove(final String name)
    {
        fold();
        final Row row = find(name);
        if (row != null)
        {
            unhold(row);
        }
        return row;
    }

    private void hold(final Row row)
    {
        if (heldCount == held.length)
        {
            held = Arrays.copyOf(held, heldCount * 2);
        }
        row.index = heldCount;
        held[heldCount++] = row;
        index.add(row.name, row.index);
    }

    /** @return the row held under {@code name}, or null. */
    private Row find(final String name)
    {
        final int place = index.find(name, held);
        return place < 0 ? null : held[place];
    }

    /** Marks {@code row} removed and moves the last held row into its place. */
    private void unhold(final Row row)
    {
        row.removed = true;
        index.remove(row.name, row.index);
        final Row last = held[--heldCount];
        if (last != row)
        {
            index.move(last.name, last.index, row.index);
        }
        held[row.index] = last;
        last.index = row.index;
        held[heldCount] = null;
        row.index = -1;
    }

    /** Progress of a name not held (removed meanwhile, or never stored) is ignored. */
    void progress(final ProgressBatch batch)
    {
        for (int i = 0, size = batch.size(); i < size; i++)
        {
            if (batch.slot(i) >= 0)
            {
                slots.record(batch, i, this); // applied to its row by the next fold
                continue;
            }
            fold(); // in order with the entries recorded by slot
            final Row row = find(batch.name(i));
            if (row != null)
            {
                row.set(batch.stateOrdinal(i), batch.nextFire(i), batch.runs(i), batch.missed(i), batch.failures(i),
                    batch.runningFire(i));
            }
        }
    }

    /** Applies the progress entries recorded by slot to their rows. */
    void fold()
    {
        slots.fold(this);
    }

    /** @return the slot columns, whose packed names the journal's encoder reads. */
    SlotProgress slots()
    {
        return slots;
    }

    /**
     * @return the row that holds {@code name}, or null; found through the slot when it still holds the same name
     *         object, otherwise by name (and then remembered under the slot).
     */
    Row row(final int slot, final String name)
    {
        if (slot < 0)
        {
            return find(name);
        }
        if (slot < bySlot.length)
        {
            final Row cached = bySlot[slot];
            if (cached != null && cached.name == name && !cached.removed)
            {
                return cached;
            }
        }
        else
        {
            bySlot = Arrays.copyOf(bySlot, Math.max(slot + 1, bySlot.length * 2));
        }
        final Row row = find(name);
        bySlot[slot] = row;
        return row;
    }

    /** @return a field of the row remembered under {@code slot}, if any, read only to bring the row into cache. */
    int touch(final int slot)
    {
        final Row row = slot < bySlot.length ? bySlot[slot] : null;
        return row == null ? 0 : row.touch();
    }

    /**
     * @return every task held, with all progress applied, copied into columns that later changes of the state do not
     *         touch, so that another thread may write them to a snapshot: definitions are immutable, progress is
     *         copied; into {@code spare} (a frozen copy no longer read, or null) when it has room: a snapshot every few
     * batches of a million tasks would otherwise allocate 45 MB of columns each time. A spare keeps the definitions it
     * held past the new size until it is frozen into again.
     */
    Frozen freeze(final Frozen spare)
    {
        fold();
        final int count = heldCount;
        final Frozen frozen = spare != null && spare.tasks.length >= count ? spare.clear() :
            new Frozen(count + count / 8);
        final Row[] held = this.held;
        int touched = 0;
        for (int i = 0; i < Math.min(AHEAD, count); i++) // a stretch ahead: the rows' misses overlap
        {
            touched += held[i].touch();
        }
        for (int i = 0; i < count; i++)
        {
            if (i + AHEAD < count)
            {
                touched += held[i + AHEAD].touch();
            }
            final Row row = held[i];
            frozen.add(row.task, row.state, row.nextFire, row.runs, row.missed, row.failures, row.runningFire);
        }
        this.touched = touched;
        return frozen;
    }

    /** Not thread safe, but immutable once filled by {@link #freeze(Frozen)}: the tasks of a state at one point. */
    static final class Frozen
    {
        final StoredTask[] tasks;
        final byte[] states;
        final long[] nextFires;
        final long[] runs;
        final long[] missed;
        final long[] failures;
        final long[] runningFires;
        int size;

        Frozen(final int capacity)
        {
            tasks = new StoredTask[capacity];
            states = new byte[capacity];
            nextFires = new long[capacity];
            runs = new long[capacity];
            missed = new long[capacity];
            failures = new long[capacity];
            runningFires = new long[capacity];
        }

        private Frozen clear()
        {
            size = 0;
            return this;
        }

        private void add(final StoredTask task, final byte state, final long nextFire, final long runs,
            final long missed, final long failures, final long runningFire)
        {
            final int i = size++;
            tasks[i] = task;
            states[i] = state;
            nextFires[i] = nextFire;
            this.runs[i] = runs;
            this.missed[i] = missed;
            this.failures[i] = failures;
            runningFires[i] = runningFire;
        }
    }

    /** @return the number of tasks held; read by the writer even while a snapshot thread freezes the state. */
    int size()
    {
        return heldCount;
    }

    List<StoredTask> tasks()
    {
        fold();
        final List<StoredTask> all = new ArrayList<>(heldCount);
        for (int i = 0; i < heldCount; i++)
        {
            all.add(held[i].current());
        }
        return all;
    }
}
