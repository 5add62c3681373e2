package orchestrator.scheduler.store;

import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.TaskState;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;

import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Thread safe (stateless): the writes of the crash child and the state they must leave. Writer thread {@code w}
 * numbers its operations 0, 1, 2, ... across child processes; operation {@code k} touches slot {@code k % 97}: it
 * removes the slot's task when {@code k % 10 == 0} and stores it with {@code runs == k} otherwise, then records
 * progress (not waited for) that moves its next fire by 1 ms. So the journal after operations 0..M of a writer holds
 * exactly {@link #expected(int, long)}, whatever progress was lost.
 */
final class CrashModel
{
    static final int SLOTS = 97;

    private CrashModel()
    {
    }

    static String name(final int writer, final long k)
    {
        return "w" + writer + "-" + (k % SLOTS);
    }

    static boolean isRemove(final long k)
    {
        return k % 10 == 0;
    }

    static StoredTask task(final int writer, final long k)
    {
        final byte[] payload = new byte[16 + (int)(k % 48)];
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] = (byte)(k * 131 + writer * 7 + i);
        }
        final String name = name(writer, k);
        return new StoredTask(name, "*/5 * * * *", CronDialect.UNIX, ZoneOffset.UTC, DstPolicy.CRON_DAEMON,
            MisfirePolicy.FIRE_ONCE, "handler", k, 1, payload,
            new TaskProgress(name, TaskState.SCHEDULED, 1_000 * k, k, 0, 0, TaskProgress.NOT_RUNNING));
    }

    static TaskProgress progressAfter(final int writer, final long k)
    {
        return new TaskProgress(name(writer, k), TaskState.RUNNING, 1_000 * k + 1, k, 0, 0, 1_000 * k);
    }

    /** @return writer {@code writer}'s tasks after its operations 0..{@code last} (none when {@code last} is -1). */
    static Map<String, StoredTask> expected(final int writer, final long last)
    {
        final Map<String, StoredTask> tasks = new HashMap<>();
        for (long k = Math.max(0, last - SLOTS + 1); k <= last; k++)
        {
            if (!isRemove(k))
            {
                tasks.put(name(writer, k), task(writer, k));
            }
        }
        return tasks;
    }

    /** Whether {@code found} is {@code expected}, allowing each task the progress written after its upsert. */
    static boolean matches(final Map<String, StoredTask> found, final Map<String, StoredTask> expected,
        final int writer)
    {
        if (!found.keySet().equals(expected.keySet()))
        {
            return false;
        }
        for (final Map.Entry<String, StoredTask> entry : expected.entrySet())
        {
            final StoredTask want = entry.getValue();
            final StoredTask got = found.get(entry.getKey());
            if (!got.equals(want) && !got.equals(want.withProgress(progressAfter(writer, want.recordId()))))
            {
                return false;
            }
        }
        return true;
    }
}
