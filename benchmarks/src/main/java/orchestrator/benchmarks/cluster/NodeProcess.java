package orchestrator.benchmarks.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;

/**
 * NOT thread safe: driven by the harness's thread (a reader thread of its own follows the node's output). A node of
 * a contender's cluster running in a child JVM ({@link ClusterNodeMain}), which the harness can stop or SIGKILL.
 */
final class NodeProcess implements AutoCloseable
{
    private static final long TIMEOUT_S = 120;

    private final String nodeId;
    private final Process process;
    private final Path log;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile long fired;
    private volatile int distinctSinceMark;
    private volatile CompletableFuture<String> histogram = new CompletableFuture<>();

    private NodeProcess(final String nodeId, final Process process, final Path log)
    {
        this.nodeId = nodeId;
        this.process = process;
        this.log = log;
        final Thread reader = new Thread(this::read, "node-reader-" + nodeId);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the node and waits until it runs; see {@link #launch}.
     */
    static NodeProcess start(final ClusterSettings settings, final Contender contender, final String jdbcUrl,
        final String nodeId, final boolean hold, final int tasks, final Path logDir)
        throws IOException, InterruptedException
    {
        final NodeProcess node = launch(settings, contender, jdbcUrl, nodeId, hold, tasks, logDir);
        node.awaitReady();
        return node;
    }

    /**
     * Starts the node's JVM; {@link #awaitReady()} waits until the node runs.
     *
     * @param logDir where its standard error goes ({@code <node id>.log}).
     */
    static NodeProcess launch(final ClusterSettings settings, final Contender contender, final String jdbcUrl,
        final String nodeId, final boolean hold, final int tasks, final Path logDir) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ClusterSettings.NODE_JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ClusterNodeMain.class.getName(),
            contender.name(), jdbcUrl, nodeId, Integer.toString(settings.threads()), Boolean.toString(hold),
            Integer.toString(tasks)));
        final Path log = logDir.resolve(nodeId + ".log");
        return new NodeProcess(nodeId, new ProcessBuilder(command).redirectError(log.toFile()).start(), log);
    }

    /** Waits until the node runs; kills it and fails when it does not within the timeout. */
    void awaitReady() throws IOException, InterruptedException
    {
        if (!ready.await(TIMEOUT_S, TimeUnit.SECONDS))
        {
            kill();
            throw new IllegalStateException(nodeId + " did not start; its log: " + Files.readString(log));
        }
    }

    private void read()
    {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            for (String line; (line = reader.readLine()) != null; )
            {
                if (line.startsWith("fired "))
                {
                    final String[] fields = line.split(" ");
                    fired = Long.parseLong(fields[1]);
                    distinctSinceMark = Integer.parseInt(fields[2]);
                }
                else if (line.startsWith("hist "))
                {
                    histogram.complete(line.substring("hist ".length()));
                }
                else if ("ready".equals(line))
                {
                    ready.countDown();
                }
                else
                {
                    System.out.println("# " + nodeId + ": " + line);
                }
            }
        }
        catch (final IOException ex)
        {
            // the node was killed
        }
    }

    /** The node's name. */
    String nodeId()
    {
        return nodeId;
    }

    /** Fires the node last reported, at most {@link ClusterNodeMain#REPORT_MS} ms old. */
    long fired()
    {
        return fired;
    }

    /** Distinct tasks fired since {@link #mark()}, as last reported. */
    int distinctSinceMark()
    {
        return distinctSinceMark;
    }

    /** Makes the node count the distinct tasks it fires from now on. */
    void mark() throws IOException
    {
        command("mark");
    }

    /** The lateness of the node's fires since the previous call, and how many of them ran early. */
    Lateness lateness() throws IOException, InterruptedException
    {
        histogram = new CompletableFuture<>();
        command("hist");
        try
        {
            final String[] fields = histogram.get(TIMEOUT_S, TimeUnit.SECONDS).split(" ");
            return new Lateness(ClusterNodeMain.decode(fields[1]), Long.parseLong(fields[0]));
        }
        catch (final ExecutionException | TimeoutException | DataFormatException ex)
        {
            throw new IllegalStateException(nodeId + " sent no lateness histogram", ex);
        }
    }

    /** Stops the node and waits for its JVM to exit; kills it when it does not. */
    void stop() throws IOException, InterruptedException
    {
        if (process.isAlive())
        {
            command("stop");
            if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS))
            {
                System.out.println("# " + nodeId + " did not stop in " + TIMEOUT_S + " s: killed");
                kill();
            }
        }
    }

    /** SIGKILL, and waits until the JVM is gone. */
    void kill() throws InterruptedException
    {
        process.toHandle().destroyForcibly();
        process.waitFor(TIMEOUT_S, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            kill();
        }
    }

    private void command(final String command) throws IOException
    {
        final OutputStream in = process.getOutputStream();
        in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /**
     * Thread safe (immutable once returned): a node's lateness histogram (us) and its count of early fires.
     */
    record Lateness(Histogram histogram, long early)
    {
    }
}
