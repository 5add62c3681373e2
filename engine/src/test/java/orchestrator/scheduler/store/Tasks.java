package orchestrator.scheduler.store;

import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.TaskState;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;

import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Thread safe (stateless): sample tasks for store tests.
 */
final class Tasks
{
    private Tasks()
    {
    }

    /** A handler task whose every field depends on {@code n}. */
    static StoredTask handlerTask(final String name, final long n)
    {
        final byte[] payload = new byte[1 + (int)(n % 61)];
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] = (byte)(n * 31 + i);
        }
        return new StoredTask(name, "*/5 * * * *", CronDialect.UNIX, ZoneOffset.UTC, DstPolicy.CRON_DAEMON,
            MisfirePolicy.FIRE_ONCE, "handler-" + (n % 3), n, n + 1, payload, progress(name, n));
    }

    /** A {@code Runnable} task: schedule and progress, no handler and no payload. */
    static StoredTask runnableTask(final String name, final long n)
    {
        return new StoredTask(name, "0 0 12 ? * 2", CronDialect.QUARTZ, ZoneId.of("Europe/Paris"),
            DstPolicy.of(DstPolicy.Gap.SKIP, DstPolicy.Overlap.BOTH), MisfirePolicy.fireAll(7), null, 0, 0, null,
            progress(name, n));
    }

    /** A one-time task: no dialect and no DST policy. */
    static StoredTask onceTask(final String name, final long n)
    {
        return new StoredTask(name, "2026-03-29T01:30:00Z", null, ZoneId.of("Australia/Sydney"), null,
            MisfirePolicy.SKIP, "once", n, 1, new byte[] {0, 1, 2}, progress(name, n));
    }

    static TaskProgress progress(final String name, final long n)
    {
        return new TaskProgress(name, TaskState.values()[(int)(n % TaskState.values().length)], 1_000 * n, n, 2 * n,
            n / 2, n % 2 == 0 ? TaskProgress.NOT_RUNNING : 999 * n);
    }
}
