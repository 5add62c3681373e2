package orchestrator.scheduler;

/**
 * Immutable enum, safe from any thread: what a task does with a fire that comes due while its previous run is still
 * going. Whatever the policy, two runs of one task never overlap; nor do those of a task cancelled during its run
 * and a task registered again under its name, whose fires meet the old run as they would their own.
 */
public enum OverlapPolicy
{
    /**
     * Drop the fire and count it in {@link TaskInfo#missed()} (and tell {@link TaskListener#onMissed}); one WARNING
     * per burst of dropped fires. The default.
     */
    SKIP,

    /**
     * Run once more as soon as the current run ends, standing for every fire that came due during it: that run's
     * {@link FireContext#fires()} says how many, and its {@link FireContext#scheduledAt()} is the latest of them.
     * Coalesced fires are not counted as missed: the run stands for them.
     */
    COALESCE
}
