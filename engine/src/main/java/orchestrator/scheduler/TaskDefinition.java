package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;

/**
 * Immutable, so safe to share between threads: what a task runs and when, apart from its name. Tasks registered
 * with the same schedule, callback and policy share one definition, and the fire cycle computes the next fire of
 * a definition and fire time once for all of them.
 *
 * @param cron     the schedule of a recurring task, already bound to its task name; null for a one-time task.
 * @param callback the {@code Runnable} of a plain task; null for a handler task.
 * @param handler  the name of the handler of a handler task; null for a plain task.
 * @param misfire  what to do with fires that passed while the scheduler was late.
 */
record TaskDefinition(CronSchedule cron, Runnable callback, String handler, MisfirePolicy misfire)
{
    static final long NEVER = CronSchedule.NEVER;

    /**
     * @param fireTime a fire time of this task in epoch ms.
     * @return the fire after it, or {@link #NEVER}.
     */
    long nextFireAfter(final long fireTime)
    {
        return cron == null ? NEVER : cron.nextAfterEpochMilli(fireTime);
    }

    /**
     * @return fires strictly after {@code after} and at or before {@code upTo}, counted without stepping one by one.
     */
    long firesBetween(final long after, final long upTo)
    {
        return cron == null ? 0 : cron.countFiresBetween(after, upTo);
    }

    /**
     * @param onceAt the instant of a one-time task, epoch ms.
     * @return the schedule as {@link TaskInfo#schedule()} shows it.
     */
    String scheduleText(final long onceAt)
    {
        return cron != null ? cron.expression() : java.time.Instant.ofEpochMilli(onceAt).toString();
    }

    boolean isRecurring()
    {
        return cron != null;
    }

    /**
     * Definitions are shared by identity of their parts, never by content: two equal lambdas are two callbacks.
     */
    boolean sameAs(final CronSchedule cron, final Runnable callback, final String handler, final MisfirePolicy misfire)
    {
        return this.cron == cron && this.callback == callback && this.misfire == misfire &&
            (this.handler == null ? handler == null : this.handler.equals(handler));
    }
}
