package orchestrator.scheduler;

import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.RecordLease;
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
 * between the scheduler and the {@link CallbackVault}: named handlers, sealing at registration, leasing at
 * collection, opening just before the handler runs, and re-sealing every stored record on key rotation or a switch
 * of mode.
 */
final class SealedCallbacks
{
    /*
     * The vault's protocol (see CallbackVault): records are sealed and replaced under the registry lock; a record is
     * leased under that lock in phase 1 and opened on the thread that runs it; a rotation re-seals every stored record
     * between beginRotation and finishRotation without releasing the lock. A lease pins the key its record was
     * sealed under, so a fire collected before a rotation still opens after it: no fire is lost or run twice.
     *
     * Each re-seal moves the record to the next version; the version is part of the associated data, so a copy of
     * an older record put back in place of the current one fails to open.
     */
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    private final ConcurrentHashMap<String, Consumer<byte[]>> handlers = new ConcurrentHashMap<>();
    private final CallbackVault vault;
    private final KeyProvider productionKey; // the key production mode returns to after test mode
    private final BiConsumer<Task, byte[]> runHandler = this::runHandler;

    SealedCallbacks(final KeyProvider productionKey)
    {
        this.productionKey = productionKey;
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
    void lease(final Task task)
    {
        task.lease = vault.lease(task.record, task.id, task.name, task.recordVersion);
    }

    /** Any thread, for a lease taken in phase 1 whose fire will not run. */
    static void release(final Task task)
    {
        final RecordLease lease = task.lease;
        if (lease != null)
        {
            task.lease = null;
            lease.release();
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
        final RecordLease lease = task.lease;
        task.lease = null;
        task.ranThisFire = 0;
        try
        {
            lease.runOpened(runHandler, task);
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
        try
        {
            for (final Task task : tasks)
            {
                if (task.record != null)
                {
                    final long version = task.recordVersion;
                    final SealedRecord[] resealed = new SealedRecord[1];
                    vault.withOpened(task.record, task.id, task.name, version,
                        plain -> resealed[0] = vault.seal(task.id, task.name, version + 1, plain));
                    task.record = resealed[0];
                    task.recordVersion = version + 1;
                }
            }
        }
        finally
        {
            vault.finishRotation();
        }
    }

    /** Under the registry lock. */
    void setTestMode(final Collection<Task> tasks, final boolean testMode)
    {
        if (testMode != vault.isTestMode())
        {
            reseal(tasks, testMode ? null : productionKey);
        }
    }

    void close()
    {
        vault.close();
    }
}
