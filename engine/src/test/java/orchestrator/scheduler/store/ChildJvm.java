package orchestrator.scheduler.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * NOT thread safe: driven by one test thread. A child JVM for the crash tests, on the test class path, whose standard
 * output a thread reads as it comes, so that every whole line it printed before a SIGKILL can be checked.
 */
public final class ChildJvm
{
    private static final long TIMEOUT_S = 60;

    private final Process process;
    private final Path stderr;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Thread reader;

    private ChildJvm(final Process process, final Path stderr)
    {
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(this::read, "crash-child-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code main} with a small heap and the C1 compiler only, so that many short children start fast.
     *
     * @param stderr where the child's standard error goes, shown when it fails.
     */
    public static ChildJvm start(final Class<?> main, final List<String> args, final Path stderr) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-Xshare:auto",
            "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        return new ChildJvm(new ProcessBuilder(command).redirectError(stderr.toFile()).start(), stderr);
    }

    /**
     * @return the child's process id (for {@code kill -STOP} and {@code kill -CONT}).
     */
    public long pid()
    {
        return process.pid();
    }

    /**
     * @return whether the child still runs.
     */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    private void read()
    {
        final byte[] chunk = new byte[8192];
        try (InputStream in = process.getInputStream())
        {
            for (int n; (n = in.read(chunk)) >= 0; )
            {
                synchronized (out)
                {
                    out.write(chunk, 0, n);
                    if (ready.getCount() > 0 && out.toString(StandardCharsets.US_ASCII).contains("ready\n"))
                    {
                        ready.countDown();
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Waits until the child prints the line {@code ready}; fails the test, with the child's stderr, when it does not.
     */
    public void awaitReady(final String context) throws InterruptedException, IOException
    {
        if (!ready.await(TIMEOUT_S, TimeUnit.SECONDS))
        {
            process.toHandle().destroyForcibly();
            fail(context + ": the child never became ready; its stderr: " + Files.readString(stderr));
        }
    }

    /**
     * SIGKILL, then every whole line the child printed. The kill goes through the process handle:
     * {@code Process.destroyForcibly()} also closes our end of the child's output, discarding lines not read yet.
     */
    public List<String> kill(final String context) throws InterruptedException, IOException
    {
        final boolean exitedByItself = !process.isAlive();
        process.toHandle().destroyForcibly();
        if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS))
        {
            fail(context + ": the child survived SIGKILL");
        }
        reader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
        if (exitedByItself)
        {
            fail(context + ": the child exited by itself with " + process.exitValue() + "; its stderr: " +
                Files.readString(stderr));
        }
        return lines();
    }

    /**
     * Waits for a child that ends by itself, with status 0, and returns its lines.
     */
    public List<String> awaitExit(final String context) throws InterruptedException, IOException
    {
        if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            process.toHandle().destroyForcibly();
            fail(context + " child failed; its stderr: " + Files.readString(stderr));
        }
        reader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
        return lines();
    }

    private List<String> lines()
    {
        final String text;
        synchronized (out)
        {
            text = out.toString(StandardCharsets.US_ASCII);
        }
        final List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        lines.remove(lines.size() - 1); // after the last newline: empty, or a line cut by the kill
        return lines;
    }
}
