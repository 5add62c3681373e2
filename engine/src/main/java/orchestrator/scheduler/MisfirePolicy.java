package orchestrator.scheduler;

/**
 * Immutable, so safe to share between threads: what a recurring task does when {@code runPending()} comes late
 * (a GC pause, a suspended machine, a clock stepped forward) and one or more of its fires have passed.
 * <p>
 * Whatever the policy, every fire that does not run is counted in {@link TaskInfo#missed()}, and each late
 * {@code runPending()} logs one warning for all the tasks it found late.
 */
public final class MisfirePolicy
{
    /**
     * Run once now, for the first of the fires that passed; the later ones are counted as missed. The default.
     */
    public static final MisfirePolicy FIRE_ONCE = new MisfirePolicy(Kind.FIRE_ONCE, 1);

    /**
     * Do not run late: wait for the next fire. A fire found due within the scheduler's misfire threshold (1 s by
     * default, see {@link Scheduler.Builder#misfireThreshold}) still runs; older ones are counted as missed. A task
     * whose skipped fire was its last (a one-time task, or a cron task past its last year) ends {@code COMPLETED}.
     */
    public static final MisfirePolicy SKIP = new MisfirePolicy(Kind.SKIP, 0);

    /** As {@link #fireAll fireAll(100)}. */
    public static final MisfirePolicy FIRE_ALL = fireAll(100);

    enum Kind
    {
        FIRE_ONCE, SKIP, FIRE_ALL
    }

    final Kind kind;
    final int cap;

    private MisfirePolicy(final Kind kind, final int cap)
    {
        this.kind = kind;
        this.cap = cap;
    }

    /**
     * Runs every fire that passed, one after the other, earliest first, up to {@code cap} runs; the fires past the cap
     * (the latest) are counted as missed. Each run stands for its own fire time ({@link FireContext#scheduledAt}) and
     * its run timeout counts from its own start. Within {@link Scheduler#runPending(int)}'s bound a task's runs count
     * as one due fire.
     *
     * @param cap the most runs for one late collection, at least 1.
     * @return the policy.
     */
    public static MisfirePolicy fireAll(final int cap)
    {
        if (cap < 1)
        {
            throw new IllegalArgumentException("cap must be at least 1, was " + cap);
        }
        return new MisfirePolicy(Kind.FIRE_ALL, cap);
    }

    /**
     * @param due     fires found due in one collection, at least 1.
     * @param onTime  whether the latest of them is within the misfire threshold.
     * @return how many of them run.
     */
    int runsFor(final long due, final boolean onTime)
    {
        switch (kind)
        {
            case SKIP: return onTime ? 1 : 0;
            case FIRE_ALL: return (int)Math.min(due, cap);
            default: return 1;
        }
    }

    @Override
    public String toString()
    {
        return kind == Kind.FIRE_ALL ? "FIRE_ALL(" + cap + ")" : kind.name();
    }
}
