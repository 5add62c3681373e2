package orchestrator.scheduler.cron;

import java.util.Objects;

/**
 * Immutable value, safe from any thread: what a job with a fixed hour does when its local fire time falls in a
 * daylight-saving gap (the clock jumps forward over it) or overlap (the clock goes back and repeats it).
 * <p>
 * Jobs whose hour field is a wildcard or a step ({@code *}, {@code *}{@code /2}, {@code 8-18/2}) are interval-like
 * whatever the policy: they fire at every real instant whose local time matches, so in both occurrences of a
 * repeated hour and not at all in a missing one.
 * <table>
 * <caption>Which peer each combination reproduces</caption>
 * <tr><th>policy</th><th>behaves like</th></tr>
 * <tr><td>{@code of(SHIFT, FIRST)} = {@link #CRON_DAEMON} (default)</td><td>the Linux cron daemon (Vixie/cronie)</td></tr>
 * <tr><td>{@code of(SKIP, BOTH)}</td><td>Spring {@code CronExpression}</td></tr>
 * <tr><td>{@code of(SKIP, FIRST)}</td><td>cron-utils {@code ExecutionTime}</td></tr>
 * <tr><td>{@code of(SHIFT, BOTH)}</td><td>croniter (which, in a gap, keeps the minute: 02:01 fires at 03:01, where
 * SHIFT fires at 03:00)</td></tr>
 * </table>
 */
public final class DstPolicy
{
    /** What to do with a local fire time that does not exist because the clock jumped forward over it. */
    public enum Gap
    {
        /** Do not fire for it. */
        SKIP,
        /** Fire once at the first instant after the gap. */
        SHIFT
    }

    /** What to do with a local fire time that occurs twice because the clock went back. */
    public enum Overlap
    {
        /** Fire at the first occurrence only (the earlier offset, before the change). */
        FIRST,
        /** Fire at the second occurrence only (the later offset, after the change). */
        SECOND,
        /** Fire at both occurrences. */
        BOTH
    }

    private static final DstPolicy[] POLICIES = new DstPolicy[Gap.values().length * Overlap.values().length];

    static
    {
        for (final Gap gap : Gap.values())
        {
            for (final Overlap overlap : Overlap.values())
            {
                POLICIES[gap.ordinal() * Overlap.values().length + overlap.ordinal()] = new DstPolicy(gap, overlap);
            }
        }
    }

    /** {@code of(SHIFT, FIRST)}: what the Linux cron daemon does; the default. */
    public static final DstPolicy CRON_DAEMON = of(Gap.SHIFT, Overlap.FIRST);

    private final Gap gap;
    private final Overlap overlap;

    private DstPolicy(final Gap gap, final Overlap overlap)
    {
        this.gap = gap;
        this.overlap = overlap;
    }

    /**
     * @param gap     what to do with a fire time inside a spring-forward gap.
     * @param overlap what to do with a fire time inside a fall-back overlap.
     * @return the policy (one shared instance per combination).
     */
    public static DstPolicy of(final Gap gap, final Overlap overlap)
    {
        Objects.requireNonNull(gap, "gap");
        Objects.requireNonNull(overlap, "overlap");
        return POLICIES[gap.ordinal() * Overlap.values().length + overlap.ordinal()];
    }

    /** @return what to do with a fire time inside a spring-forward gap. */
    public Gap gap()
    {
        return gap;
    }

    /** @return what to do with a fire time inside a fall-back overlap. */
    public Overlap overlap()
    {
        return overlap;
    }

    @Override
    public String toString()
    {
        return "DstPolicy[" + gap + ", " + overlap + "]";
    }
}
