package orchestrator.stress;

import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.runners.TestList;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * NOT thread safe: a command-line entry point. Runs jcstress in a child JVM and then checks its result file, because
 * jcstress itself exits 0 when a test could not be scheduled (too few CPUs for its actors) and when the test filter
 * matches nothing.
 * <p>
 * Usage: {@code java -cp jcstress.jar orchestrator.stress.SuiteRunner [--expect pass|caught] [--report DIR]
 * [--summary FILE.md] [--args=OPTIONS] -- JCSTRESS-ARGS}. {@code --args=} takes further jcstress options as one
 * whitespace-separated string (possibly empty), which is how Maven passes a property that may be blank. With
 * {@code --expect pass} (the default) it exits 0 only when every test the {@code -t} filter selects ran, produced
 * samples, and saw no FORBIDDEN outcome and no error. With
 * {@code --expect caught} (for the planted bugs) it exits 0 only when every selected test ran without error and saw
 * at least one FORBIDDEN outcome.
 */
public final class SuiteRunner
{
    private SuiteRunner()
    {
    }

    /**
     * @param args the options above, then {@code --}, then the arguments for jcstress.
     * @throws Exception when the child JVM cannot be started or its result file cannot be read.
     */
    public static void main(final String[] args) throws Exception
    {
        String expect = "pass";
        Path report = Path.of("jcstress-report");
        Path summary = null;
        final List<String> extra = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++)
        {
            switch (args[i])
            {
                case "--expect": expect = args[++i]; break;
                case "--report": report = Path.of(args[++i]); break;
                case "--summary": summary = Path.of(args[++i]); break;
                default:
                    if (!args[i].startsWith("--args="))
                    {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                    final String options = args[i].substring("--args=".length()).trim();
                    if (!options.isEmpty())
                    {
                        extra.addAll(Arrays.asList(options.split("\\s+")));
                    }
                    break;
            }
        }
        if (!expect.equals("pass") && !expect.equals("caught"))
        {
            throw new IllegalArgumentException("--expect must be pass or caught, was " + expect);
        }
        final List<String> jcstressArgs = new ArrayList<>(
            i < args.length ? Arrays.asList(args).subList(i + 1, args.length) : List.of());
        jcstressArgs.addAll(extra);
        System.exit(run(expect.equals("caught"), report.toAbsolutePath(), summary, jcstressArgs));
    }

    private static int run(
        final boolean expectCaught, final Path report, final Path summary, final List<String> jcstressArgs)
        throws Exception
    {
        final TreeSet<String> selected = selectedTests(option(jcstressArgs, "-t", ".*"));
        if (selected.isEmpty())
        {
            System.out.println("FAILED: the test filter '" + option(jcstressArgs, "-t", ".*") + "' selects no test");
            return 1;
        }
        final String allCpus = String.valueOf(Runtime.getRuntime().availableProcessors());
        final int cpus = Integer.parseInt(option(jcstressArgs, "-c", allCpus));
        for (final String test : selected)
        {
            final int threads = TestList.getInfo(test).threads();
            if (threads > cpus)
            {
                System.out.println("FAILED: " + test + " needs " + threads + " CPUs and " + cpus +
                    " are in use: jcstress would skip it");
                return 1;
            }
        }

        Files.createDirectories(report);
        try (Stream<Path> old = Files.list(report))
        {
            for (final Path path : (Iterable<Path>)old::iterator)
            {
                if (path.getFileName().toString().startsWith("jcstress-results-"))
                {
                    Files.delete(path);
                }
            }
        }
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(absoluteClassPath());
        command.add("org.openjdk.jcstress.Main");
        command.addAll(jcstressArgs);
        command.add("-r");
        command.add(report.toString());
        System.out.println("Running " + selected.size() + " jcstress test(s): " + String.join(" ", command));
        final long startNanos = System.nanoTime();
        final int exitCode = new ProcessBuilder(command).directory(report.toFile()).inheritIO().start().waitFor();
        final long seconds = (System.nanoTime() - startNanos) / 1_000_000_000L;

        final Map<String, TestOutcomes> outcomes = readResults(report);
        return check(expectCaught, selected, outcomes, exitCode, seconds, summary);
    }

    private static int check(
        final boolean expectCaught,
        final TreeSet<String> selected,
        final Map<String, TestOutcomes> outcomes,
        final int exitCode,
        final long seconds,
        final Path summary) throws IOException
    {
        final PrintStream out = System.out;
        int passed = 0;
        int failed = 0;
        out.println();
        out.println("jcstress suite check (" + (expectCaught ? "every test must catch its planted bug" :
            "every test must pass") + "), " + seconds + " s:");
        for (final String test : selected)
        {
            final TestOutcomes result = outcomes.get(test);
            final String verdict;
            if (result == null || result.samples == 0)
            {
                verdict = "NOT RUN";
            }
            else if (result.status != Status.NORMAL)
            {
                verdict = "ERROR (" + result.status + ")";
            }
            else if (expectCaught)
            {
                verdict = result.forbiddenSamples > 0 ? "CAUGHT" : "NOT CAUGHT";
            }
            else
            {
                verdict = result.forbiddenSamples > 0 ? "FORBIDDEN" : "OK";
            }
            final boolean good = verdict.equals(expectCaught ? "CAUGHT" : "OK");
            if (good)
            {
                passed++;
            }
            else
            {
                failed++;
            }
            out.printf("  [%s] %s: %,d samples, %,d forbidden%n", verdict, test,
                result == null ? 0 : result.samples, result == null ? 0 : result.forbiddenSamples);
        }
        for (final String test : outcomes.keySet())
        {
            if (!selected.contains(test))
            {
                out.println("  [UNEXPECTED] " + test + " ran but the filter does not select it");
                failed++;
            }
        }
        if (!expectCaught && exitCode != 0)
        {
            out.println("  jcstress exited with " + exitCode);
            failed = Math.max(failed, 1);
        }
        if (summary != null)
        {
            Files.writeString(summary, markdown(selected, outcomes, seconds), StandardCharsets.UTF_8);
            out.println("  summary written to " + summary);
        }
        out.println("jcstress: " + passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    private static TreeSet<String> selectedTests(final String filter)
    {
        final Pattern pattern = Pattern.compile(filter);
        final TreeSet<String> selected = new TreeSet<>();
        for (final String test : TestList.tests())
        {
            if (pattern.matcher(test).find()) // the same match jcstress applies to -t
            {
                selected.add(test);
            }
        }
        return selected;
    }

    private static String absoluteClassPath()
    {
        final StringBuilder path = new StringBuilder();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            if (path.length() > 0)
            {
                path.append(File.pathSeparator);
            }
            path.append(Path.of(entry).toAbsolutePath()); // the child runs in the report directory
        }
        return path.toString();
    }

    private static String option(final List<String> args, final String name, final String otherwise)
    {
        final int index = args.indexOf(name);
        return index >= 0 && index + 1 < args.size() ? args.get(index + 1) : otherwise;
    }

    private static Map<String, TestOutcomes> readResults(final Path report) throws Exception
    {
        final Map<String, TestOutcomes> outcomes = new TreeMap<>();
        final File[] blobs = report.toFile().listFiles((dir, name) -> name.startsWith("jcstress-results-"));
        if (blobs == null || blobs.length == 0)
        {
            return outcomes;
        }
        for (final File blob : blobs)
        {
            final DiskReadCollector reader = new DiskReadCollector(blob.getPath(),
                result -> outcomes.computeIfAbsent(result.getName(), name -> new TestOutcomes()).add(result));
            try
            {
                reader.dump();
            }
            finally
            {
                reader.close();
            }
        }
        return outcomes;
    }

    private static String markdown(final TreeSet<String> selected, final Map<String, TestOutcomes> outcomes,
        final long seconds)
    {
        final StringBuilder text = new StringBuilder();
        text.append("| test | samples | outcome | seen | expect |\n|---|---:|---|---:|---|\n");
        for (final String test : selected)
        {
            final TestOutcomes result = outcomes.get(test);
            if (result == null)
            {
                text.append("| ").append(shortName(test)).append(" | 0 | not run | | |\n");
                continue;
            }
            String name = shortName(test) + " | " + String.format("%,d", result.samples);
            for (final GradingResult outcome : result.byOutcome.values())
            {
                text.append("| ").append(name).append(" | `").append(outcome.id).append("` | ")
                    .append(String.format("%,d", outcome.count)).append(" | ").append(outcome.expect).append(" |\n");
                name = " | ";
            }
        }
        text.append("\nTotal wall time of the jcstress run: ").append(seconds).append(" s.\n");
        return text.toString();
    }

    private static String shortName(final String test)
    {
        return test.startsWith("orchestrator.") ? test.substring("orchestrator.".length()) : test;
    }

    /** The results of one test, summed over the configurations (JVM flags, forks) jcstress ran it in. */
    private static final class TestOutcomes
    {
        final TreeMap<String, GradingResult> byOutcome = new TreeMap<>();
        Status status = Status.NORMAL;
        long samples;
        long forbiddenSamples;

        void add(final TestResult result)
        {
            status = status.combine(result.status());
            samples += result.getTotalCount();
            for (final GradingResult graded : result.grading().gradingResults.values())
            {
                if (graded.expect == Expect.FORBIDDEN)
                {
                    forbiddenSamples += graded.count;
                }
                final GradingResult sum = byOutcome.get(graded.id);
                byOutcome.put(graded.id, new GradingResult(graded.id, graded.expect,
                    graded.count + (sum == null ? 0 : sum.count), graded.description));
            }
        }
    }
}
