package orchestrator.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Thread safe (immutable): what a {@link BenchmarkRunner} invocation does and where its files go, decided from the
 * system properties Maven passes.
 * <ul>
 * <li>full ({@code mvn -pl benchmarks jmh}): every benchmark with the settings in its annotations, files in
 * {@code results/} at the project root;</li>
 * <li>quick ({@code -Djmh.args="..."}): the given JMH options on top, files in {@code benchmarks/target/jmh-results/},
 * {@code results/} untouched;</li>
 * <li>smoke ({@code -Dbench.smoke=true}, bound to {@code mvn verify}): every benchmark once, briefly, failing on the
 * first error, files in {@code benchmarks/target/jmh-smoke/}.</li>
 * </ul>
 *
 * @param kind       full, quick or smoke.
 * @param moduleDir  the benchmarks module.
 * @param outputDir  where the JSON, the Markdown page and the charts go.
 * @param jmhArgs    extra JMH command-line options, tokenised.
 * @param harnesses  whether to run the footprint and lateness harnesses.
 * @param command    the command a reader would type to repeat the run.
 */
public record RunMode(
    Kind kind, Path moduleDir, Path outputDir, List<String> jmhArgs, boolean harnesses, String command)
{
    /**
     * The three kinds of run.
     */
    public enum Kind
    {
        /** Every benchmark, default settings, results/ at the project root. */
        FULL,
        /** Extra JMH options, files under target/. */
        QUICK,
        /** One short iteration of everything inside mvn verify. */
        SMOKE
    }

    /**
     * @return the mode described by the system properties {@code bench.module.dir}, {@code jmh.args},
     *         {@code bench.smoke} and {@code bench.harnesses}.
     */
    public static RunMode fromSystemProperties()
    {
        final Path moduleDir = Path.of(System.getProperty("bench.module.dir", ".")).toAbsolutePath().normalize();
        final String args = System.getProperty("jmh.args", "").trim();
        final String harnesses = System.getProperty("bench.harnesses", "").trim();
        if (Boolean.getBoolean("bench.smoke"))
        {
            return new RunMode(Kind.SMOKE, moduleDir, moduleDir.resolve("target/jmh-smoke"), tokenize(args),
                !"false".equals(harnesses), "mvn verify");
        }
        if (args.isEmpty())
        {
            final Path root = moduleDir.getParent() == null ? moduleDir : moduleDir.getParent();
            return new RunMode(Kind.FULL, moduleDir, root.resolve("results"), List.of(), !"false".equals(harnesses),
                "mvn -pl benchmarks jmh");
        }
        return new RunMode(Kind.QUICK, moduleDir, moduleDir.resolve("target/jmh-results"), tokenize(args),
            "true".equals(harnesses) || harnesses.startsWith("true,"),
            "mvn -pl benchmarks jmh -Djmh.args=\"" + args + "\"");
    }

    /**
     * @return whether to run the durable-store harness ({@code RestartMain}): on request only, with
     *         {@code -Dbench.harnesses=durable} (alone in a quick run, after the others in a full run) or
     *         {@code -Dbench.harnesses=true,durable} (with the others in a quick run); in smoke runs unless the
     *         harnesses are off.
     */
    public boolean durableHarness()
    {
        final String value = System.getProperty("bench.harnesses", "").trim();
        if (kind == Kind.SMOKE)
        {
            return !"false".equals(value);
        }
        return List.of(value.split(",")).contains("durable");
    }

    /**
     * @return whether to run the cluster harness ({@code ClusterMain}): on request only, with
     *         {@code -Dbench.harnesses=cluster} (or {@code durable,cluster}, {@code true,cluster}); in smoke runs, in
     *         its short form, unless the harnesses are off.
     */
    public boolean clusterHarness()
    {
        final String value = System.getProperty("bench.harnesses", "").trim();
        if (kind == Kind.SMOKE)
        {
            return !"false".equals(value);
        }
        return List.of(value.split(",")).contains("cluster");
    }

    /**
     * Splits a command line on whitespace, keeping single- or double-quoted runs together.
     *
     * @param line the command line.
     * @return its tokens.
     */
    public static List<String> tokenize(final String line)
    {
        final List<String> tokens = new ArrayList<>();
        final StringBuilder token = new StringBuilder();
        char quote = 0;
        boolean inToken = false;
        for (int i = 0; i < line.length(); i++)
        {
            final char c = line.charAt(i);
            if (quote != 0)
            {
                if (c == quote)
                {
                    quote = 0;
                }
                else
                {
                    token.append(c);
                }
            }
            else if (c == '"' || c == '\'')
            {
                quote = c;
                inToken = true;
            }
            else if (Character.isWhitespace(c))
            {
                if (inToken)
                {
                    tokens.add(token.toString());
                    token.setLength(0);
                    inToken = false;
                }
            }
            else
            {
                token.append(c);
                inToken = true;
            }
        }
        if (inToken)
        {
            tokens.add(token.toString());
        }
        return tokens;
    }
}
