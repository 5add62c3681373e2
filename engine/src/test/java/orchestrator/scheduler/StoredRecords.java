package orchestrator.scheduler;

import orchestrator.scheduler.vault.SealedRecord;

/**
 * Thread safe (each call takes the registry's lock): the stored payloads of a scheduler's live handler tasks, read
 * and replaced as an attacker with write access to the store would.
 */
final class StoredRecords
{
    private StoredRecords()
    {
    }

    static Payload payload(final Scheduler scheduler, final String name)
    {
        final TaskRegistry registry = scheduler.registry();
        registry.lock.lock();
        try
        {
            return registry.table.rare.payload(registry.table.idOf(name));
        }
        finally
        {
            registry.lock.unlock();
        }
    }

    static SealedRecord record(final Scheduler scheduler, final String name)
    {
        return payload(scheduler, name).record();
    }

    static void replace(final Scheduler scheduler, final String name, final SealedRecord record)
    {
        final TaskRegistry registry = scheduler.registry();
        registry.lock.lock();
        try
        {
            final int id = registry.table.idOf(name);
            final Payload old = registry.table.rare.payload(id);
            registry.table.rare.payload(id, new Payload(record, old.recordId(), old.version()));
        }
        finally
        {
            registry.lock.unlock();
        }
    }
}
