package orchestrator.scheduler;

import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.SealedRecord;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Stateless, so safe to call from any thread that holds what guards the tasks it is given: the checks a call makes
 * against the restored tasks that wait for their handler, whose stored records it could not open or re-seal.
 */
final class WaitingChecks
{
    private WaitingChecks()
    {
    }

    /**
     * @param sealedOnly true for a switch to test mode, which keeps plain records opening: only the waiting tasks
     *                   whose stored record is sealed (under a key the switch retires) stand in its way.
     * @throws IllegalStateException naming the handlers when such restored tasks still wait for them.
     */
    static void requireNone(final String call, final boolean sealedOnly, final Collection<StoredTask> waiting)
    {
        int count = 0;
        final Set<String> handlers = new TreeSet<>();
        for (final StoredTask task : waiting)
        {
            if (!sealedOnly || task.payload() == null || SealedRecord.keyIdOf(task.payload()) != -1)
            {
                count++;
                handlers.add(task.handler());
            }
        }
        if (count > 0)
        {
            throw new IllegalStateException(call + " refused: " + count + " restored task(s) wait for " +
                "handler(s) " + handlers + "; their stored records could not be re-sealed. Register the " +
                "handlers (or cancel the tasks) first");
        }
    }

    /**
     * For production mode, which opens no plain record: a handler whose waiting tasks were stored in test mode would
     * start them only to fail each at its first fire.
     *
     * @throws IllegalStateException naming the store and a task when a task waiting for {@code handler} holds a plain
     *                               (test-mode) record.
     */
    static void requireSealed(final String handler, final Collection<StoredTask> waiting, final TaskStore store)
    {
        for (final StoredTask task : waiting)
        {
            if (handler.equals(task.handler()) && task.payload() != null &&
                SealedRecord.keyIdOf(task.payload()) == -1)
            {
                throw new IllegalStateException("registerHandler('" + handler + "') refused: task '" + task.name() +
                    "' restored from " + store + " holds a plain record written in test mode, which production " +
                    "mode does not open. Call setTestMode(true) first (or cancel the task)");
            }
        }
    }
}
