package orchestrator.scheduler;

import orchestrator.scheduler.cron.CronSchedule;
import orchestrator.scheduler.cron.DstPolicy;
import orchestrator.scheduler.store.StoredTask;
import orchestrator.scheduler.store.TaskProgress;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.Aead;
import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.RecordOpenException;
import orchestrator.scheduler.vault.SealedRecord;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * Stateless, so safe to call from any thread: converts between a live task (its {@link TaskDefinition} and table
 * row) and its {@link StoredTask} form. The schedule is kept as text: a cron expression with its dialect, zone and
 * DST policy; {@code fixedRate PT10S} or {@code fixedDelay PT10S} as {@link TaskDefinition#describe()} writes it;
 * or a one-time instant in ISO-8601.
 * <p>
 * A handler task's overlap policy, run timeout and interrupt-on-timeout are stored with it and restored; a
 * {@code Runnable} task takes them from its registration again.
 */
final class StoredForms
{
    private static final String FIXED_RATE = "fixedRate ";
    private static final String FIXED_DELAY = "fixedDelay ";

    private StoredForms()
    {
    }

    /**
     * @return the stored form of a live task (lock held); its payload exactly as sealed.
     */
    static StoredTask of(final TaskRegistry registry, final int id, final ZoneId zone, final TaskProgress progress)
    {
        final TaskTable table = registry.table;
        final TaskDefinition definition = table.definitions[id];
        final CronSchedule cron = definition.cron();
        final Payload payload = table.rare.payload(id);
        final boolean handler = definition.handler() != null && payload != null;
        return new StoredTask(table.names[id], scheduleText(definition, table.rare.onceAt(id)),
            cron == null ? null : cron.dialect(), cron == null ? zone : cron.zone(),
            cron == null ? null : cron.dstPolicy(), definition.misfire(), handler ? definition.handler() : null,
            handler ? payload.recordId() : 0, handler ? payload.version() : 0,
            handler ? payload.record().toBytes() : null, progress, definition.onRestart(), definition.overlap(),
            definition.timeoutMs(), definition.interruptOnTimeout());
    }

    /**
     * @return the schedule as stored: the cron expression, the interval as {@link TaskDefinition#describe()} shows it,
     *         or the one-time instant.
     */
    static String scheduleText(final TaskDefinition definition, final long onceAt)
    {
        final String described = definition.describe();
        return described != null ? described : Instant.ofEpochMilli(onceAt).toString();
    }

    /**
     * @return true when a registration describes the schedule a stored task was kept with.
     */
    static boolean sameSchedule(final StoredTask stored, final TaskDefinition definition, final long onceAt,
        final ZoneId zone)
    {
        final CronSchedule cron = definition.cron();
        if (!stored.schedule().equals(scheduleText(definition, onceAt)))
        {
            return false;
        }
        return cron == null ? stored.dialect() == null :
            cron.dialect() == stored.dialect() && cron.zone().equals(stored.zone()) && cron.dstPolicy() == stored.dst();
    }

    /**
     * @return the definition of a stored handler task, bound to its name.
     * @throws RuntimeException when the stored schedule cannot be read (e.g. a cron dialect changed its rules).
     */
    static TaskDefinition definition(final StoredTask stored)
    {
        final String schedule = stored.schedule();
        CronSchedule cron = null;
        long periodMs = 0;
        boolean fixedDelay = false;
        if (stored.dialect() != null)
        {
            cron = CronSchedule.parse(schedule, stored.dialect(), stored.zone(),
                stored.dst() != null ? stored.dst() : DstPolicy.CRON_DAEMON).forTask(stored.name());
        }
        else if (schedule.startsWith(FIXED_RATE))
        {
            periodMs = Duration.parse(schedule.substring(FIXED_RATE.length())).toMillis();
        }
        else if (schedule.startsWith(FIXED_DELAY))
        {
            periodMs = Duration.parse(schedule.substring(FIXED_DELAY.length())).toMillis();
            fixedDelay = true;
        }
        return new TaskDefinition(cron, null, stored.handler(), stored.misfire(), periodMs, fixedDelay, -1, null,
            stored.overlap(), stored.timeoutMs(), stored.interruptOnTimeout(), stored.onRestart());
    }

    /**
     * @return the definition of {@code stored}, which is {@code previous} (the definition of {@code previousStored})
     *         when the two stored tasks share every part of it and its cron has no {@code H} field to bind per task.
     */
    static TaskDefinition definition(final StoredTask stored, final StoredTask previousStored,
        final TaskDefinition previous)
    {
        if (previous != null && stored.sameDefinition(previousStored) &&
            (previous.cron() == null || previous.cron().forTask(stored.name()) == previous.cron()))
        {
            return previous;
        }
        return definition(stored);
    }


    /**
     * @return the instant of a stored one-time task in epoch ms; 0 for a recurring one.
     */
    static long onceAt(final StoredTask stored)
    {
        if (stored.dialect() != null || stored.schedule().startsWith(FIXED_RATE) ||
            stored.schedule().startsWith(FIXED_DELAY))
        {
            return 0;
        }
        final Instant at = Instant.parse(stored.schedule());
        return at.isBefore(Instant.ofEpochMilli(Long.MIN_VALUE)) ? Long.MIN_VALUE : at.toEpochMilli();
    }

    /**
     * @return the sealed payload of a stored handler task, exactly as it was stored.
     */
    static Payload payload(final StoredTask stored)
    {
        // shared with the store's task, which never changes it: a second copy per task was 72 MB at a million tasks
        return new Payload(SealedRecord.wrap(stored.payload()), stored.recordId(), stored.recordVersion());
    }

    /**
     * @return how a task waiting for its handler shows in {@link Scheduler#tasks()}.
     */
    static TaskInfo waiting(final StoredTask stored)
    {
        final TaskProgress progress = stored.progress();
        final long next = progress.nextFire();
        return new TaskInfo(stored.name(), stored.schedule(),
            next == TaskProgress.NEVER ? java.util.Optional.empty() : java.util.Optional.of(Instant.ofEpochMilli(next)),
            progress.state() == TaskState.RUNNING ? TaskState.SCHEDULED : progress.state(), progress.runs(),
            progress.missed(), progress.failures(), java.util.Optional.of("restored from the task store; waits for " +
                "handler '" + stored.handler() + "' (registerHandler) before it fires again"));
    }

    /**
     * @return the key id the scheduler's key carries: the highest id among the stored sealed records (the key of the
     *         last rotation that completed), or 1.
     */
    static int keyIdOf(final List<StoredTask> stored)
    {
        int keyId = 1;
        for (final StoredTask task : stored)
        {
            if (task.payload() != null)
            {
                keyId = Math.max(keyId, SealedRecord.keyIdOf(task.payload())); // -1 when not sealed
            }
        }
        return keyId;
    }

    /**
     * @return where the record ids of a restarted scheduler go on from: past the highest stored one by a random gap of
     *         up to 2^40, so that no new record takes the id of one an earlier process sealed and then removed from the
     *         store (a cancelled task's, or any of a journal started afresh under the same key): it would replay.
     */
    static long recordIdsAfter(final long highestStored)
    {
        return highestStored + (new SecureRandom().nextLong() >>> 24);
    }

    /**
     * A vault sealing under {@code key} with the key id of the stored records ({@link #keyIdOf}), checked against the
     * records it must open: those of the handler tasks to restore that carry its key id. One that opens is enough (a
     * tampered record fails only its own task, at its fire).
     *
     * @param store  the store the records were read from, named in the refusal.
     * @throws IllegalStateException naming the store, the key id and a task, when there are such records and none
     *                               opens: the key (or the cipher) is not the one they were sealed under, and every
     *                               task would fail at its fire.
     */
    static CallbackVault vault(final List<StoredTask> stored, final KeyProvider key, final Aead aead,
        final TaskStore store)
    {
        final int keyId = keyIdOf(stored);
        final CallbackVault vault = CallbackVault.production(key, aead, keyId);
        RecordOpenException refused = null;
        for (final StoredTask task : stored)
        {
            if (task.payload() != null && SealedRecord.keyIdOf(task.payload()) == keyId &&
                !TaskDurability.isFinished(task.progress().state()))
            {
                try
                {
                    vault.runOpened(SealedRecord.wrap(task.payload()), 0, task.recordId(), task.name(),
                        task.recordVersion(), (context, plain) -> {}, null);
                    return vault;
                }
                catch (final RecordOpenException ex)
                {
                    refused = refused == null ? ex : refused;
                }
            }
        }
        if (refused != null)
        {
            vault.close();
            throw new IllegalStateException("the key does not open the records of key id " + keyId + " stored in " +
                store + " (task '" + refused.taskName() + "' among them: " + refused.reason().text() + "): build " +
                "with the key and the aead they were sealed under, the key of the last rotation");
        }
        return vault;
    }
}
