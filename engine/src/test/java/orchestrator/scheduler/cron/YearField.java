package orchestrator.scheduler.cron;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Immutable, safe from any thread: a random QUARTZ year field over the whole range 1970-2099 (a year, a list, a
 * range, a range with a step, a step, {@code *}{@code /n}, and every {@code H} form; a reversed range is refused, as
 * years do not wrap) and the years it must
 * allow, worked out here from the documented rules rather than by the parser.
 */
final class YearField
{
    private static final int MIN = CronField.YEAR.min;
    private static final int MAX = CronField.YEAR.max;
    private static final int WIDTH = MAX - MIN + 1;

    final String text;
    /** {from, to, step, hashed}: a plain atom, or an H atom over [from, to]. */
    private final List<int[]> atoms;

    private YearField(final String text, final List<int[]> atoms)
    {
        this.text = text;
        this.atoms = atoms;
    }

    static YearField random(final SplittableRandom random)
    {
        final List<int[]> atoms = new ArrayList<>();
        final StringJoiner text = new StringJoiner(",");
        final int parts = random.nextInt(5) == 0 ? 2 + random.nextInt(2) : 1;
        for (int i = 0; i < parts; i++)
        {
            text.add(atom(random, atoms));
        }
        return new YearField(text.toString(), atoms);
    }

    private static String atom(final SplittableRandom random, final List<int[]> atoms)
    {
        final int a = MIN + random.nextInt(WIDTH);
        final int b = MIN + random.nextInt(WIDTH);
        final int lo = Math.min(a, b);
        final int hi = Math.max(a, b);
        final int step = 1 + random.nextInt(random.nextBoolean() ? 10 : WIDTH);
        switch (random.nextInt(10))
        {
            case 0: atoms.add(new int[] {a, a, 1, 0}); return Integer.toString(a);
            case 1: atoms.add(new int[] {lo, hi, 1, 0}); return lo + "-" + hi;
            case 2: atoms.add(new int[] {lo, lo, 1, 0}); return lo + "-" + lo;
            case 3: atoms.add(new int[] {a, MAX, step, 0}); return a + "/" + step;
            case 4: atoms.add(new int[] {lo, hi, step, 0}); return lo + "-" + hi + "/" + step;
            case 5: atoms.add(new int[] {MIN, MAX, step, 0}); return "*/" + step;
            case 6: atoms.add(new int[] {MIN, MAX, 0, 1}); return "H";
            case 7: atoms.add(new int[] {lo, hi, 0, 1}); return "H(" + lo + "-" + hi + ")";
            case 8:
                final int fullStep = 1 + random.nextInt(WIDTH);
                atoms.add(new int[] {MIN, MAX, fullStep, 1});
                return "H/" + fullStep;
            default:
                final int rangeStep = 1 + random.nextInt(hi - lo + 1);
                atoms.add(new int[] {lo, hi, rangeStep, 1});
                return "H(" + lo + "-" + hi + ")/" + rangeStep;
        }
    }

    /** @return the years the field allows for the task name. */
    TreeSet<Integer> values(final String taskName)
    {
        final TreeSet<Integer> years = new TreeSet<>();
        final long hash = TaskHash.of(taskName);
        int hashIndex = 0;
        for (final int[] atom : atoms)
        {
            if (atom[3] == 0)
            {
                final int span = atom[1] >= atom[0] ? atom[1] - atom[0] : atom[1] - atom[0] + WIDTH;
                for (int k = 0; k <= span; k += atom[2])
                {
                    years.add(MIN + (atom[0] - MIN + k) % WIDTH);
                }
                continue;
            }
            final long h = TaskHash.forAtom(hash, CronField.YEAR.ordinal(), hashIndex++);
            if (atom[2] == 0)
            {
                years.add(atom[0] + (int)Long.remainderUnsigned(h, atom[1] - atom[0] + 1));
            }
            else
            {
                for (int y = atom[0] + (int)Long.remainderUnsigned(h, atom[2]); y <= atom[1]; y += atom[2])
                {
                    years.add(y);
                }
            }
        }
        return years;
    }
}
