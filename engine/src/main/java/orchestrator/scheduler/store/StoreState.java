package orchestrator.scheduler.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * NOT thread safe: the tasks a store holds, by name; the in-memory store guards it with its lock, the journal
 * confines it to recovery and then to its writer thread. Recovery replays the log into it with the same three
 * operations the writer applies, so replay and live writes cannot disagree.
 */
final class StoreState
{
    private final Map<String, StoredTask> tasks = new HashMap<>();

    void upsert(final StoredTask task)
    {
        tasks.put(task.name(), task);
    }

    void remove(final String name)
    {
        tasks.remove(name);
    }

    /** Progress of a name not held (removed meanwhile, or never stored) is ignored. */
    void progress(final List<TaskProgress> batch)
    {
        for (final TaskProgress progress : batch)
        {
            final StoredTask task = tasks.get(progress.name());
            if (task != null)
            {
                tasks.put(progress.name(), task.withProgress(progress));
            }
        }
    }

    int size()
    {
        return tasks.size();
    }

    List<StoredTask> tasks()
    {
        return new ArrayList<>(tasks.values());
    }
}
