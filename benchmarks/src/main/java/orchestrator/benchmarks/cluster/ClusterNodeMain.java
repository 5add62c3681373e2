package orchestrator.benchmarks.cluster;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * NOT thread safe (a program): one node of a contender's cluster, in a JVM of its own so that the harness can kill it.
 * Arguments: {@code <contender> <jdbc url> <node id> <threads> <hold> <tasks>}; with {@code hold} true every fire
 * blocks for good, so the node dies holding its claims; {@code tasks} is what a contender that registers its tasks on
 * every node registers. Prints {@code ready} once the node runs, then {@code fired <count> <distinct tasks since
 * mark>} every {@value #REPORT_MS} ms. Commands on standard input: {@code hist} prints {@code hist <early fires>
 * <base64 compressed HdrHistogram of the lateness in us>}; {@code mark} starts counting distinct tasks;
 * {@code stop} stops the node and exits.
 */
public final class ClusterNodeMain
{
    static final long REPORT_MS = 50;

    private ClusterNodeMain()
    {
    }

    /**
     * @param args {@code <contender> <jdbc url> <node id> <threads> <hold> <tasks>}.
     * @throws Exception when the node cannot start or stop.
     */
    public static void main(final String[] args) throws Exception
    {
        final Contender contender = Contender.named(args[0]);
        NodeFires.holdFires(Boolean.parseBoolean(args[4]));
        final AutoCloseable node = contender.startNode(args[1], args[2], Integer.parseInt(args[3]),
            Integer.parseInt(args[5]));
        System.out.println("ready");
        final Thread reporter = new Thread(() ->
        {
            while (!Thread.currentThread().isInterrupted())
            {
                System.out.println("fired " + NodeFires.count() + " " + NodeFires.distinctSinceMark());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(REPORT_MS));
            }
        }, "fire-reporter");
        reporter.setDaemon(true);
        reporter.start();
        try (BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)))
        {
            for (String command; (command = commands.readLine()) != null; )
            {
                if ("hist".equals(command))
                {
                    System.out.println("hist " + NodeFires.early() + " " + encode(NodeFires.latenessSinceLastCall()));
                }
                else if ("mark".equals(command))
                {
                    NodeFires.mark();
                }
                else if ("stop".equals(command))
                {
                    break;
                }
            }
        }
        reporter.interrupt();
        node.close();
        System.out.println("stopped " + NodeFires.count());
        System.exit(0); // peers' non-daemon threads must not keep the JVM
    }

    static String encode(final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    static Histogram decode(final String base64) throws java.util.zip.DataFormatException
    {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    }
}
