package orchestrator.benchmarks.cluster;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Thread safe (immutable): what the cluster harness measures and for how long, from system properties
 * {@code bench.cluster.*} (defaults in brackets).
 *
 * @param contenders    {@code bench.cluster.contenders} [{@link #DEFAULT_CONTENDERS}], comma-separated.
 * @param threads       {@code bench.cluster.threads} [16]: worker threads of every node.
 * @param nodes         {@code bench.cluster.nodes} [3]: nodes of the multi-node measurements.
 * @param warmupMs      {@code bench.cluster.warmup.ms} [1000]: firing before a throughput window opens.
 * @param windowMs      {@code bench.cluster.window.ms} [5000]: each throughput window.
 * @param idleMs        {@code bench.cluster.idle.ms} [10000]: how long the statements of an idle node are counted.
 * @param rate          {@code bench.cluster.rate} [1000]: fires per second of the lateness measurement.
 * @param latenessMs    {@code bench.cluster.lateness.ms} [5000]: span of the due times of the lateness measurement.
 * @param drainMs       {@code bench.cluster.drain.ms} [20000]: how long after the last due time fires still count.
 * @param takeoverMs    {@code bench.cluster.takeover.ms} [60000]: how long to wait for a takeover; 0 skips it.
 * @param recurring     {@code bench.cluster.recurring} [10000,20000,40000]: tasks every second on each node of a contender
 *                      that registers its tasks on the nodes (the demand in fires per second), one throughput
 *                      measurement per value.
 * @param backlogScale  {@code bench.cluster.backlog.scale} [1.0]: multiplies each contender's throughput backlog.
 * @param outputDir     {@code bench.cluster.out} [{@code target/cluster}]: the report and the nodes' logs.
 */
record ClusterSettings(List<String> contenders, int threads, int nodes, long warmupMs, long windowMs, long idleMs,
    int rate, long latenessMs, long drainMs, long takeoverMs, List<Integer> recurring, double backlogScale,
    Path outputDir)
{
    /** Every contender, ours last. */
    static final String DEFAULT_CONTENDERS = "db-scheduler,quartz,orchestrator";
    /** Options of every node's JVM. */
    static final List<String> NODE_JVM_OPTIONS = List.of("-Xms256m", "-Xmx256m", "-XX:+UseParallelGC");

    /** @return the settings given by the system properties. */
    static ClusterSettings fromSystemProperties()
    {
        return new ClusterSettings(
            List.of(System.getProperty("bench.cluster.contenders", DEFAULT_CONTENDERS).split(",")),
            Integer.getInteger("bench.cluster.threads", 16),
            Integer.getInteger("bench.cluster.nodes", 3),
            Long.getLong("bench.cluster.warmup.ms", 1_000),
            Long.getLong("bench.cluster.window.ms", 5_000),
            Long.getLong("bench.cluster.idle.ms", 10_000),
            Integer.getInteger("bench.cluster.rate", 1_000),
            Long.getLong("bench.cluster.lateness.ms", 5_000),
            Long.getLong("bench.cluster.drain.ms", 20_000),
            Long.getLong("bench.cluster.takeover.ms", 60_000),
            Arrays.stream(System.getProperty("bench.cluster.recurring", "10000,20000,40000").split(","))
                .map(String::strip).map(Integer::valueOf).toList(),
            Double.parseDouble(System.getProperty("bench.cluster.backlog.scale", "1.0")),
            Path.of(System.getProperty("bench.cluster.out", "target/cluster")).toAbsolutePath());
    }

    /**
     * @return the backlog of one throughput measurement: enough one-time tasks to keep the contender busy through the
     *         warm-up and the window at about twice the rate it reached on the 2-core machine.
     */
    int backlog(final String contender)
    {
        final int perSecond = switch (contender)
        {
            case QuartzContender.NAME -> 300;
            case DbSchedulerContender.NAME -> 10_000;
            default -> 40_000;
        };
        return (int)Math.max(100, perSecond * (warmupMs + windowMs + 2_000) / 1_000 * backlogScale);
    }
}
