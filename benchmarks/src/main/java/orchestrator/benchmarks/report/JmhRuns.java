package orchestrator.benchmarks.report;

import java.util.Collection;
import java.util.Map;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.ListStatistics;

/**
 * Thread safe: stateless. Reads JMH's run results into {@link Results}: the score of each benchmark that maps to a
 * {@link Metric} (primary, or the metric's secondary result), its allocation per operation when the run had the GC
 * profiler, and every other benchmark's primary score as is.
 */
final class JmhRuns
{
    private static final double CONFIDENCE = 0.999;

    private JmhRuns()
    {
    }

    /**
     * @see Results#addJmh(Collection)
     */
    static void addTo(final Results results, final Collection<RunResult> runResults)
    {
        for (final RunResult run : runResults)
        {
            final BenchmarkParams params = run.getParams();
            final Metric metric = Metric.forBenchmark(params.getBenchmark());
            if (metric == null)
            {
                results.addOther(other(run));
                continue;
            }
            final Result<?> result = metric.secondary() == null ? run.getPrimaryResult() :
                run.getSecondaryResults().get(metric.secondary());
            if (result == null)
            {
                continue;
            }
            final String structure = params.getParam(metric.rowParam());
            final String n = params.getParam(metric.columnParam());
            final long size = n == null ? 0 : Long.parseLong(n);
            results.put(metric, structure, size, new Results.Score(result.getScore(), result.getScoreError()));
            final Results.Score bytes = allocationPerOperation(run);
            if (bytes != null)
            {
                results.putAllocation(metric, structure, size, bytes);
            }
        }
    }

    private static Results.Other other(final RunResult run)
    {
        final BenchmarkParams params = run.getParams();
        final String benchmark = params.getBenchmark();
        final String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        final StringBuilder text = new StringBuilder();
        for (final String key : params.getParamsKeys())
        {
            text.append(text.length() == 0 ? "" : " ").append(key).append('=').append(params.getParam(key));
        }
        final Result<?> result = run.getPrimaryResult();
        return new Results.Other(name, text.toString(), result.getScore(), result.getScoreError(),
            result.getScoreUnit());
    }

    /**
     * Bytes allocated per operation of the figure, per measured iteration of every fork: the GC profiler's bytes
     * for the iteration ({@value Results#ALLOC_NORM} times JMH's operations), less what untimed fixtures allocated
     * ({@value Results#UNTIMED_BYTES}), divided by the operations the figure counts ({@value Results#OPS}, or
     * JMH's); then the mean and its 99.9% error margin, as JMH computes them for scores.
     *
     * @return the figure, or null when the run had no GC profiler.
     */
    static Results.Score allocationPerOperation(final RunResult run)
    {
        final ListStatistics perIteration = new ListStatistics();
        for (final BenchmarkResult fork : run.getBenchmarkResults())
        {
            for (final IterationResult iteration : fork.getIterationResults())
            {
                final Map<String, Result> secondary = iteration.getSecondaryResults();
                final Result norm = secondary.get(Results.ALLOC_NORM);
                if (norm == null || Double.isNaN(norm.getScore()))
                {
                    return null;
                }
                final long jmhOps = iteration.getMetadata().getAllOps();
                final Result untimed = secondary.get(Results.UNTIMED_BYTES);
                final Result ops = secondary.get(Results.OPS);
                final double bytes = norm.getScore() * jmhOps - (untimed == null ? 0 : untimed.getScore());
                final double count = ops == null || ops.getScore() <= 0 ? jmhOps : ops.getScore();
                perIteration.addValue(bytes / count);
            }
        }
        if (perIteration.getN() == 0)
        {
            return null;
        }
        return new Results.Score(perIteration.getMean(),
            perIteration.getN() > 1 ? perIteration.getMeanErrorAt(CONFIDENCE) : Double.NaN);
    }
}
