package orchestrator.benchmarks.timers;

import java.util.Date;
import java.util.List;

import org.quartz.Job;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.JobPersistenceException;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.JobDetailImpl;
import org.quartz.impl.triggers.SimpleTriggerImpl;
import org.quartz.simpl.RAMJobStore;
import org.quartz.spi.OperableTrigger;
import org.quartz.spi.SchedulerSignaler;
import org.quartz.spi.TriggerFiredResult;

/**
 * NOT thread safe (the adapter; the store itself is): Quartz's in-memory {@link RAMJobStore} driven directly, as
 * Quartz's scheduler thread drives it, minus the thread pool. Each timer is what a Quartz user registers for a named
 * task: a job (named, sharing one {@link Job} class) with a one-shot {@link SimpleTriggerImpl}.
 * <ul>
 * <li>schedule: {@code storeJobAndTrigger}, after {@code computeFirstFireTime} as {@code QuartzScheduler.scheduleJob}
 * does;</li>
 * <li>cancel: {@code removeTrigger} (the scheduler's {@code unscheduleJob}), which also drops the orphaned job;</li>
 * <li>collect: {@code acquireNextTriggers}, {@code triggersFired}, then {@code triggeredJobComplete} with
 * {@code DELETE_TRIGGER} for each fired trigger.</li>
 * </ul>
 * Caveats: the store checks misfires against the system clock, so the virtual clock starts in the year 2100, where
 * nothing counts as misfired. Trigger acquisition uses batches of up to {@link #ACQUIRE_BATCH}; Quartz's own default
 * is 1, which would cost more.
 */
final class QuartzRamJobStore implements TimerStructure
{
    /** 2100-01-01T00:00:00Z in epoch ms. */
    static final long START_MS = 4_102_444_800_000L;
    static final int ACQUIRE_BATCH = 1024;

    private final RAMJobStore store = new RAMJobStore();
    private final HandleTable<TriggerKey> handles = new HandleTable<>(1024);
    private long sequence;

    QuartzRamJobStore()
    {
        store.initialize(null, new NoopSignaler());
    }

    @Override
    public long schedule(final long deadlineMs)
    {
        final String name = Long.toString(sequence++);
        final JobDetailImpl job = new JobDetailImpl();
        job.setKey(new JobKey(name));
        job.setJobClass(NoopJob.class);
        final SimpleTriggerImpl trigger = new SimpleTriggerImpl();
        final TriggerKey key = new TriggerKey(name);
        trigger.setKey(key);
        trigger.setJobKey(job.getKey());
        trigger.setStartTime(new Date(START_MS + deadlineMs));
        trigger.computeFirstFireTime(null);
        try
        {
            store.storeJobAndTrigger(job, trigger);
        }
        catch (final JobPersistenceException ex)
        {
            throw new IllegalStateException(ex);
        }
        return handles.add(key);
    }

    @Override
    public long adapterBytes()
    {
        return handles.retainedBytes(References.BYTES);
    }

    @Override
    public boolean cancel(final long handle)
    {
        final TriggerKey key = handles.remove(handle);
        return key != null && store.removeTrigger(key);
    }

    @Override
    public void expired(final long handle)
    {
        handles.remove(handle);
    }

    @Override
    public int collect(final long nowMs)
    {
        final long now = START_MS + nowMs;
        int expired = 0;
        while (true)
        {
            final List<OperableTrigger> acquired = store.acquireNextTriggers(now, ACQUIRE_BATCH, 0);
            if (acquired.isEmpty())
            {
                return expired;
            }
            final List<TriggerFiredResult> fired = store.triggersFired(acquired);
            for (final TriggerFiredResult result : fired)
            {
                final OperableTrigger trigger = result.getTriggerFiredBundle().getTrigger();
                final JobDetail job = result.getTriggerFiredBundle().getJobDetail();
                store.triggeredJobComplete(trigger, job, Trigger.CompletedExecutionInstruction.DELETE_TRIGGER);
                expired++;
            }
        }
    }

    /**
     * The callback every job shares.
     */
    public static final class NoopJob implements Job
    {
        @Override
        public void execute(final JobExecutionContext context)
        {
        }
    }

    private static final class NoopSignaler implements SchedulerSignaler
    {
        @Override
        public void notifyTriggerListenersMisfired(final Trigger trigger)
        {
        }

        @Override
        public void notifySchedulerListenersFinalized(final Trigger trigger)
        {
        }

        @Override
        public void notifySchedulerListenersJobDeleted(final JobKey jobKey)
        {
        }

        @Override
        public void signalSchedulingChange(final long candidateNewNextFireTime)
        {
        }

        @Override
        public void notifySchedulerListenersError(final String message, final SchedulerException jpe)
        {
        }
    }
}
