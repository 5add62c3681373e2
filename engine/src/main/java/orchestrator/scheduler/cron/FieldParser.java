package orchestrator.scheduler.cron;

import java.util.BitSet;
import java.util.Locale;

import static orchestrator.scheduler.cron.CronParserSupport.DIALECT_HINT;

/**
 * Stateless, safe from any thread: reads the text of one field of a cron expression, in one dialect, into a
 * {@link FieldSpec}, with error messages that name the field, the value and the reason.
 */
final class FieldParser
{
    /* Each field is read into the dialect's own numbering first (day-of-week 0-7 for UNIX and SPRING, 1-7 with
     * 1 = Sunday for QUARTZ), ranges and steps are expanded there, then every value is mapped to the internal
     * numbering (day-of-week 0-6 with 0 = Sunday, year - 1970). Reversed ranges wrap around only in QUARTZ, as
     * Quartz does; Spring and the cron daemon refuse them. */

    private static final String[] MONTH_NAMES =
        {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    private static final String[] DOW_NAMES = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    private FieldParser()
    {
    }

    /**
     * @param expression the whole expression as given, for error messages.
     * @param dialect    the dialect to read the field in.
     * @param field      the field the text stands for.
     * @param raw        the text of the field as given.
     * @return the parsed field, with H atoms not yet bound.
     * @throws InvalidCronExpressionException when the text is not a valid field of that dialect.
     */
    static FieldSpec parse(final String expression, final CronDialect dialect, final CronField field, final String raw)
    {
        final String text = raw.toUpperCase(Locale.ROOT);
        final boolean daySpecial = field == CronField.DAY_OF_MONTH || field == CronField.DAY_OF_WEEK;
        if (text.equals("?"))
        {
            if (!daySpecial)
            {
                throw error(expression, field, raw, "'?' is only allowed in day-of-month and day-of-week");
            }
            if (dialect == CronDialect.UNIX)
            {
                throw error(expression, field, raw, "'?' is not part of the UNIX dialect; " + DIALECT_HINT);
            }
            final BitSet all = new BitSet();
            all.set(toInternal(field, dialect, extMin(field, dialect)), field == CronField.DAY_OF_WEEK ? 7 : field.max + 1);
            return new FieldSpec(field, dialect, raw, all, new int[0], false, true, false, 0, 0, 0, 0, 0);
        }

        final BitSet values = new BitSet();
        int[] atoms = new int[0];
        boolean lastDay = false;
        long lastWeekdayOffsets = 0;
        long lastDayOffsets = 0;
        long nearestWeekdays = 0;
        long lastDows = 0;
        long nthDows = 0;

        final String[] elements = text.split(",", -1);
        if (dialect == CronDialect.QUARTZ && field == CronField.DAY_OF_WEEK && elements.length > 1 && text.contains("L"))
        {
            throw error(expression, field, raw, "QUARTZ does not combine 'L' with other days of the week, as Quartz " +
                "refuses it; write one rule per task, e.g. '6L' (last Friday) or '7' (Saturday)");
        }
        for (final String element : elements)
        {
            if (element.isEmpty())
            {
                throw error(expression, field, raw, "empty element in list");
            }
            if (field == CronField.DAY_OF_MONTH && (element.startsWith("L") || element.endsWith("W")))
            {
                requireSpecials(expression, dialect, field, raw, element.startsWith("L") ? "L" : "W");
                if (element.equals("L"))
                {
                    lastDay = true;
                }
                else if (element.equals("LW"))
                {
                    lastWeekdayOffsets |= 1L;
                }
                else if (element.startsWith("L-") && element.endsWith("W"))
                {
                    lastWeekdayOffsets |= 1L << lastDayOffset(expression, field, raw, element, element.length() - 1);
                }
                else if (element.startsWith("L-"))
                {
                    lastDayOffsets |= 1L << lastDayOffset(expression, field, raw, element, element.length());
                }
                else if (element.endsWith("W") && !element.startsWith("L"))
                {
                    final int day = number(expression, field, raw, element.substring(0, element.length() - 1), "day before 'W'");
                    checkRange(expression, field, raw, day, 1, 31);
                    nearestWeekdays |= 1L << day;
                }
                else
                {
                    throw error(expression, field, raw, "'" + element + "' is not one of L, L-n, LW, L-nW or nW");
                }
                continue;
            }
            if (field == CronField.DAY_OF_WEEK && (element.contains("#") || element.endsWith("L")))
            {
                requireSpecials(expression, dialect, field, raw, element.contains("#") ? "#" : "L");
                if (element.equals("L"))
                {
                    if (dialect != CronDialect.QUARTZ)
                    {
                        throw error(expression, field, raw, "'L' in day-of-week needs a day before it, e.g. '5L' (last Friday)");
                    }
                    values.set(6);
                }
                else if (element.endsWith("L"))
                {
                    lastDows |= 1L << dayOfWeek(expression, dialect, raw, element.substring(0, element.length() - 1));
                }
                else
                {
                    final int hash = element.indexOf('#');
                    final int dow = dayOfWeek(expression, dialect, raw, element.substring(0, hash));
                    final int nth = number(expression, field, raw, element.substring(hash + 1), "ordinal after '#'");
                    if (nth < 1 || nth > 5)
                    {
                        throw error(expression, field, raw, "ordinal " + nth + " in '" + element + "' is out of range 1-5");
                    }
                    nthDows |= 1L << (dow * 5 + nth - 1);
                }
                continue;
            }
            atoms = parseElement(expression, dialect, field, raw, element, values, atoms);
        }
        return new FieldSpec(field, dialect, raw, values, atoms, text.startsWith("*"), false,
            lastDay, lastDayOffsets, nearestWeekdays, lastWeekdayOffsets, lastDows, nthDows);
    }

    private static int[] parseElement(
        final String expression, final CronDialect dialect, final CronField field, final String raw, final String element,
        final BitSet values, final int[] atoms)
    {
        final int slash = element.indexOf('/');
        final String base = slash < 0 ? element : element.substring(0, slash);
        final int lo = extMin(field, dialect);
        final int hi = extMax(field, dialect);
        final int width = hi - lo + 1;
        int step = 0;
        if (slash >= 0)
        {
            final String stepText = element.substring(slash + 1);
            step = number(expression, field, raw, stepText, "step");
            if (step < 1 || step > width)
            {
                throw error(expression, field, raw, "bad step " + stepText + ": must be between 1 and " + width);
            }
        }

        if (base.equals("H") || base.startsWith("H("))
        {
            int from = hashMin(field, dialect);
            int to = hashMax(field, dialect);
            if (!base.equals("H"))
            {
                final int dash = base.indexOf('-');
                if (!base.endsWith(")") || dash < 0)
                {
                    throw error(expression, field, raw, "expected H, H(a-b), H/n or H(a-b)/n but found '" + element + "'");
                }
                from = value(expression, dialect, field, raw, base.substring(2, dash));
                to = value(expression, dialect, field, raw, base.substring(dash + 1, base.length() - 1));
                if (from > to)
                {
                    throw error(expression, field, raw, "range in '" + element + "' is reversed");
                }
            }
            if (step > to - from + 1)
            {
                throw error(expression, field, raw, "step " + step + " in '" + element + "' is longer than its range " +
                    from + "-" + to + ": the start picked for some task names would lie outside it");
            }
            final int[] grown = java.util.Arrays.copyOf(atoms, atoms.length + 3);
            grown[atoms.length] = from;
            grown[atoms.length + 1] = to;
            grown[atoms.length + 2] = step;
            return grown;
        }

        final int from;
        final int to;
        if (base.equals("*"))
        {
            from = dialect == CronDialect.SPRING && field == CronField.DAY_OF_WEEK && step > 1 ? 1 : lo;
            to = hi;
        }
        else
        {
            final int dash = base.indexOf('-', 1);
            if (dash < 0)
            {
                from = value(expression, dialect, field, raw, base);
                to = step == 0 ? from : hi;
            }
            else
            {
                int start = value(expression, dialect, field, raw, base.substring(0, dash));
                final int end = value(expression, dialect, field, raw, base.substring(dash + 1));
                if (field == CronField.DAY_OF_WEEK && dialect != CronDialect.QUARTZ && start == 7 && end != 7)
                {
                    start = 0; // Sunday starting a range is 0 and ending one is 7: SUN-SAT = 0-6, SAT-SUN = 6-7
                }
                if (start > end && field == CronField.YEAR)
                {
                    throw error(expression, field, raw, "range " + base + " is reversed; years do not wrap around " +
                        "(Quartz refuses it too): write the earlier year first");
                }
                if (start > end && dialect != CronDialect.QUARTZ)
                {
                    throw error(expression, field, raw, "range " + base + " is reversed; wrap-around ranges are part of " +
                        "the QUARTZ dialect only");
                }
                from = start;
                to = end;
            }
        }
        final int stride = step == 0 ? 1 : step;
        final int span = from <= to ? to - from : to - from + width;
        for (int k = 0; k <= span; k += stride)
        {
            values.set(toInternal(field, dialect, lo + (from - lo + k) % width));
        }
        return atoms;
    }

    /** @return n of 'L-n' (end = the element's length) or 'L-nW' (end = length - 1), checked to be 0-30. */
    private static int lastDayOffset(
        final String expression, final CronField field, final String raw, final String element, final int end)
    {
        final int offset = number(expression, field, raw, element.substring(2, end), "offset after 'L-'");
        if (offset > 30)
        {
            throw error(expression, field, raw, "offset " + offset + " in '" + element + "' is out of range 0-30");
        }
        return offset;
    }

    private static void requireSpecials(
        final String expression, final CronDialect dialect, final CronField field, final String raw, final String what)
    {
        if (dialect == CronDialect.UNIX)
        {
            throw error(expression, field, raw, "'" + what + "' is not part of the UNIX dialect; " + DIALECT_HINT);
        }
    }

    private static int dayOfWeek(final String expression, final CronDialect dialect, final String raw, final String text)
    {
        return toInternal(CronField.DAY_OF_WEEK, dialect, value(expression, dialect, CronField.DAY_OF_WEEK, raw, text));
    }

    /** @return a value of the field in the dialect's own numbering, by number or name, range-checked. */
    private static int value(
        final String expression, final CronDialect dialect, final CronField field, final String raw, final String text)
    {
        if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            final int v = number(expression, field, raw, text, "value");
            checkRange(expression, field, raw, v, extMin(field, dialect), extMax(field, dialect));
            return v;
        }
        if (field == CronField.MONTH)
        {
            for (int i = 0; i < MONTH_NAMES.length; i++)
            {
                if (MONTH_NAMES[i].equals(text))
                {
                    return i + 1;
                }
            }
            throw error(expression, field, raw, "unknown name '" + text + "'; expected a number 1-12 or JAN-DEC");
        }
        if (field == CronField.DAY_OF_WEEK)
        {
            for (int i = 0; i < DOW_NAMES.length; i++)
            {
                if (DOW_NAMES[i].equals(text))
                {
                    return dialect == CronDialect.QUARTZ ? i + 1 : (i == 0 ? 7 : i);
                }
            }
            throw error(expression, field, raw, "unknown name '" + text + "'; expected a number " +
                extMin(field, dialect) + "-" + extMax(field, dialect) + " or SUN-SAT");
        }
        final boolean special = text.contains("L") || text.contains("W") || text.contains("#") || text.contains("?");
        throw error(expression, field, raw, "'" + text + "' is not a number" + (!special ? "" :
            field == CronField.DAY_OF_MONTH ? "; in day-of-month, ? stands alone, L, L-n, LW, L-nW and nW are whole " +
                "list elements, and # belongs to day-of-week" :
            field == CronField.DAY_OF_WEEK ? "; in day-of-week, ? stands alone, and nL and n#k are whole list elements" :
            "; ?, L, W and # are only allowed in day-of-month and day-of-week"));
    }

    private static int number(
        final String expression, final CronField field, final String raw, final String text, final String what)
    {
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            throw error(expression, field, raw, "bad " + what + " '" + text + "': not a number");
        }
        if (text.length() > 9)
        {
            throw error(expression, field, raw, "bad " + what + " '" + text + "': far too large for " + field.label);
        }
        return Integer.parseInt(text);
    }

    private static void checkRange(
        final String expression, final CronField field, final String raw, final int v, final int min, final int max)
    {
        if (v < min || v > max)
        {
            throw error(expression, field, raw, "value " + v + " is out of range " + min + "-" + max);
        }
    }

    private static InvalidCronExpressionException error(
        final String expression, final CronField field, final String raw, final String reason)
    {
        return new InvalidCronExpressionException(expression, field.label, raw, reason);
    }

    /** @return the smallest value of the field in the dialect's own numbering. */
    static int extMin(final CronField field, final CronDialect dialect)
    {
        return field == CronField.DAY_OF_WEEK && dialect == CronDialect.QUARTZ ? 1 : field.min;
    }

    /** @return the largest value of the field in the dialect's own numbering. */
    static int extMax(final CronField field, final CronDialect dialect)
    {
        return field.max;
    }

    private static int hashMin(final CronField field, final CronDialect dialect)
    {
        return field == CronField.DAY_OF_WEEK && dialect == CronDialect.QUARTZ ? 1 : field.hashMin;
    }

    private static int hashMax(final CronField field, final CronDialect dialect)
    {
        return field == CronField.DAY_OF_WEEK && dialect == CronDialect.QUARTZ ? 7 : field.hashMax;
    }

    /** @return the internal value: day-of-week 0-6 with 0 = Sunday, year - 1970, others unchanged. */
    static int toInternal(final CronField field, final CronDialect dialect, final int v)
    {
        if (field == CronField.DAY_OF_WEEK)
        {
            return dialect == CronDialect.QUARTZ ? v - 1 : v % 7;
        }
        return field == CronField.YEAR ? v - CronField.YEAR.min : v;
    }
}
