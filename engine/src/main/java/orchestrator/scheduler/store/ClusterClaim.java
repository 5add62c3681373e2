package orchestrator.scheduler.store;

/**
 * Immutable, so safe to share between threads: one claimed task row.
 *
 * @param name     the task's name.
 * @param fireAt   the scheduled instant claimed, epoch ms.
 * @param fence    the fence token of this claim.
 * @param previous the node that owned the row before (its lease ran out or it was fenced) and may have started this
 *                 instant there, or null: nobody held it, or its holder could not have started it (the instant is
 *                 after the holder's lease ended).
 * @param dbMillis the database's clock when the claim was made, epoch ms.
 */
public record ClusterClaim(String name, long fireAt, long fence, String previous, long dbMillis)
{
}
