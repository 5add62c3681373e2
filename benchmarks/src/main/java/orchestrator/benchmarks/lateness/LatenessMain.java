package orchestrator.benchmarks.lateness;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

import orchestrator.scheduler.Scheduler;

/**
 * NOT thread safe (a program): fire lateness of the engine's driver thread on the system clock at a given rate of
 * fires per second. Run in a JVM of its own per rate by {@link LatenessRunner}, which reads the {@code lateness} lines
 * it prints. A standalone program rather than a JMH benchmark, because it measures one long run against the wall
 * clock rather than repeated operations.
 * <p>
 * Method: one-time tasks (a name each, inline dispatcher, so callbacks run on the driver thread) are registered in
 * advance for instants spaced {@code 1 / rate} apart, rounded to the engine's 1 ms resolution, over a warm-up period
 * and a measured period; then {@code start()} launches the driver. Each callback records its lateness: the time it
 * starts minus the instant it was due, read from {@code System.nanoTime()} offset to the epoch once at start-up.
 * Every fire is registered before the run, so a stall cannot hide the fires due during it: each is recorded late. The
 * {@code raw} histogram has one value per fire; the {@code corrected} one is recorded with HdrHistogram's
 * {@code recordValueWithExpectedInterval} at the expected interval {@code 1 / rate}, the usual coordinated-omission
 * correction, which here only adds values (so it is the more pessimistic of the two). Fires of the warm-up period are
 * not recorded.
 * <p>
 * Usage: {@code java -cp benchmarks.jar orchestrator.benchmarks.lateness.LatenessMain <fires per second>
 * <warm-up ms> <measured ms>}; prints {@code lateness <rate> raw|corrected <count> <p50> <p99> <p99.9> <max>} in µs.
 */
public final class LatenessMain
{
    private static final long LEAD_MS = 2_000;
    private static final long MAX_NS = TimeUnit.SECONDS.toNanos(60);

    private final Histogram raw = new Histogram(MAX_NS, 3);
    private final Histogram corrected = new Histogram(MAX_NS, 3);
    private final long epochOffsetNs = epochOffsetNs();
    private final long intervalNs;
    private final long measureFromMs;
    private final CountDownLatch remaining;
    private long early;

    private LatenessMain(final int rate, final long measureFromMs, final int fires)
    {
        this.intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
        this.measureFromMs = measureFromMs;
        this.remaining = new CountDownLatch(fires);
    }

    /**
     * @param args fires per second, warm-up ms, measured ms.
     * @throws InterruptedException when interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final int rate = Integer.parseInt(args[0]);
        final long warmupMs = Long.parseLong(args[1]);
        final long measureMs = Long.parseLong(args[2]);
        final int fires = (int)((warmupMs + measureMs) * rate / 1000);

        final long startMs = System.currentTimeMillis() + LEAD_MS + fires / 500L; // time to register
        final LatenessMain run = new LatenessMain(rate, startMs + warmupMs, fires);
        try (Scheduler scheduler = Scheduler.builder().build())
        {
            final long intervalNs = run.intervalNs;
            for (int i = 0; i < fires; i++)
            {
                final long dueMs = startMs + (i * intervalNs) / 1_000_000;
                scheduler.registerOnce("fire-" + i, Instant.ofEpochMilli(dueMs), () -> run.record(dueMs));
            }
            if (System.currentTimeMillis() >= startMs)
            {
                throw new IllegalStateException("registration took longer than its lead time");
            }
            scheduler.start();
            final long lastDueMs = startMs + warmupMs + measureMs;
            if (!run.remaining.await(lastDueMs - System.currentTimeMillis() + 60_000, TimeUnit.MILLISECONDS))
            {
                throw new IllegalStateException(run.remaining.getCount() + " fires did not happen");
            }
        }
        run.print(rate, "raw", run.raw);
        run.print(rate, "corrected", run.corrected);
        if (run.early > 0)
        {
            System.out.println("# " + run.early + " fires ran before their instant by the calibrated clock, counted as 0");
        }
    }

    private void record(final long dueMs)
    {
        final long lateNs = System.nanoTime() + epochOffsetNs - dueMs * 1_000_000;
        if (dueMs >= measureFromMs)
        {
            final long value = Math.max(0, lateNs);
            if (lateNs < 0)
            {
                early++;
            }
            raw.recordValue(Math.min(value, MAX_NS));
            corrected.recordValueWithExpectedInterval(Math.min(value, MAX_NS), intervalNs);
        }
        remaining.countDown();
    }

    private void print(final int rate, final String kind, final Histogram histogram)
    {
        System.out.printf("lateness %d %s %d %.1f %.1f %.1f %.1f%n", rate, kind, histogram.getTotalCount(),
            histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(99) / 1e3,
            histogram.getValueAtPercentile(99.9) / 1e3, histogram.getMaxValue() / 1e3);
    }

    /**
     * @return epoch ns minus {@code System.nanoTime()}, from the closest of several paired readings.
     */
    private static long epochOffsetNs()
    {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 1000; i++)
        {
            final long before = System.nanoTime();
            final Instant now = Instant.now();
            final long after = System.nanoTime();
            if (after - before < best)
            {
                best = after - before;
                final long epochNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
                offset = epochNs - (before + (after - before) / 2);
            }
        }
        return offset;
    }
}
