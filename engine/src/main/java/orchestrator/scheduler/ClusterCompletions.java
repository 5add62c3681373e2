package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterClaim;
import orchestrator.scheduler.store.ClusterCompletion;
import orchestrator.scheduler.store.ClusterStore;
import orchestrator.scheduler.store.TaskProgress;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Thread safe: any thread queues, the cluster thread alone writes. A node's completions on their way to the shared
 * store, each under the epoch and fence of its claim: written as one batch and one commit per epoch run of the queue,
 * kept in order when the database fails, counted when rejected.
 */
final class ClusterCompletions
{
    private record Done(long epoch, ClusterCompletion completion)
    {
    }

    private final ConcurrentLinkedDeque<Done> queue = new ConcurrentLinkedDeque<>();
    private final AtomicLong rejected = new AtomicLong();
    private final String nodeId;
    private final int maxBatch;
    private volatile long firstQueuedNanos;

    ClusterCompletions(final String nodeId, final int maxBatch)
    {
        this.nodeId = nodeId;
        this.maxBatch = maxBatch;
    }

    /**
     * @return true when the queue was empty: the caller wakes the cluster thread, which waits {@code gatherNanos}
     *         for more before it writes.
     */
    boolean add(final long epoch, final ClusterCompletion completion)
    {
        final boolean first = queue.isEmpty();
        if (first)
        {
            firstQueuedNanos = System.nanoTime(); // racy on purpose: at worst a batch is written a little early
        }
        queue.add(new Done(epoch, completion));
        return first;
    }

    /**
     * @return nanoseconds until the queue should be written: 0 or less when due (the oldest entry waited
     *         {@code gatherNanos}, or the queue holds a full batch), {@link Long#MAX_VALUE} when empty.
     */
    long nanosUntilDue(final long gatherNanos)
    {
        if (queue.isEmpty())
        {
            return Long.MAX_VALUE;
        }
        return queue.size() >= maxBatch ? 0 : firstQueuedNanos + gatherNanos - System.nanoTime();
    }

    /**
     * @param keep whether the node keeps the row for the task's next instant, if it has one.
     * @return the completion of a clustered fire (lock held), under its claim's fence.
     */
    static ClusterCompletion of(final Fire fire, final long now, final boolean keep)
    {
        final ClusterClaims.Held held = fire.claim;
        final TaskDefinition definition = fire.definition;
        // the run's definition is the one it started under: a reschedule meanwhile gave the new schedule's first fire
        final long next = held.rescheduledTo != Long.MIN_VALUE ? held.rescheduledTo : definition.fixedDelay() ?
            definition.delayAfter(fire.finishedAt != Long.MIN_VALUE ? fire.finishedAt : now) : // counts from its end
            held.next != Long.MIN_VALUE ? held.next : definition.nextFireAfter(held.fireAt);
        final boolean over = next == TaskDefinition.NEVER;
        final TaskState state = over ? (fire.failed > 0 ? TaskState.FAILED : TaskState.COMPLETED) : TaskState.SCHEDULED;
        // a run that did not start (its task cancelled, a close gave up) leaves its instant missed: one per run of
        // a fireAll catch-up
        return new ClusterCompletion(held.name, held.fence, state, over ? TaskProgress.NEVER : next, fire.ran,
            held.lateMissed + Math.max(0, fire.runs - fire.ran), fire.failed, 0, !over && keep);
    }

    /**
     * Queues a claim not started back, its row's instant unchanged, for another node or a later claim.
     */
    void release(final ClusterClaims.Held held)
    {
        add(held.epoch, new ClusterCompletion(held.name, held.fence, TaskState.SCHEDULED, held.fireAt, 0, 0, 0, 0));
    }

    boolean isEmpty()
    {
        return queue.isEmpty();
    }

    int size()
    {
        return queue.size();
    }

    long rejected()
    {
        return rejected.get();
    }

    /**
     * Thread confined to the cluster thread: told of each completion that kept its row.
     */
    interface Kept
    {
        void kept(long epoch, ClusterCompletion completion);
    }

    /**
     * Cluster thread: writes everything queued. Completions queued under an epoch other than {@code epoch} (the
     * node's now) release their rows instead of keeping them: the node no longer holds them.
     *
     * @param kept told of every completion that applied and kept its row, under the current epoch.
     * @return the earliest next fire among the written completions that released their rows, or
     *         {@link Long#MAX_VALUE}.
     * @throws RuntimeException when the database failed; what was not written stays queued, in order.
     */
    long flush(final ClusterStore store, final long epoch, final Kept kept)
    {
        long earliest = Long.MAX_VALUE;
        while (!queue.isEmpty())
        {
            final List<Done> batch = new ArrayList<>();
            final long batchEpoch = queue.peekFirst().epoch();
            final Set<String> names = new HashSet<>();
            for (Done done; batch.size() < maxBatch && (done = queue.peekFirst()) != null && done.epoch() == batchEpoch &&
                names.add(done.completion().name()); ) // one statement applies one completion per row
            {
                batch.add(queue.pollFirst());
            }
            final List<ClusterCompletion> same = new ArrayList<>(batch.size());
            batch.forEach(done -> same.add(batchEpoch == epoch ? done.completion() : done.completion().released()));
            final List<String> refused;
            try
            {
                refused = store.complete(nodeId, batchEpoch, same);
            }
            catch (final RuntimeException ex)
            {
                for (int i = batch.size() - 1; i >= 0; i--)
                {
                    queue.offerFirst(batch.get(i)); // kept, in order, for the next attempt
                }
                throw ex instanceof ClusterStore.CommitUnknownException ? unanswered(ex, same) : ex;
            }
            if (!refused.isEmpty())
            {
                rejected.addAndGet(refused.size());
                CallbackRunner.log(WARNING, "cluster node '" + nodeId + "': " + refused.size() + " completion(s) " +
                    "rejected: their claims were taken over (fenced)", null);
            }
            final Set<String> refusedNames = refused.isEmpty() ? Set.of() : new HashSet<>(refused);
            for (final ClusterCompletion done : same)
            {
                if (done.keep())
                {
                    if (!refusedNames.contains(done.name()))
                    {
                        kept.kept(batchEpoch, done);
                    }
                }
                else if (done.nextFire() != TaskProgress.NEVER)
                {
                    earliest = Math.min(earliest, done.nextFire());
                }
            }
        }
        return earliest;
    }

    /**
     * A batch whose commit got no answer: if it applied, each completion that kept its row left this node holding
     * the task's next instant, under the fence plus one, without its knowing, as a claim round's rows would be.
     *
     * @return the failure, with those rows as the claims it may have made.
     */
    private static ClusterStore.CommitUnknownException unanswered(final RuntimeException ex,
        final List<ClusterCompletion> batch)
    {
        final List<ClusterClaim> kept = new ArrayList<>();
        for (final ClusterCompletion done : batch)
        {
            if (done.keep())
            {
                kept.add(new ClusterClaim(done.name(), done.nextFire(), done.fence() + 1, null, 0));
            }
        }
        return new ClusterStore.CommitUnknownException(ex.getMessage(), ex.getCause(), kept);
    }
}
