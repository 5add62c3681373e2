package orchestrator.scheduler.store;

import orchestrator.scheduler.InterruptedFirePolicy;
import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.OverlapPolicy;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;

import java.time.ZoneId;
import java.util.Arrays;
import java.util.Objects;

/**
 * Immutable apart from the payload array, which is copied in and never copied out (do not modify what
 * {@link #payload()} returns), so safe to share between threads: one task as a {@link TaskStore} keeps it.
 * <p>
 * A handler task is stored whole. A {@code Runnable} task ({@code handler} null) keeps its schedule and progress,
 * keyed by name, for the application to register again after a restart. The payload is the sealed record's
 * encoding ({@code SealedRecord.toBytes()}): in production mode the store never sees plaintext.
 *
 * @param name          the task's unique name; equal to {@code progress.name()}.
 * @param schedule      the cron expression, {@code fixedRate PT10S} or {@code fixedDelay PT10S} for an interval task
 *                      (as {@code TaskInfo.schedule()} shows it), or the one-time instant as ISO-8601 text.
 * @param dialect       the cron dialect; null for an interval or one-time task.
 * @param zone          the zone the expression is read in.
 * @param dst           the daylight-saving policy; null for a one-time task.
 * @param misfire       the misfire policy.
 * @param handler       the handler's name; null for a {@code Runnable} task.
 * @param recordId      the id the payload is sealed under (part of its associated data).
 * @param recordVersion the version the payload is sealed under (part of its associated data).
 * @param payload       the sealed record's encoding; null for a {@code Runnable} task.
 * @param progress      state, next fire and counters.
 * @param onRestart     what a restart does with a fire that was running when the process died.
 * @param overlap       what a fire due while the previous run is going does.
 * @param timeoutMs     the run timeout in ms; 0 for none.
 * @param interruptOnTimeout whether a run that passes its timeout is interrupted.
 */
public record StoredTask(
    String name,
    String schedule,
    CronDialect dialect,
    ZoneId zone,
    DstPolicy dst,
    MisfirePolicy misfire,
    String handler,
    long recordId,
    long recordVersion,
    byte[] payload,
    TaskProgress progress,
    InterruptedFirePolicy onRestart,
    OverlapPolicy overlap,
    long timeoutMs,
    boolean interruptOnTimeout)
{
    /**
     * A task whose interrupted fire runs again at restart ({@link InterruptedFirePolicy#RUN_AGAIN}).
     *
     * @param name          the task's unique name.
     * @param schedule      the schedule text.
     * @param dialect       the cron dialect, or null.
     * @param zone          the zone.
     * @param dst           the daylight-saving policy, or null.
     * @param misfire       the misfire policy.
     * @param handler       the handler's name, or null.
     * @param recordId      the payload's record id.
     * @param recordVersion the payload's record version.
     * @param payload       the sealed record's encoding, or null.
     * @param progress      state, next fire and counters.
     */
    public StoredTask(final String name, final String schedule, final CronDialect dialect, final ZoneId zone,
        final DstPolicy dst, final MisfirePolicy misfire, final String handler, final long recordId,
        final long recordVersion, final byte[] payload, final TaskProgress progress)
    {
        this(name, schedule, dialect, zone, dst, misfire, handler, recordId, recordVersion, payload, progress,
            InterruptedFirePolicy.RUN_AGAIN);
    }

    /**
     * A task without a run timeout whose overlapping fires are skipped ({@link OverlapPolicy#SKIP}).
     *
     * @param name          the task's unique name.
     * @param schedule      the schedule text.
     * @param dialect       the cron dialect, or null.
     * @param zone          the zone.
     * @param dst           the daylight-saving policy, or null.
     * @param misfire       the misfire policy.
     * @param handler       the handler's name, or null.
     * @param recordId      the payload's record id.
     * @param recordVersion the payload's record version.
     * @param payload       the sealed record's encoding, or null.
     * @param progress      state, next fire and counters.
     * @param onRestart     what a restart does with an interrupted fire.
     */
    public StoredTask(final String name, final String schedule, final CronDialect dialect, final ZoneId zone,
        final DstPolicy dst, final MisfirePolicy misfire, final String handler, final long recordId,
        final long recordVersion, final byte[] payload, final TaskProgress progress,
        final InterruptedFirePolicy onRestart)
    {
        this(name, schedule, dialect, zone, dst, misfire, handler, recordId, recordVersion, payload, progress,
            onRestart, OverlapPolicy.SKIP, 0, false);
    }

    /**
     * Checks the components and copies the payload.
     */
    public StoredTask
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(misfire, "misfire");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(onRestart, "onRestart");
        Objects.requireNonNull(overlap, "overlap");
        if (timeoutMs < 0)
        {
            throw new IllegalArgumentException("negative timeout " + timeoutMs + " ms for task '" + name + "'");
        }
        if (!name.equals(progress.name()))
        {
            throw new IllegalArgumentException("progress of '" + progress.name() + "' given for task '" + name + "'");
        }
        if ((handler == null) != (payload == null))
        {
            throw new IllegalArgumentException("a handler task has a payload and a Runnable task has none: '" + name +
                "'");
        }
        payload = payload == null ? null : payload.clone();
    }

    /**
     * @param next progress to keep instead of this task's.
     * @return this task with {@code next} as its progress.
     */
    public StoredTask withProgress(final TaskProgress next)
    {
        return new StoredTask(name, schedule, dialect, zone, dst, misfire, handler, recordId, recordVersion, payload,
            next, onRestart, overlap, timeoutMs, interruptOnTimeout);
    }

    @Override
    public boolean equals(final Object other)
    {
        if (!(other instanceof StoredTask))
        {
            return false;
        }
        final StoredTask that = (StoredTask)other;
        return name.equals(that.name) && schedule.equals(that.schedule) && dialect == that.dialect &&
            zone.equals(that.zone) && dst == that.dst && misfire.toString().equals(that.misfire.toString()) &&
            Objects.equals(handler, that.handler) && recordId == that.recordId &&
            recordVersion == that.recordVersion && Arrays.equals(payload, that.payload) &&
            progress.equals(that.progress) && onRestart == that.onRestart && overlap == that.overlap &&
            timeoutMs == that.timeoutMs && interruptOnTimeout == that.interruptOnTimeout;
    }

    /**
     * @param other another stored task.
     * @return whether the two share their definition: schedule, dialect, zone, DST, misfire (the same policy object),
     *         handler, overlap, timeout and restart policies; what a snapshot or a restore reads once for a run of
     *         tasks. Names, payloads and progress may differ.
     */
    public boolean sameDefinition(final StoredTask other)
    {
        return schedule.equals(other.schedule) && dialect == other.dialect && zone.equals(other.zone) &&
            dst == other.dst && misfire == other.misfire && Objects.equals(handler, other.handler) &&
            overlap == other.overlap && timeoutMs == other.timeoutMs &&
            interruptOnTimeout == other.interruptOnTimeout && onRestart == other.onRestart;
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(name, schedule, handler, recordId, recordVersion, Arrays.hashCode(payload), progress);
    }

    /** Everything but the payload, of which only the length is shown. */
    @Override
    public String toString()
    {
        return "StoredTask[" + name + ", " + schedule + ", " + dialect + ", " + zone + ", " + dst + ", " + misfire +
            ", handler=" + handler + ", record " + recordId + " v" + recordVersion + ", " +
            (payload == null ? "no payload" : payload.length + " payload bytes") + ", " + progress + ", onRestart " +
            onRestart + ", overlap " + overlap + (timeoutMs == 0 ? "" : ", timeout " + timeoutMs + " ms" +
            (interruptOnTimeout ? " (interrupts)" : "")) + "]";
    }
}
