package orchestrator.scheduler.cron;

import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;

/**
 * Immutable and thread safe: the fire-time arithmetic of a bound {@link CronSchedule}, a {@link CompiledCron} read in
 * a zone under a {@link DstPolicy}: the next fire after an instant, and the fires between two instants counted
 * without stepping through them. UTC and fixed-offset zones add their offset to local seconds; other zones go
 * through {@link DstResolver} over the transition table of {@link ZoneTransitions}.
 */
final class ZonedCron
{
    private static final long NEVER = CronSchedule.NEVER;
    private static final long MAX_SECOND_AS_MILLI = Long.MAX_VALUE / 1000 - 1;
    /** Two days before 1970-01-01 and after 2100-01-01, local: no fire of an expression with a year field is outside. */
    private static final long YEARS_FROM_SECOND = -2 * 86_400L;
    private static final long YEARS_TO_SECOND = CivilDays.daysFromCivil(CronField.YEAR.max + 1, 1, 1) * 86_400L + 2 * 86_400L;

    private final CompiledCron compiled;
    private final ZoneTransitions transitions;
    private final int fixedOffsetSeconds;
    private final boolean shift;
    private final boolean first;
    private final boolean second;

    ZonedCron(final CompiledCron compiled, final ZoneId zone, final DstPolicy policy, final boolean intervalLike)
    {
        this.compiled = compiled;
        final ZoneRules rules = zone.getRules();
        if (rules.isFixedOffset())
        {
            this.transitions = null;
            this.fixedOffsetSeconds = rules.getOffset(Instant.EPOCH).getTotalSeconds();
        }
        else
        {
            this.transitions = ZoneTransitions.of(zone);
            this.fixedOffsetSeconds = 0;
        }
        this.shift = !intervalLike && policy.gap() == DstPolicy.Gap.SHIFT;
        this.first = intervalLike || policy.overlap() != DstPolicy.Overlap.SECOND;
        this.second = intervalLike || policy.overlap() != DstPolicy.Overlap.FIRST;
    }

    /** @see CronSchedule#nextAfterEpochMilli(long) */
    long nextAfterEpochMilli(final long epochMilli)
    {
        final long next = nextAfterSecond(Math.floorDiv(epochMilli, 1000L));
        return next > MAX_SECOND_AS_MILLI ? NEVER : next * 1000L;
    }

    /** @see CronSchedule#countFiresBetween(long, long) */
    long countFiresBetween(final long afterEpochMilli, final long upToEpochMilli)
    {
        final CompiledCron cron = compiled;
        if (upToEpochMilli <= afterEpochMilli)
        {
            return 0;
        }
        // fires are whole seconds s, and after < s * 1000 <= upTo exactly when floor(after / 1000) < s <= floor(upTo / 1000)
        final long afterSecond = Math.floorDiv(afterEpochMilli, 1000L);
        final long upToSecond = Math.min(Math.floorDiv(upToEpochMilli, 1000L), MAX_SECOND_AS_MILLI);
        if (transitions == null)
        {
            final int offset = fixedOffsetSeconds;
            return FireCount.countBetween(cron, afterSecond + 1 + offset, upToSecond + 1 + offset);
        }
        if (cron.years == null)
        {
            return DstResolver.countBetween(cron, transitions, shift, first, second, afterSecond, upToSecond);
        }
        final long from = Math.max(afterSecond, YEARS_FROM_SECOND);
        final long to = Math.min(upToSecond, YEARS_TO_SECOND);
        return DstResolver.countBetween(cron, transitions, shift, first, second, from, to);
    }

    /** @return the first fire strictly after the second, in epoch seconds, or {@link CronSchedule#NEVER}. */
    long nextAfterSecond(final long afterSecond)
    {
        final CompiledCron cron = compiled;
        if (transitions == null)
        {
            final int offset = fixedOffsetSeconds;
            final long local = cron.nextOrSame(afterSecond + 1 + offset);
            return local == CompiledCron.NEVER ? NEVER : local - offset;
        }
        return DstResolver.nextAfter(cron, transitions, shift, first, second, afterSecond);
    }
}
