package orchestrator.scheduler;

import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.RecordOpenException;

import java.util.concurrent.locks.ReentrantLock;

import static java.lang.System.Logger.Level.ERROR;

/**
 * Thread safe: one rotation or mode switch runs at a time, concurrently with fires and registrations. Re-seals every
 * stored payload for a key rotation or a switch of test mode, {@link #RESEAL_CHUNK} tasks at a time, so no lock hold
 * grows with the number of tasks or the size of their payloads.
 */
final class Resealer
{
    static final int RESEAL_CHUNK = 256;

    private final TaskRegistry registry;
    private final ReentrantLock resealLock = new ReentrantLock();
    private volatile boolean testMode;

    Resealer(final TaskRegistry registry)
    {
        this.registry = registry;
    }

    boolean isTestMode()
    {
        return testMode;
    }

    void setTestMode(final boolean enabled)
    {
        resealLock.lock();
        try
        {
            completeStopped();
            if (enabled != testMode)
            {
                reseal(enabled ? Reseal.PLAIN : Reseal.SEALED, null);
            }
        }
        finally
        {
            resealLock.unlock();
        }
    }

    void rotateKey(final KeyProvider next)
    {
        resealLock.lock();
        try
        {
            if (testMode)
            {
                throw new IllegalStateException("test mode stores payloads in plain form: there is no key to rotate");
            }
            completeStopped();
            reseal(Reseal.ROTATE, next);
        }
        finally
        {
            resealLock.unlock();
        }
    }

    private enum Reseal
    {
        ROTATE, PLAIN, SEALED
    }

    /**
     * Completes a pass an earlier throwable stopped (resealLock held): its old keys, kept openable until now, are
     * retired once every record is re-sealed.
     */
    private void completeStopped()
    {
        if (registry.vault.isRotating())
        {
            resealAll();
            finish();
        }
    }

    /**
     * Begins a rotation or a mode switch, re-seals every stored payload, then finishes it (resealLock held). The mode
     * {@link #isTestMode} reports is switched once the switch began (the vault's, which a close does not keep). A
     * throwable from the pass leaves the vault rotating, so every record still opens: the old keys are retired only
     * after a complete pass, by this one or by the next call's {@link #completeStopped}.
     */
    private void reseal(final Reseal kind, final KeyProvider next)
    {
        registry.lock.lock();
        try
        {
            registry.cycle.drainCompletions();
            switch (kind)
            {
                case ROTATE: registry.vault.beginRotation(next); break;
                case PLAIN: registry.vault.beginPlainMode(); break;
                default: registry.vault.beginSealedMode(); break;
            }
            // switched once the pass began, even if it then throws; a close before the begin keeps the mode it had
            testMode = kind == Reseal.ROTATE ? testMode : kind == Reseal.PLAIN;
            registry.sealEpoch++;
        }
        finally
        {
            registry.lock.unlock();
        }
        resealAll();
        finish();
    }

    /**
     * Re-seals every stored payload in the current form, {@link #RESEAL_CHUNK} tasks at a time: the payloads of a
     * chunk are read under the lock, re-sealed without it, and put back under it unless the task changed meanwhile.
     * Fires collected before the switch hold a pin on the key their record was sealed under.
     */
    private void resealAll()
    {
        final int[] ids = new int[RESEAL_CHUNK];
        final Payload[] payloads = new Payload[RESEAL_CHUNK];
        final String[] names = new String[RESEAL_CHUNK];
        int from = 0;
        int end;
        do
        {
            int count = 0;
            registry.lock.lock();
            try
            {
                end = registry.table.highWater();
                final int to = Math.min(end, from + RESEAL_CHUNK);
                for (int id = from; id < to; id++)
                {
                    if (registry.table.rare.payload(id) != null && registry.table.isLive(id))
                    {
                        ids[count] = id;
                        payloads[count] = registry.table.rare.payload(id);
                        names[count++] = registry.table.names[id];
                    }
                }
                from = to;
            }
            finally
            {
                registry.lock.unlock();
            }
            final Payload[] resealed = new Payload[count];
            final String[] failures = new String[count];
            for (int i = 0; i < count; i++)
            {
                final Payload old = payloads[i];
                try
                {
                    resealed[i] = new Payload(registry.vault.reseal(old.record(), old.recordId(), names[i],
                        old.version()), old.recordId(), old.version() + 1);
                }
                catch (final RecordOpenException ex) // this task fails, as at a fire; the others go on
                {
                    if (registry.vault.isClosed()) // the scheduler closed meanwhile: its keys are gone, no fault
                    {
                        throw new IllegalStateException("scheduler is closed: the re-seal pass stopped");
                    }
                    failures[i] = "callback record failed to open for a re-seal: " + ex.reason().text();
                }
            }
            registry.lock.lock();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    // unchanged meanwhile, still the same task, and not ended meanwhile (a running task keeps its row)
                    if (registry.table.rare.payload(ids[i]) != payloads[i] || !registry.table.isLive(ids[i]))
                    {
                        continue;
                    }
                    if (resealed[i] != null)
                    {
                        registry.table.rare.payload(ids[i], resealed[i]);
                    }
                    else
                    {
                        fail(ids[i], names[i], failures[i]);
                    }
                }
            }
            finally
            {
                registry.lock.unlock();
            }
        }
        while (from < end);
    }

    private void finish()
    {
        registry.lock.lock();
        try
        {
            registry.vault.finishRotation();
        }
        finally
        {
            registry.lock.unlock();
        }
    }

    /**
     * A task whose record does not open (altered, or under a key no longer held) cannot be re-sealed: it ends FAILED,
     * as it would at its next fire, instead of stopping the pass and leaving the tasks after it under a key the
     * rotation retires (lock held).
     */
    private void fail(final int id, final String name, final String reason)
    {
        CallbackRunner.log(ERROR, "task '" + name + "' is FAILED and will not run again: " + reason, null);
        registry.table.rare.lastError(id, reason);
        registry.finish(id, TaskState.FAILED);
    }

}
