package orchestrator.scheduler;

import orchestrator.scheduler.store.ClusterCompletion;
import orchestrator.scheduler.store.ClusterStore;
import orchestrator.scheduler.store.TaskProgress;

import java.util.ArrayList;
import java.util.List;
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

    ClusterCompletions(final String nodeId, final int maxBatch)
    {
        this.nodeId = nodeId;
        this.maxBatch = maxBatch;
    }

    void add(final long epoch, final ClusterCompletion completion)
    {
        queue.add(new Done(epoch, completion));
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
     * Cluster thread: writes everything queued.
     *
     * @return the earliest next fire among the written completions, or {@link Long#MAX_VALUE}.
     * @throws RuntimeException when the database failed; what was not written stays queued, in order.
     */
    long flush(final ClusterStore store)
    {
        long earliest = Long.MAX_VALUE;
        while (!queue.isEmpty())
        {
            final List<Done> batch = new ArrayList<>();
            final long batchEpoch = queue.peekFirst().epoch();
            for (Done done; batch.size() < maxBatch && (done = queue.peekFirst()) != null && done.epoch() == batchEpoch; )
            {
                batch.add(queue.pollFirst());
            }
            final List<ClusterCompletion> same = new ArrayList<>(batch.size());
            batch.forEach(done -> same.add(done.completion()));
            final int refused;
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
                throw ex;
            }
            if (refused > 0)
            {
                rejected.addAndGet(refused);
                CallbackRunner.log(WARNING, "cluster node '" + nodeId + "': " + refused + " completion(s) " +
                    "rejected: their claims were taken over (fenced)", null);
            }
            for (final ClusterCompletion done : same)
            {
                if (done.nextFire() != TaskProgress.NEVER)
                {
                    earliest = Math.min(earliest, done.nextFire());
                }
            }
        }
        return earliest;
    }
}
