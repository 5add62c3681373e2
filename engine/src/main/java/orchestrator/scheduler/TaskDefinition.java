package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Immutable, so safe to share between threads: what a task runs and when, apart from its name. Tasks registered
 * with the same schedule, callback and options share one definition, and the fire cycle computes the next fire of
 * a definition and fire time once for all of them.
 *
 * @param cron               the schedule of a cron task, already bound to its task name; null otherwise.
 * @param callback           the {@code Runnable} of a plain task; null for a handler or context task.
 * @param handler            the name of the handler of a handler task; null for a plain task.
 * @param misfire            what to do with fires that passed while the scheduler was late.
 * @param periodMs           the period of a fixed-rate task, the delay of a fixed-delay one; 0 otherwise.
 * @param fixedDelay         true for a fixed-delay task: the next fire is set when a run completes.
 * @param initialDelayMs     the delay of the first fire; -1 for the default (one period; a cron task's next fire).
 * @param contextCallback    the {@code Consumer<FireContext>} of a context task; null otherwise.
 * @param overlap            what to do with a fire due while the previous run is going.
 * @param timeoutMs          the run timeout; 0 for none.
 * @param interruptOnTimeout interrupt a run that passes its timeout.
 * @param onRestart          what a restart on a durable store does with a fire this task was running.
 */
record TaskDefinition(CronSchedule cron, Runnable callback, String handler, MisfirePolicy misfire, long periodMs,
    boolean fixedDelay, long initialDelayMs, Consumer<FireContext> contextCallback, OverlapPolicy overlap,
    long timeoutMs, boolean interruptOnTimeout, InterruptedFirePolicy onRestart)
{
    static final long NEVER = CronSchedule.NEVER;

    /**
     * @param fireTime a fire time of this task in epoch ms.
     * @return the fire after it, or {@link #NEVER}; a fixed-delay task's next fire is set by its completion.
     */
    long nextFireAfter(final long fireTime)
    {
        if (cron != null)
        {
            return cron.nextAfterEpochMilli(fireTime);
        }
        return periodMs > 0 && !fixedDelay ? plus(fireTime, periodMs) : NEVER;
    }

    /**
     * @param fireTime a fire time of this task.
     * @param steps    how many fires on.
     * @return the fire {@code steps} fires after {@code fireTime} (O(steps): a late task's runs, at most its
     *         {@code fireAll} cap); {@code fireTime} itself for 0 steps, or when the task has no later fire.
     */
    long fireAfter(final long fireTime, final long steps)
    {
        long fire = fireTime;
        for (long i = 0; i < steps; i++)
        {
            final long next = nextFireAfter(fire);
            if (next == NEVER)
            {
                return fire;
            }
            fire = next;
        }
        return fire;
    }

    /**
     * @param fireTime a fire time of this task, at or before {@code after}.
     * @return the first fire strictly after {@code after}, or {@link #NEVER}; a fixed-rate task's fires stay on the
     *         grid {@code fireTime + k * period}.
     */
    long nextFireAfter(final long fireTime, final long after)
    {
        if (cron != null || periodMs == 0 || fixedDelay)
        {
            return cron != null ? cron.nextAfterEpochMilli(after) : NEVER;
        }
        final long periods = Long.divideUnsigned(after - fireTime, periodMs) + 1; // after >= fireTime: exact unsigned
        final long offset = Long.compareUnsigned(periods, Long.MAX_VALUE / periodMs) > 0 ? NEVER : periods * periodMs;
        return plus(fireTime, offset);
    }

    /**
     * @param fire a fire time of this task, found passed at {@code now}.
     * @return the fires from {@code fire} up to {@code now}, both included: what the task stands for when
     *         {@code fire} is its oldest passed fire (1 for a fire not passed yet). The fire after them is
     *         {@link #nextFireAfterPassed}.
     */
    long passedFires(final long fire, final long now)
    {
        return 1 + firesBetween(fire, now);
    }

    /**
     * @param fire a fire time of this task.
     * @return the first fire after both {@code fire} and {@code now}, or {@link #NEVER}.
     */
    long nextFireAfterPassed(final long fire, final long now)
    {
        return nextFireAfter(fire, Math.max(fire, now));
    }

    /**
     * @return fires strictly after {@code after} (a fire time of this task) and at or before {@code upTo}, counted
     *         without stepping one by one.
     */
    long firesBetween(final long after, final long upTo)
    {
        if (cron != null)
        {
            return cron.countFiresBetween(after, upTo);
        }
        if (periodMs == 0 || fixedDelay || upTo <= after)
        {
            return 0;
        }
        return Long.divideUnsigned(upTo - after, periodMs);
    }

    /**
     * @param now        when the task is registered, epoch ms.
     * @param onceAt     the instant of a one-time task.
     * @return its first fire time, or {@link #NEVER}.
     */
    long firstFire(final long now, final long onceAt)
    {
        if (cron != null)
        {
            return initialDelayMs >= 0 ? cron.nextAfterEpochMilli(plus(now, initialDelayMs) - 1) :
                cron.nextAfterEpochMilli(now);
        }
        if (periodMs > 0)
        {
            return plus(now, initialDelayMs >= 0 ? initialDelayMs : periodMs);
        }
        return onceAt;
    }

    /**
     * @return the next fire of a fixed-delay task whose run ended (or whose fire was dropped) at {@code time}.
     */
    long delayAfter(final long time)
    {
        return plus(time, periodMs);
    }

    boolean isRecurring()
    {
        return cron != null || periodMs > 0;
    }

    boolean isFixedRate()
    {
        return periodMs > 0 && !fixedDelay;
    }

    /**
     * @return the schedule as {@link TaskInfo#schedule()} shows it; null for a one-time task (its instant is shown).
     */
    String describe()
    {
        if (cron != null)
        {
            return cron.expression();
        }
        if (periodMs > 0)
        {
            return (fixedDelay ? "fixedDelay " : "fixedRate ") + Duration.ofMillis(periodMs);
        }
        return null;
    }

    /**
     * Definitions are shared by identity of their parts, never by content: two equal lambdas are two callbacks.
     *
     * @return true when {@code other} may stand for this definition: the same parts, by identity for objects.
     */
    boolean sameAs(final TaskDefinition other)
    {
        return hasParts(other.cron, other.callback, other.handler, other.misfire, other.periodMs, other.fixedDelay,
            other.initialDelayMs, other.contextCallback, other.overlap, other.timeoutMs, other.interruptOnTimeout,
            other.onRestart);
    }

    /**
     * @return true when this definition is made of these parts, by identity for objects: it may stand for a new one.
     */
    boolean hasParts(
        final CronSchedule cron, final Runnable callback, final String handler, final MisfirePolicy misfire,
        final long periodMs, final boolean fixedDelay, final long initialDelayMs,
        final Consumer<FireContext> contextCallback, final OverlapPolicy overlap, final long timeoutMs,
        final boolean interruptOnTimeout, final InterruptedFirePolicy onRestart)
    {
        return this.cron == cron && this.callback == callback && this.misfire == misfire &&
            (this.handler == null ? handler == null : this.handler.equals(handler)) && this.periodMs == periodMs &&
            this.fixedDelay == fixedDelay && this.initialDelayMs == initialDelayMs &&
            this.contextCallback == contextCallback && this.overlap == overlap && this.timeoutMs == timeoutMs &&
            this.interruptOnTimeout == interruptOnTimeout && this.onRestart == onRestart;
    }

    /**
     * @return {@code time + delta}, or {@link #NEVER} when that reaches or passes it.
     */
    private static long plus(final long time, final long delta)
    {
        final long sum = time + delta;
        return ((time ^ sum) & (delta ^ sum)) < 0 || sum >= NEVER ? NEVER : sum;
    }
}
