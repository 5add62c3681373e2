package orchestrator.benchmarks.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * NOT thread safe: draws one grouped bar chart per metric with XChart (sizes on the x axis, one bar per structure,
 * logarithmic y axis) and saves it as PNG.
 */
public final class Charts
{
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 560;

    private final Results results;
    private final List<String> order;
    private final Function<String, String> labels;

    /**
     * @param results the figures.
     * @param order   structures in the order the bars show them.
     * @param labels  structure name to legend label.
     */
    public Charts(final Results results, final List<String> order, final Function<String, String> labels)
    {
        this.results = results;
        this.order = order;
        this.labels = labels;
    }

    /**
     * Writes {@code <metric>.png} for every metric with figures.
     *
     * @param directory where the files go.
     * @return the file names written.
     * @throws IOException when a file cannot be written.
     */
    public List<String> write(final Path directory) throws IOException
    {
        final List<String> files = new ArrayList<>();
        for (final Metric metric : Metric.values())
        {
            final Set<Long> sizes = results.sizes(metric);
            if (sizes.isEmpty() || !metric.charted())
            {
                continue;
            }
            final CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(metric.title() + " (" + metric.unit() + ", log scale, " +
                    (metric.lowerIsBetter() ? "lower" : "higher") + " is better)")
                .xAxisTitle("n").yAxisTitle(metric.unit()).build();
            final CategoryStyler styler = chart.getStyler();
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setYAxisDecimalPattern("#,##0.#");
            styler.setLegendPosition(Styler.LegendPosition.OutsideS);
            styler.setChartBackgroundColor(Color.WHITE);
            styler.setAntiAlias(true);
            double min = Double.MAX_VALUE;
            double max = 0;
            for (final String structure : results.structures(metric, order))
            {
                // a log axis takes positive values only: a size this structure lacks is left out of its series
                final List<String> x = new ArrayList<>();
                final List<Double> y = new ArrayList<>();
                for (final long n : sizes)
                {
                    final Results.Score score = results.get(metric, structure, n);
                    if (score != null && score.value() > 0)
                    {
                        x.add(Figures.size(n));
                        y.add(score.value());
                        min = Math.min(min, score.value());
                        max = Math.max(max, score.value());
                    }
                }
                if (!x.isEmpty())
                {
                    chart.addSeries(labels.apply(structure), x, y);
                }
            }
            if (max == 0)
            {
                continue;
            }
            // bars start at the axis minimum, which must be positive on a log axis: whole decades around the data
            styler.setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
            styler.setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max * 1.01))));
            final String file = metric.title() + ".png";
            BitmapEncoder.saveBitmap(chart, directory.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
            files.add(file);
        }
        if (!results.lateness().isEmpty())
        {
            files.add(lateness(directory));
        }
        return files;
    }

    private String lateness(final Path directory) throws IOException
    {
        final CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
            .title("fire lateness, driver thread (µs, log scale, lower is better)")
            .xAxisTitle("percentile").yAxisTitle("µs").build();
        final CategoryStyler styler = chart.getStyler();
        styler.setYAxisLogarithmic(true);
        styler.setYAxisDecimalPattern("#,##0.#");
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setChartBackgroundColor(Color.WHITE);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (final Results.Lateness row : results.lateness())
        {
            // log axis: a value under 1 µs is drawn at 1 µs
            final List<Double> values = List.of(Math.max(1, row.p50()), Math.max(1, row.p99()),
                Math.max(1, row.p999()), Math.max(1, row.max()));
            for (final double value : values)
            {
                min = Math.min(min, value);
                max = Math.max(max, value);
            }
            chart.addSeries(String.format(Locale.ROOT, "%,d fires/s, %s", row.rate(), row.kind()),
                List.of("p50", "p99", "p99.9", "max"), values);
        }
        styler.setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        styler.setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max * 1.01))));
        final String file = "lateness.png";
        BitmapEncoder.saveBitmap(chart, directory.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
