package orchestrator.scheduler.cron;

import java.util.SplittableRandom;

/**
 * NOT thread safe (holds a random generator): makes random cron expressions of each dialect, biased towards
 * expressions that fire often enough for a brute-force reference to find the next fire quickly.
 */
final class RandomCron
{
    private static final String[] DOW_NAMES = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
    private static final String[] MONTH_NAMES =
        {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

    private final SplittableRandom random;

    RandomCron(final SplittableRandom random)
    {
        this.random = random;
    }

    String expression(final CronDialect dialect, final boolean allowHash)
    {
        return expression(dialect, allowHash, -1);
    }

    /**
     * @param forcedHour when 0-23, the hour field is that hour (sometimes in a list or range with others), to aim
     *                   fixed-hour jobs at a DST change; -1 for a random hour field.
     */
    String expression(final CronDialect dialect, final boolean allowHash, final int forcedHour)
    {
        final boolean quartz = dialect == CronDialect.QUARTZ;
        final boolean unix = dialect == CronDialect.UNIX;
        final StringBuilder out = new StringBuilder();
        if (!unix)
        {
            out.append(chance(0.5) ? "0" : field(0, 59, quartz, allowHash, 0.3)).append(' ');
        }
        out.append(field(0, 59, quartz, allowHash, 0.3)).append(' ');
        if (forcedHour >= 0)
        {
            switch (random.nextInt(4))
            {
                case 0: out.append(forcedHour); break;
                case 1: out.append(forcedHour).append(',').append(random.nextInt(24)); break;
                case 2: out.append(Math.max(0, forcedHour - 1)).append('-').append(forcedHour); break;
                default: out.append(field(0, 23, quartz, allowHash, 0.4)); break;
            }
            out.append(' ');
        }
        else
        {
            out.append(field(0, 23, quartz, allowHash, 0.4)).append(' ');
        }
        String dom = chance(0.55) ? "*" : dayOfMonth(dialect, allowHash);
        String dow = chance(0.6) ? "*" : dayOfWeek(dialect, allowHash);
        if (quartz)
        {
            if (chance(0.5))
            {
                dom = "?";
            }
            else
            {
                dow = "?";
            }
        }
        else if (dialect == CronDialect.SPRING && chance(0.1))
        {
            if (chance(0.5))
            {
                dom = "?";
            }
            else
            {
                dow = "?";
            }
        }
        out.append(dom).append(' ');
        out.append(chance(0.65) ? "*" : month(quartz)).append(' ');
        out.append(dow);
        if (quartz && chance(0.3))
        {
            out.append(' ').append(year());
        }
        return out.toString();
    }

    private String field(final int min, final int max, final boolean wrap, final boolean allowHash, final double star)
    {
        if (chance(star))
        {
            return "*";
        }
        final int parts = 1 + (chance(0.3) ? 1 + random.nextInt(2) : 0);
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts; i++)
        {
            if (i > 0)
            {
                out.append(',');
            }
            out.append(atom(min, max, wrap, allowHash));
        }
        return out.toString();
    }

    private String atom(final int min, final int max, final boolean wrap, final boolean allowHash)
    {
        final int width = max - min + 1;
        final int a = min + random.nextInt(width);
        final int b = min + random.nextInt(width);
        final int step = 1 + random.nextInt(Math.max(1, width / 3));
        switch (random.nextInt(allowHash ? 8 : 6))
        {
            case 0: return Integer.toString(a);
            case 1: return "*/" + step;
            case 2: return wrap || a <= b ? a + "-" + b : b + "-" + a;
            case 3: return (wrap || a <= b ? a + "-" + b : b + "-" + a) + "/" + step;
            case 4: return a + "/" + step;
            case 5: return Integer.toString(a);
            case 6: return "H";
            default: return chance(0.5) ? "H/" + step : "H(" + Math.min(a, b) + "-" + Math.max(a, b) + ")";
        }
    }

    private String dayOfMonth(final CronDialect dialect, final boolean allowHash)
    {
        if (dialect != CronDialect.UNIX && chance(0.35))
        {
            switch (random.nextInt(4))
            {
                case 0: return "L";
                case 1: return "L-" + random.nextInt(10);
                case 2: return chance(0.5) ? "LW" : "L-" + random.nextInt(10) + "W";
                default:
                    final int[] edges = {1, 2, 15, 28, 29, 30, 31};
                    return (chance(0.5) ? edges[random.nextInt(edges.length)] : 1 + random.nextInt(31)) + "W";
            }
        }
        return field(1, 31, dialect == CronDialect.QUARTZ, allowHash, 0);
    }

    private String dayOfWeek(final CronDialect dialect, final boolean allowHash)
    {
        final boolean quartz = dialect == CronDialect.QUARTZ;
        final int min = quartz ? 1 : 0;
        final int max = quartz ? 7 : 7;
        if (dialect != CronDialect.UNIX && chance(0.3))
        {
            final int w = min + random.nextInt(quartz ? 7 : 8);
            final String day = chance(0.3) ? DOW_NAMES[quartz ? w - 1 : w % 7] : Integer.toString(w);
            return chance(0.5) ? day + "L" : day + "#" + (1 + random.nextInt(5));
        }
        if (chance(0.25))
        {
            final int a = random.nextInt(7);
            final int b = random.nextInt(7);
            return quartz || a <= b ? DOW_NAMES[a] + "-" + DOW_NAMES[b] : DOW_NAMES[b] + "-" + DOW_NAMES[a];
        }
        return field(min, max, quartz, allowHash, 0);
    }

    private String month(final boolean wrap)
    {
        if (chance(0.2))
        {
            return MONTH_NAMES[random.nextInt(12)] + "," + MONTH_NAMES[random.nextInt(12)];
        }
        return field(1, 12, wrap, false, 0);
    }

    private String year()
    {
        final int a = 2000 + random.nextInt(40);
        switch (random.nextInt(3))
        {
            case 0: return "*";
            case 1: return a + "-" + (a + random.nextInt(10));
            default: return a + "/" + (1 + random.nextInt(3));
        }
    }

    private boolean chance(final double p)
    {
        return random.nextDouble() < p;
    }
}
