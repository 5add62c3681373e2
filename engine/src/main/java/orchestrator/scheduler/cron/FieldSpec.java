package orchestrator.scheduler.cron;

import java.util.BitSet;

/**
 * Immutable after parsing, so safe to share between threads: one parsed field of a cron expression, before
 * {@code H} atoms are bound to a task name.
 */
final class FieldSpec
{
    /* Values are stored in internal numbering: day-of-week 0-6 with 0 = Sunday in every dialect, year as
     * (year - 1970). Special day rules are kept apart from the plain values because they depend on the month. */

    final CronField field;
    final CronDialect dialect;
    final String text;
    /** Plain values, internal numbering. Never mutated after parsing. */
    final BitSet values;
    /** Hash atoms as {lo, hi, step} triples in the dialect's own numbering, bound by {@link #bind(long)}. */
    final int[] hashAtoms;
    /** The field text starts with '*' (the Vixie cron DOM_STAR / DOW_STAR flag). */
    final boolean star;
    /** The field is '?' (no specific value). */
    final boolean question;
    /** Day-of-month 'L'. */
    final boolean lastDay;
    /** Day-of-month 'L-n': bit n set for each offset n. */
    final long lastDayOffsets;
    /** Day-of-month 'nW': bit n set for each n. */
    final long nearestWeekdays;
    /** Day-of-month 'LW' (bit 0) and 'L-nW' (bit n): the weekday nearest to the last day less n, in the month. */
    final long lastWeekdayOffsets;
    /** Day-of-week 'wL': bit w set (0 = Sunday). */
    final long lastDows;
    /** Day-of-week 'w#m': bit (w * 5 + m - 1) set. */
    final long nthDows;

    FieldSpec(
        final CronField field,
        final CronDialect dialect,
        final String text,
        final BitSet values,
        final int[] hashAtoms,
        final boolean star,
        final boolean question,
        final boolean lastDay,
        final long lastDayOffsets,
        final long nearestWeekdays,
        final long lastWeekdayOffsets,
        final long lastDows,
        final long nthDows)
    {
        this.field = field;
        this.dialect = dialect;
        this.text = text;
        this.values = values;
        this.hashAtoms = hashAtoms;
        this.star = star;
        this.question = question;
        this.lastDay = lastDay;
        this.lastDayOffsets = lastDayOffsets;
        this.nearestWeekdays = nearestWeekdays;
        this.lastWeekdayOffsets = lastWeekdayOffsets;
        this.lastDows = lastDows;
        this.nthDows = nthDows;
    }

    /** @return a field holding exactly one value, as used for the implicit second of the UNIX dialect. */
    static FieldSpec single(final CronField field, final CronDialect dialect, final int value)
    {
        final BitSet bits = new BitSet();
        bits.set(value);
        return new FieldSpec(field, dialect, Integer.toString(value), bits, new int[0], false, false, false, 0, 0, 0, 0, 0);
    }

    /** @return a field matching every value of its range, as used for an absent year. */
    static FieldSpec all(final CronField field, final CronDialect dialect, final int from, final int toInclusive)
    {
        final BitSet bits = new BitSet();
        bits.set(from, toInclusive + 1);
        return new FieldSpec(field, dialect, "*", bits, new int[0], true, false, false, 0, 0, 0, 0, 0);
    }

    boolean hasHash()
    {
        return hashAtoms.length != 0;
    }

    boolean hasDaySpecials()
    {
        return lastDay || lastDayOffsets != 0 || nearestWeekdays != 0 || lastWeekdayOffsets != 0 || lastDows != 0 || nthDows != 0;
    }

    /**
     * @param taskHash the 64-bit hash of the task name.
     * @return the plain values with every hash atom resolved for that hash.
     */
    BitSet bind(final long taskHash)
    {
        final BitSet bits = (BitSet)values.clone();
        for (int i = 0; i < hashAtoms.length; i += 3)
        {
            final int lo = hashAtoms[i];
            final int hi = hashAtoms[i + 1];
            final int step = hashAtoms[i + 2];
            final long h = TaskHash.forAtom(taskHash, field.ordinal(), i / 3);
            if (step == 0)
            {
                bits.set(FieldParser.toInternal(field, dialect, lo + (int)Long.remainderUnsigned(h, hi - lo + 1)));
            }
            else
            {
                for (int v = lo + (int)Long.remainderUnsigned(h, step); v <= hi; v += step)
                {
                    bits.set(FieldParser.toInternal(field, dialect, v));
                }
            }
        }
        return bits;
    }
}
