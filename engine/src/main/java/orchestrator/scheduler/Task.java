package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;

import orchestrator.scheduler.vault.SealedRecord;

import java.time.Instant;
import java.util.Optional;

/**
 * Guarded by the registry's lock, except where a field says otherwise: one registered task, which is also its own
 * timer-wheel node and its own dispatch job, so a fire allocates nothing.
 */
final class Task implements Runnable
{
    static final long NEVER = CronSchedule.NEVER;
    static final int NOT_IN_WHEEL = -1;
    static final int IN_EXPIRED_LIST = -2;

    final String name;
    final long id;
    final CronSchedule cron;      // null for a one-time task
    final long onceAt;            // epoch ms of a one-time task's fire
    final Runnable callback;      // null for a handler task
    final String handler;         // null for a Runnable task
    final MisfirePolicy misfire;
    final TaskRegistry registry;

    // timer wheel links, touched only by TimerWheel under the lock
    Task prev;
    Task next;
    int bucket = NOT_IN_WHEEL;
    long deadline = NEVER;

    // guarded by lock
    TaskState state = TaskState.SCHEDULED;
    boolean running;
    int pendingRuns;        // callbacks to run for the fire just claimed: 1, or more under MisfirePolicy.FIRE_ALL
    long runs;
    long missed;
    long failures;
    String lastError;
    SealedRecord record;    // the sealed (or, in test mode, plain) payload of a handler task
    long recordVersion;

    // written by the thread that ran the callback, published to the lock holder by the lock or the completion queue
    int ranThisFire;
    int failedThisFire;
    String lastRunError;
    String openFailure;
    SealedRecord pinnedRecord; // pinned in phase 1 with its version and token, consumed by the thread that runs it
    long pinnedVersion;
    long pinToken;
    boolean inMissBurst;

    // written under the lock, read without it just before the callback starts
    volatile boolean cancelled;

    Task(final String name, final long id, final CronSchedule cron, final long onceAt, final Runnable callback,
        final String handler, final MisfirePolicy misfire, final TaskRegistry registry)
    {
        this.name = name;
        this.id = id;
        this.cron = cron;
        this.onceAt = onceAt;
        this.callback = callback;
        this.handler = handler;
        this.misfire = misfire;
        this.registry = registry;
    }

    /**
     * @param fireTime a fire time of this task in epoch ms.
     * @return the fire after it, or {@link #NEVER}.
     */
    long nextFireAfter(final long fireTime)
    {
        return cron == null ? NEVER : cron.nextAfterEpochMilli(fireTime);
    }

    String scheduleText()
    {
        return cron == null ? Instant.ofEpochMilli(onceAt).toString() : cron.expression();
    }

    boolean isFinished()
    {
        return state == TaskState.COMPLETED || state == TaskState.CANCELLED || state == TaskState.FAILED;
    }

    TaskInfo snapshot()
    {
        final Optional<Instant> nextFire = deadline == NEVER || isFinished() ?
            Optional.empty() : Optional.of(Instant.ofEpochMilli(deadline));
        return new TaskInfo(name, scheduleText(), nextFire, state, runs, missed, failures, Optional.ofNullable(lastError));
    }

    /**
     * Runs one fire on a worker thread: the callback, then the hand-back to the registry.
     */
    @Override
    public void run()
    {
        registry.runCallback(this);
        registry.onWorkerCompletion(this);
    }

    @Override
    public String toString()
    {
        return "Task[" + name + "]";
    }
}
