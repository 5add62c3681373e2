package orchestrator.scheduler.cron;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Immutable, safe from any thread: one {@code H} form ({@code H}, {@code H(a-b)}, {@code H/n}, {@code H(a-b)/n}, or a
 * list of them) in one field of one dialect, the expression that holds it (every other field a wildcard), and what
 * binding it to a task name must give by the documented rule: for each H atom, with its own hash
 * ({@link TaskHash#forAtom}), {@code lo + hash mod (hi - lo + 1)}, or with a step {@code n} every n-th value from
 * {@code lo + hash mod n} up to {@code hi}. Values are in the dialect's own numbering (QUARTZ day-of-week 1-7).
 */
final class HashForm
{
    private static final CronField[] SIX_QUARTZ_FIELDS = {CronField.SECOND, CronField.MINUTE, CronField.HOUR,
        CronField.DAY_OF_MONTH, CronField.MONTH, CronField.DAY_OF_WEEK};

    final CronDialect dialect;
    final CronField field;
    final String text;
    /** {lo, hi, step} per H atom, in the dialect's numbering; step 0 when there is none. */
    final List<int[]> atoms;

    private HashForm(final CronDialect dialect, final CronField field, final String text, final List<int[]> atoms)
    {
        this.dialect = dialect;
        this.field = field;
        this.text = text;
        this.atoms = atoms;
    }

    /** @return the fields of the dialect, in expression order. */
    static CronField[] fieldsOf(final CronDialect dialect)
    {
        switch (dialect)
        {
            case UNIX:
                return new CronField[] {CronField.MINUTE, CronField.HOUR, CronField.DAY_OF_MONTH, CronField.MONTH,
                    CronField.DAY_OF_WEEK};
            case SPRING:
                return new CronField[] {CronField.SECOND, CronField.MINUTE, CronField.HOUR, CronField.DAY_OF_MONTH,
                    CronField.MONTH, CronField.DAY_OF_WEEK};
            default:
                return CronField.values();
        }
    }

    /** @return the bare {@code H} of the field: its whole hash range (day-of-month 1-28, day-of-week without 7). */
    static HashForm bare(final CronDialect dialect, final CronField field)
    {
        final List<int[]> atoms = new ArrayList<>();
        atoms.add(new int[] {hashMin(dialect, field), hashMax(dialect, field), 0});
        return new HashForm(dialect, field, "H", atoms);
    }

    /**
     * @param kind 0 {@code H}, 1 {@code H(a-b)}, 2 {@code H/n}, 3 {@code H(a-b)/n}, 4 a list of a random form and a
     *             bare {@code H}. Steps run up to the field's width, so some are longer than the range they step
     *             through, which the parser must refuse.
     */
    static HashForm random(final SplittableRandom random, final CronDialect dialect, final CronField field, final int kind)
    {
        final List<int[]> atoms = new ArrayList<>();
        final StringJoiner text = new StringJoiner(",");
        if (kind == 4)
        {
            text.add(atom(random, dialect, field, 1 + random.nextInt(3), atoms));
            text.add(atom(random, dialect, field, 0, atoms));
        }
        else
        {
            text.add(atom(random, dialect, field, kind, atoms));
        }
        return new HashForm(dialect, field, text.toString(), atoms);
    }

    private static String atom(
        final SplittableRandom random, final CronDialect dialect, final CronField field, final int kind, final List<int[]> atoms)
    {
        final int min = FieldParser.extMin(field, dialect);
        final int max = FieldParser.extMax(field, dialect);
        int lo = hashMin(dialect, field);
        int hi = hashMax(dialect, field);
        if (kind == 1 || kind == 3)
        {
            final int a = min + random.nextInt(max - min + 1);
            final int b = min + random.nextInt(max - min + 1);
            lo = Math.min(a, b);
            hi = Math.max(a, b);
        }
        int step = 0;
        if (kind == 2 || kind == 3)
        {
            step = 1 + random.nextInt(random.nextInt(4) == 0 ? max - min + 1 : hi - lo + 1);
        }
        atoms.add(new int[] {lo, hi, step});
        final String range = kind == 1 || kind == 3 ? "H(" + lo + "-" + hi + ")" : "H";
        return step == 0 ? range : range + "/" + step;
    }

    /** @return true when every stepped atom's step fits its range, as the parser requires. */
    boolean accepted()
    {
        for (final int[] atom : atoms)
        {
            if (atom[2] > atom[1] - atom[0] + 1)
            {
                return false;
            }
        }
        return true;
    }

    /** @return the whole expression: this form in its field, the other fields wildcards (second 0). */
    String expression()
    {
        return expressionWith(text);
    }

    /** @return the expression with the bound values written out, stepped atoms kept stepped (as interval-like). */
    String plainExpression(final String taskName)
    {
        final StringJoiner plain = new StringJoiner(",");
        final long hash = TaskHash.of(taskName);
        for (int i = 0; i < atoms.size(); i++)
        {
            final int[] atom = atoms.get(i);
            final long h = TaskHash.forAtom(hash, field.ordinal(), i);
            if (atom[2] == 0)
            {
                plain.add(Integer.toString(atom[0] + (int)Long.remainderUnsigned(h, atom[1] - atom[0] + 1)));
            }
            else
            {
                plain.add(atom[0] + (int)Long.remainderUnsigned(h, atom[2]) + "-" + atom[1] + "/" + atom[2]);
            }
        }
        return expressionWith(plain.toString());
    }

    private String expressionWith(final String fieldText)
    {
        final StringJoiner expression = new StringJoiner(" ");
        for (final CronField f : dialect == CronDialect.QUARTZ && field != CronField.YEAR ?
            SIX_QUARTZ_FIELDS : fieldsOf(dialect))
        {
            if (f == field)
            {
                expression.add(fieldText);
            }
            else if (f == CronField.SECOND)
            {
                expression.add("0");
            }
            else if (dialect == CronDialect.QUARTZ && (f == CronField.DAY_OF_WEEK ?
                field != CronField.DAY_OF_WEEK : field == CronField.DAY_OF_WEEK && f == CronField.DAY_OF_MONTH))
            {
                expression.add("?");
            }
            else
            {
                expression.add("*");
            }
        }
        return expression.toString();
    }

    /** @return the values binding must give for the task name, normalised as {@link #boundValues} reads them. */
    TreeSet<Integer> expectedValues(final String taskName)
    {
        final TreeSet<Integer> values = new TreeSet<>();
        final long hash = TaskHash.of(taskName);
        for (int i = 0; i < atoms.size(); i++)
        {
            final int[] atom = atoms.get(i);
            final long h = TaskHash.forAtom(hash, field.ordinal(), i);
            if (atom[2] == 0)
            {
                values.add(normalise(atom[0] + (int)Long.remainderUnsigned(h, atom[1] - atom[0] + 1)));
            }
            else
            {
                for (int v = atom[0] + (int)Long.remainderUnsigned(h, atom[2]); v <= atom[1]; v += atom[2])
                {
                    values.add(normalise(v));
                }
            }
        }
        return values;
    }

    /** @return true when every value lies in the range of one of the atoms. */
    boolean inRange(final TreeSet<Integer> values)
    {
        final TreeSet<Integer> allowed = new TreeSet<>();
        for (final int[] atom : atoms)
        {
            for (int v = atom[0]; v <= atom[1]; v++)
            {
                allowed.add(normalise(v));
            }
        }
        return allowed.containsAll(values);
    }

    private int normalise(final int value)
    {
        return field == CronField.DAY_OF_WEEK && dialect != CronDialect.QUARTZ ? value % 7 : value;
    }

    /** @return the values a compiled schedule holds in the field, in the dialect's numbering (UNIX Sunday as 0). */
    static TreeSet<Integer> boundValues(final CompiledCron cron, final CronDialect dialect, final CronField field)
    {
        final TreeSet<Integer> values = new TreeSet<>();
        if (field == CronField.YEAR)
        {
            for (int y = CronField.YEAR.min; y <= CronField.YEAR.max; y++)
            {
                if (cron.years != null && cron.yearAllowed(y))
                {
                    values.add(y);
                }
            }
            return values;
        }
        final long bits;
        switch (field)
        {
            case SECOND: bits = cron.seconds; break;
            case MINUTE: bits = cron.minutes; break;
            case HOUR: bits = cron.hours; break;
            case DAY_OF_MONTH: bits = cron.daysOfMonth; break;
            case MONTH: bits = cron.months; break;
            default: bits = cron.daysOfWeek; break;
        }
        final int shift = field == CronField.DAY_OF_WEEK && dialect == CronDialect.QUARTZ ? 1 : 0;
        for (long rest = bits; rest != 0; rest &= rest - 1)
        {
            values.add(Long.numberOfTrailingZeros(rest) + shift);
        }
        return values;
    }

    private static int hashMin(final CronDialect dialect, final CronField field)
    {
        return field == CronField.DAY_OF_WEEK && dialect == CronDialect.QUARTZ ? 1 : field.hashMin;
    }

    private static int hashMax(final CronDialect dialect, final CronField field)
    {
        return field == CronField.DAY_OF_WEEK && dialect == CronDialect.QUARTZ ? 7 : field.hashMax;
    }
}
