package orchestrator.scheduler;

import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.RecordOpenException;
import orchestrator.scheduler.vault.SealedRecord;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe where each method says so; the record-changing methods run under the registry's lock. The seam
 * between the scheduler and the {@link CallbackVault}: named handlers, sealing at registration, pinning at
 * collection, opening just before the handler runs, and re-sealing every stored record on key rotation or a switch
 * of mode.
 */
final class SealedCallbacks
{
    /*
     * The vault's protocol (see CallbackVault): records are sealed and replaced under the registry lock; a record is
     * pinned under that lock in phase 1 (the task keeps the record, its version and the token) and opened on the
     * thread that runs it; a rotation re-seals every stored record between beginRotation and finishRotation without
     * releasing the lock. A pin holds the key its record was sealed under, so a fire collected before a rotation
     * still opens after it: no fire is lost or run twice.
     *
     * Each re-seal moves the record to the next version; the version is part of the associated data, so a copy of
     * an older record put back in place of the current one fails to open.
     */
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    private final ConcurrentHashMap<String, Consumer<byte[]>> handlers = new ConcurrentHashMap<>();
    private final CallbackVault vault;
    private final BiConsumer<Task, byte[]> runHandler = this::runHandler;

    SealedCallbacks(final KeyProvider productionKey)
    {
        this.vault = CallbackVault.production(productionKey);
    }

    /** Any thread. */
    void registerHandler(final String name, final Consumer<byte[]> handler)
    {
        if (handlers.putIfAbsent(name, handler) != null)
        {
            throw new IllegalArgumentException("a handler named '" + name + "' is already registered");
        }
    }

    /** Any thread. */
    void requireHandler(final String name)
    {
        if (!handlers.containsKey(name))
        {
            throw new IllegalArgumentException("no handler named '" + name + "' is registered; call registerHandler first");
        }
    }

    /** Under the registry lock. */
    SealedRecord seal(final Task task, final byte[] payload)
    {
        return vault.seal(task.id, task.name, task.recordVersion, payload);
    }

    /** Under the registry lock, in phase 1. */
    void pin(final Task task)
    {
        task.pinToken = vault.pin(task.record);
        task.pinnedVersion = task.recordVersion;
        task.pinnedRecord = task.record;
    }

    /** Any thread, for a pin taken in phase 1 whose fire will not run. */
    void release(final Task task)
    {
        if (task.pinnedRecord != null)
        {
            task.pinnedRecord = null;
            vault.unpin(task.pinToken);
        }
    }

    /**
     * Phase 2 for a handler task: opens the record, runs the handler {@link Task#pendingRuns} times, wipes the
     * plaintext. Allocates no lambda: {@link #runHandler} is one object for every fire.
     *
     * @return the runs done; a record that fails to open runs nothing and sets {@link Task#openFailure}.
     */
    int run(final Task task)
    {
        final SealedRecord record = task.pinnedRecord;
        task.pinnedRecord = null;
        task.ranThisFire = 0;
        try
        {
            vault.runOpened(record, task.pinToken, task.id, task.name, task.pinnedVersion, runHandler, task);
        }
        catch (final RecordOpenException ex)
        {
            task.openFailure = "callback record failed to open: " + ex.reason().text();
            LOG.log(ERROR, "task ''{0}'' is FAILED and will not run again: {1}", task.name, task.openFailure);
        }
        return task.ranThisFire;
    }

    /** The body of {@link #run}: runs the task's handler on the opened payload, counting runs in the task. */
    private void runHandler(final Task task, final byte[] plain)
    {
        final Consumer<byte[]> handler = handlers.get(task.handler);
        for (int i = task.pendingRuns; i > 0 && !task.cancelled; i--)
        {
            task.ranThisFire++;
            try
            {
                handler.accept(plain);
            }
            catch (final Throwable ex)
            {
                task.failedThisFire++;
                task.lastRunError = ex.toString();
                LOG.log(WARNING, "task '" + task.name + "' threw from its handler; it keeps its schedule", ex);
            }
        }
    }

    /** Under the registry lock. */
    boolean isTestMode()
    {
        return vault.isTestMode();
    }

    /**
     * Re-seals every stored record under a new key, or converts them to the other mode; under the registry lock.
     *
     * @param tasks   every live task.
     * @param nextKey the new key, or null to switch to plain records (test mode).
     */
    void reseal(final Collection<Task> tasks, final KeyProvider nextKey)
    {
        if (nextKey == null)
        {
            vault.beginPlainMode();
        }
        else
        {
            vault.beginRotation(nextKey);
        }
        resealAll(tasks);
    }

    /** Under the registry lock; production mode returns to the latest key (the vault keeps it). */
    void setTestMode(final Collection<Task> tasks, final boolean testMode)
    {
        if (testMode != vault.isTestMode())
        {
            if (testMode)
            {
                vault.beginPlainMode();
            }
            else
            {
                vault.beginSealedMode();
            }
            resealAll(tasks);
        }
    }

    private void resealAll(final Collection<Task> tasks)
    {
        try
        {
            for (final Task task : tasks)
            {
                if (task.record != null)
                {
                    task.record = vault.reseal(task.record, task.id, task.name, task.recordVersion);
                    task.recordVersion++;
                }
            }
        }
        finally
        {
            vault.finishRotation();
        }
    }

    void close()
    {
        vault.close();
    }
}
