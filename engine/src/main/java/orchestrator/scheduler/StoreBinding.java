package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterStore;
import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.Aead;
import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.KeyProvider;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Thread safe: every method may be called from any thread once {@link #attach} has run in the scheduler's
 * constructor. Where a scheduler's tasks are kept, and each step of the public API that depends on it: nothing more on
 * the in-memory store; write-through to a durable store ({@link TaskDurability}); on a shared store, this node's part
 * in the cluster ({@link ClusterNode}, {@link ClusterTasks}).
 * <p>
 * Caveats: opened in two steps, because the registry needs what the store says first: the stored tasks' key id (for
 * the vault) and, on a cluster, the clock corrected to the database's; {@link #attach} then restores the stored
 * tasks into the registry, or starts the node's cluster thread.
 */
final class StoreBinding
{
    private final TaskStore store;          // null: TaskStore.inMemory()
    private final List<StoredTask> stored;  // what the durable store held at open; empty otherwise
    final ClusterNode cluster;              // null when the store is not shared
    final Clock clock;                      // the builder's clock; on a cluster, corrected to the database's
    // set once by attach, in the scheduler's constructor: published with the scheduler's final fields
    private TaskRegistry registry;
    private ZoneId zone;
    private TaskDurability durability;      // null on the in-memory store and on a cluster: nothing is written
    private final AtomicBoolean closed = new AtomicBoolean(); // the store is closed once
    private static final Duration STORE_CLOSE_WAIT = Duration.ofSeconds(30);
    private static final long CLUSTER_CLOSE_WAIT_MS = 10_000;

    /**
     * Opens a durable store (reading its tasks) or joins the cluster of a shared one.
     */
    StoreBinding(final Scheduler.Builder builder)
    {
        final boolean durable = builder.store != null && builder.store.isDurable();
        this.stored = durable ? builder.store.open() : List.of(); // before the vault: its key id
        final ClusterStore shared = builder.store != null ? builder.store.cluster() : null;
        if (shared != null)
        {
            final ClusterClock corrected = new ClusterClock(builder.clock);
            this.cluster = new ClusterNode(builder.nodeId(), shared, corrected,
                Math.max(0, Math.min(builder.misfireThreshold.toMillis(), Long.MAX_VALUE / 4)));
            try
            {
                this.cluster.join(); // the clock is corrected to the database's before the wheel reads it
            }
            catch (final RuntimeException | Error ex)
            {
                try
                {
                    shared.close();
                    builder.store.close(); // opened above: a later build may open it again
                }
                catch (final RuntimeException | Error closing)
                {
                    ex.addSuppressed(closing);
                }
                throw ex;
            }
            this.clock = corrected;
        }
        else
        {
            this.cluster = null;
            this.clock = builder.clock;
        }
        this.store = durable || shared != null ? builder.store : null;
    }

    /**
     * Refuses a durable store with a key that lives only in this process.
     *
     * @param store       the builder's store; null for the in-memory one.
     * @param keyProvider the builder's key; null for the default, {@link KeyProvider#random()}.
     * @throws IllegalStateException when the store is durable and the key is ephemeral: its records could not be
     *                               opened after a restart.
     */
    static void requireLastingKey(final TaskStore store, final KeyProvider keyProvider)
    {
        if (store != null && store.isDurable())
        {
            if (keyProvider == null || keyProvider.isEphemeral())
            {
                throw new IllegalStateException("a durable task store (" + store + ") needs a key that outlives " +
                    "the process, but the key is " + (keyProvider == null ? "the default " : "") + "KeyProvider" +
                    ".random(): its records could not be opened after a restart. Pass keyProvider(" +
                    "KeyProvider.fromKeyStore(...)) or keyProvider(KeyProvider.ofBytes(...))");
            }
        }
    }

    /** @return a vault sealing under {@code key} that opens the stored records: see {@link StoredForms#vault}. */
    CallbackVault vault(final KeyProvider key, final Aead aead)
    {
        return StoredForms.vault(stored, key, aead, store);
    }

    /**
     * Binds the registry: starts the cluster thread, or restores the stored tasks of a durable store.
     */
    void attach(final TaskRegistry registry, final ZoneId zone)
    {
        this.registry = registry;
        this.zone = zone;
        this.durability = store != null && cluster == null ? new TaskDurability(store, registry, zone) : null;
        if (cluster != null)
        {
            cluster.start(registry);
        }
        if (durability != null)
        {
            durability.restore(stored);
        }
    }

    void register(final String name, final TaskDefinition definition, final long onceAt, final byte[] payload)
    {
        checkStorable("task name", name);
        if (cluster != null)
        {
            StoredNames.requireClusterKey("task name", name);
            registry.register(name, definition, onceAt, payload);
            cluster.claims.forgetRescheduled(name);
            ClusterTasks.register(registry, store.cluster(), zone, name, null);
            cluster.registered(name);
        }
        else if (durability == null)
        {
            registry.register(name, definition, onceAt, payload);
        }
        else
        {
            durability.register(name, definition, onceAt, payload);
        }
    }

    /**
     * Stores a task's new state (pause, resume, reschedule) on a durable store.
     */
    void changed(final String name)
    {
        if (durability != null)
        {
            durability.changed(name);
        }
    }

    /**
     * Gives a task its new schedule ({@code replace}) and stores it: on a durable store as any change; on a cluster
     * node in the shared row ({@link ClusterTasks#reschedule}).
     *
     * @return what {@code replace} returned: true when the task was rescheduled.
     * @throws orchestrator.scheduler.store.TaskStoreException when the store failed to write it.
     */
    boolean reschedule(final String name, final BooleanSupplier replace)
    {
        if (cluster != null)
        {
            return ClusterTasks.reschedule(registry, cluster.claims, store.cluster(), zone, name, replace);
        }
        final boolean rescheduled = replace.getAsBoolean();
        if (rescheduled)
        {
            changed(name);
        }
        return rescheduled;
    }

    /**
     * Refuses a task or handler name that a durable or shared store could not keep exactly
     * ({@link StoredNames#requireWellFormed}).
     *
     * @param what "task name" or "handler name", for the message.
     * @throws IllegalArgumentException naming the surrogate and its index.
     */
    void checkStorable(final String what, final String name)
    {
        if (durability != null || cluster != null)
        {
            StoredNames.requireWellFormed(what, name);
        }
    }

    /** @throws IllegalStateException in production mode, see {@link TaskDurability#requireSealed}. */
    void requireSealedWaiting(final String handler)
    {
        if (durability != null && !registry.resealer.isTestMode())
        {
            durability.requireSealed(handler);
        }
    }

    void onHandler(final String handler)
    {
        if (durability != null)
        {
            durability.onHandler(handler); // the stored tasks that waited for it start
        }
    }

    /**
     * @throws IllegalStateException on a durable store while restored tasks wait for their handler: their stored
     *                               records could not be re-sealed.
     */
    void requireNoneWaiting(final String call)
    {
        if (durability != null)
        {
            durability.requireNoneWaiting(call);
        }
    }

    /**
     * @throws IllegalStateException on a durable store while restored tasks whose stored records are sealed wait for
     *                               their handler: a switch to test mode, which keeps plain records opening, would
     *                               retire their key.
     */
    void requireNoneSealedWaiting(final String call)
    {
        if (durability != null)
        {
            durability.requireNoneWaiting(call, true);
        }
    }

    void resealed()
    {
        if (durability != null)
        {
            durability.resealed();
        }
    }

    boolean cancel(final String name)
    {
        if (cluster != null)
        {
            cluster.cancelled(name); // this node stops claiming it; the shared row stays for the other nodes
            cluster.claims.forgetRescheduled(name);
        }
        return durability == null ? registry.cancel(name) : durability.cancel(name);
    }

    /**
     * Tells a cluster node that the scheduler fires: it claims from then on.
     */
    void firing()
    {
        if (cluster != null)
        {
            cluster.firing();
        }
    }

    Optional<TaskInfo> task(final String name)
    {
        final Optional<TaskInfo> task = registry.reads.task(name);
        return task.isPresent() || durability == null ? task : durability.waitingTask(name);
    }

    /**
     * @return the stored next fire of a restored task that waits for its handler, as {@link #task} shows it; empty
     *         for any other name.
     */
    Optional<Instant> waitingNextFire(final String name)
    {
        return durability == null ? Optional.empty() : durability.waitingTask(name).flatMap(TaskInfo::nextFire);
    }

    /**
     * @return the tasks waiting for their handler, then the registry's; a task whose handler arrived after the
     *         waiting ones were read is listed once, from the registry.
     */
    List<TaskInfo> tasks()
    {
        if (durability != null)
        {
            final List<TaskInfo> waiting = durability.waitingTasks();
            final List<TaskInfo> registered = registry.reads.snapshot();
            if (waiting.isEmpty())
            {
                return registered;
            }
            final Set<String> names = new HashSet<>();
            registered.forEach(task -> names.add(task.name()));
            final List<TaskInfo> all = new ArrayList<>(waiting.size() + registered.size());
            waiting.stream().filter(task -> !names.contains(task.name())).forEach(all::add);
            all.addAll(registered);
            return List.copyOf(all);
        }
        return registry.reads.snapshot();
    }

    Optional<String> failure()
    {
        final Throwable failure = durability == null ? null : registry.progress.failure();
        return failure == null ? Optional.empty() : Optional.of(failure + "; progress batches not written: " +
            registry.progress.failedBatches());
    }

    long rejectedCompletions()
    {
        return cluster == null ? 0 : cluster.rejectedCompletions();
    }

    long timesFenced()
    {
        return cluster == null ? 0 : cluster.timesFenced();
    }

    /**
     * Once: writes the last progress, then forces and releases a durable store; or releases the unstarted claims,
     * writes the last completions and closes a shared store.
     */
    void close()
    {
        close(STORE_CLOSE_WAIT);
    }

    /**
     * Closes the store, waiting at most {@code timeout} (and at most 30 s) for a durable store's last writes, or at
     * most {@code timeout} (and at most 10 s) for a cluster node's.
     *
     * @return false when a durable store's writer did not stop in time (it releases the store when it does), or a
     *         cluster node's thread did not.
     */
    boolean close(final Duration timeout)
    {
        if (!closed.compareAndSet(false, true))
        {
            return closeAgain(timeout);
        }
        if (durability != null)
        {
            // the last progress, then the store is forced and released
            return durability.close(timeout.compareTo(STORE_CLOSE_WAIT) < 0 ? timeout : STORE_CLOSE_WAIT);
        }
        else if (cluster != null)
        {
            // unstarted claims released, the last completions written, the lease ended
            final boolean stopped = cluster.close(Math.min(timeout.toMillis(), CLUSTER_CLOSE_WAIT_MS));
            store.close();
            return stopped;
        }
        else if (store != null)
        {
            store.close(); // opened, but the scheduler's construction failed before it was bound
        }
        return true;
    }

    /**
     * A close after the first: waits again, within {@code timeout}, for what the first did not see stop (a journal's
     * writer, a cluster node's thread).
     *
     * @return true when it has stopped.
     */
    private boolean closeAgain(final Duration timeout)
    {
        if (durability != null)
        {
            return store.close(timeout.compareTo(STORE_CLOSE_WAIT) < 0 ? timeout : STORE_CLOSE_WAIT);
        }
        return cluster == null || cluster.close(Math.min(timeout.toMillis(), CLUSTER_CLOSE_WAIT_MS));
    }

    /**
     * Closes what the constructor opened when the scheduler's construction fails after it, so that the journal's
     * lock and writer thread do not outlive the failed build; a failure to close is added to {@code failure}.
     */
    void abandon(final Throwable failure)
    {
        try
        {
            close();
        }
        catch (final RuntimeException | Error ex)
        {
            failure.addSuppressed(ex);
        }
    }
}
