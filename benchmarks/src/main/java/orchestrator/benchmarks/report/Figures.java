package orchestrator.benchmarks.report;

import java.util.Locale;

/**
 * Thread safe (stateless): formats figures the way the tables show them, about three significant digits.
 */
public final class Figures
{
    private Figures()
    {
    }

    /**
     * @param value a figure.
     * @return "48", "13.6", "3.8", "1,960", or "-" for a missing figure.
     */
    public static String format(final double value)
    {
        if (Double.isNaN(value))
        {
            return "-";
        }
        final double magnitude = Math.abs(value);
        if (magnitude >= 100)
        {
            return String.format(Locale.ROOT, "%,d", Math.round(value));
        }
        if (magnitude >= 1)
        {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /**
     * @param value a ratio.
     * @return "x12.6", "x0.85", or "-".
     */
    public static String ratio(final double value)
    {
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            return "-";
        }
        return "x" + (value >= 10 ? String.format(Locale.ROOT, "%,d", Math.round(value)) :
            String.format(Locale.ROOT, value >= 1 ? "%.1f" : "%.2f", value));
    }

    /**
     * @param n a size.
     * @return "1k", "100k", "1M", "10M", or the number itself.
     */
    public static String size(final long n)
    {
        if (n >= 1_000_000 && n % 1_000_000 == 0)
        {
            return n / 1_000_000 + "M";
        }
        if (n >= 1_000 && n % 1_000 == 0)
        {
            return n / 1_000 + "k";
        }
        return Long.toString(n);
    }
}
