package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * NOT thread safe: the tasks a store holds, by name; the in-memory store guards it with its lock, the journal
 * confines it to recovery and then to its writer thread. Recovery replays the log into it with the same three
 * operations the writer applies, so replay and live writes cannot disagree.
 * <p>
 * A task is a {@link Row}: its stored definition and its progress in fields updated in place, so a progress entry
 * allocates nothing. An entry that carries the engine's slot finds its row through {@code bySlot} without hashing
 * the name; the slot is only trusted when the row found there holds the very same name object and is still held.
 */
final class StoreState
{
    private static final TaskState[] STATES = TaskState.values();

    static final class Row
    {
        /** The most characters of a name kept in {@link #name0} and {@link #name1}. */
        static final int PACKED_NAME = 16;

        StoredTask task; // the definition; its progress is stale once an entry was applied
        String name;     // the name object of the last upsert, which the engine's entries carry
        long name0;      // an ASCII name of up to 16 characters, one byte each, little-endian: the journal writer
        long name1;      // encodes it from the row it touches anyway, without reading the name's String
        int packedLength; // the packed name's length, or -1 when the name is longer or not ASCII
        byte state;
        long nextFire;
        long runs;
        long missed;
        long failures;
        long runningFire;
        boolean removed;

        Row(final StoredTask task)
        {
            define(task);
        }

        void define(final StoredTask task)
        {
            this.task = task;
            this.name = task.name();
            pack(name);
            final TaskProgress progress = task.progress();
            set((byte)progress.state().ordinal(), progress.nextFire(), progress.runs(), progress.missed(),
                progress.failures(), progress.runningFire());
        }

        private void pack(final String value)
        {
            final int length = value.length();
            long lo = 0;
            long hi = 0;
            for (int i = 0; i < length && i < PACKED_NAME; i++)
            {
                final long c = value.charAt(i);
                if (c >= 0x80)
                {
                    packedLength = -1;
                    return;
                }
                if (i < Long.BYTES)
                {
                    lo |= c << (i << 3);
                }
                else
                {
                    hi |= c << ((i - Long.BYTES) << 3);
                }
            }
            name0 = lo;
            name1 = hi;
            packedLength = length <= PACKED_NAME ? length : -1;
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
            task = task.withProgress(new TaskProgress(name, STATES[state], nextFire, runs, missed, failures,
                runningFire));
            return task;
        }
    }

    private final Map<String, Row> tasks = new HashMap<>();
    private Row[] bySlot = new Row[0];

    void upsert(final StoredTask task)
    {
        final Row row = tasks.get(task.name());
        if (row == null)
        {
            tasks.put(task.name(), new Row(task));
        }
        else
        {
            row.define(task);
        }
    }

    void remove(final String name)
    {
        final Row row = tasks.remove(name);
        if (row != null)
        {
            row.removed = true;
        }
    }

    /** Progress of a name not held (removed meanwhile, or never stored) is ignored. */
    void progress(final ProgressBatch batch)
    {
        for (int i = 0, size = batch.size(); i < size; i++)
        {
            apply(batch, i, row(batch.slot(i), batch.name(i)));
        }
    }

    /**
     * As {@link #progress(ProgressBatch)}, with the rows {@link #resolve} found: a row that is gone since (or was
     * missing then: an upsert applied since may have stored the name) is looked up again.
     */
    void progress(final ProgressBatch batch, final Row[] rows)
    {
        for (int i = 0, size = batch.size(); i < size; i++)
        {
            final Row found = rows[i];
            apply(batch, i, found == null || found.removed ? row(batch.slot(i), batch.name(i)) : found);
            rows[i] = null;
        }
    }

    /**
     * @param rows where to put each entry's row (or null), at least {@code batch.size()} long, or too short.
     * @return {@code rows}, or a longer array when it was too short.
     */
    Row[] resolve(final ProgressBatch batch, final Row[] rows)
    {
        final int size = batch.size();
        final Row[] out = rows.length >= size ? rows : new Row[Math.max(size, rows.length * 2)];
        for (int i = 0; i < size; i++)
        {
            out[i] = row(batch.slot(i), batch.name(i));
        }
        return out;
    }

    private static void apply(final ProgressBatch batch, final int i, final Row row)
    {
        if (row != null)
        {
            row.set(batch.stateOrdinal(i), batch.nextFire(i), batch.runs(i), batch.missed(i), batch.failures(i),
                batch.runningFire(i));
        }
    }

    /**
     * @return the row that holds {@code name}, or null; found through the slot when it still holds the same name
     *         object, otherwise by name (and then remembered under the slot).
     */
    Row row(final int slot, final String name)
    {
        if (slot < 0)
        {
            return tasks.get(name);
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
        final Row row = tasks.get(name);
        bySlot[slot] = row;
        return row;
    }

    /** @return every row held; not to be modified. */
    Collection<Row> rows()
    {
        return tasks.values();
    }

    int size()
    {
        return tasks.size();
    }

    List<StoredTask> tasks()
    {
        final List<StoredTask> all = new ArrayList<>(tasks.size());
        for (final Row row : tasks.values())
        {
            all.add(row.current());
        }
        return all;
    }
}
