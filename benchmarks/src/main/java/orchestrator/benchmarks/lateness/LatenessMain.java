package orchestrator.benchmarks.lateness;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

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
 * Fires of the warm-up period are not recorded.
 * <p>
 * Every fire is registered before the run, so a stall cannot hide the fires due during it: each is recorded, late.
 * If the driver falls so far behind that fires are still pending {@value #GRACE_MS} ms after the last instant, each
 * of those is recorded with its lateness so far (a lower bound) and counted in the {@code behind} column. The
 * {@code raw} histogram is therefore complete; {@code corrected} is HdrHistogram's coordinated-omission correction
 * applied to it ({@code copyCorrectedForCoordinatedOmission}, the same as recording each value with
 * {@code recordValueWithExpectedInterval}) with an expected interval of 1 ms, one due instant per millisecond: it adds
 * values for every millisecond a fire was late by, so it is the pessimistic figure.
 * <p>
 * Where late fires come from: every collector pause is recorded (start and end, from the JVM's GC notifications,
 * in whole milliseconds), and each measured fire more than 1 ms late is checked against them: a pause that overlaps
 * the time between its instant and its run explains it, and so does the backlog it leaves, the late fires after it
 * until one runs within 1 ms again. Registration is done, and its garbage collected ({@code System.gc()}), before the
 * driver starts, so that the young collection that would promote a million freshly registered tasks falls outside
 * the measured period, as it would long before in a service. Next to the driver, a probe thread does what the driver does
 * between fires, {@code LockSupport.parkNanos} until the next millisecond, and records how late it wakes up, with
 * HdrHistogram's expected-interval correction (a stall of k ms counts for the k milliseconds whose wake-ups it ate):
 * that is the platform's own wake-up latency (timer slack, the OS scheduler, the hypervisor on a loaded machine),
 * which no scheduler on this machine can beat, weighted per millisecond as the fires' lateness is.
 * <p>
 * Usage: {@code java -cp benchmarks.jar orchestrator.benchmarks.lateness.LatenessMain <fires per second>
 * <warm-up ms> <measured ms>}; prints {@code lateness <rate> raw|corrected <count> <behind> <p50> <p99> <p99.9>
 * <max>}, percentiles in µs, and {@code lateness-causes <rate> <fires over 1 ms late> <of them from a GC pause>
 * <GC pauses in the measured period> <longest pause ms> <wake-up p50> <p99> <p99.9> <max>}, wake-ups in µs.
 */
public final class LatenessMain
{
    static final long GRACE_MS = 10_000;
    private static final long LEAD_MS = 2_000;
    private static final long MAX_NS = TimeUnit.SECONDS.toNanos(600);
    private static final long EXPECTED_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int PENDING = 0;
    private static final int DONE = 1;
    private static final long LATE_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Recorder recorder = new Recorder(MAX_NS, 3);
    private final long epochOffsetNs = epochOffsetNs();
    private final long startMs;
    private final long intervalNs;
    private final int firstMeasured;
    private final AtomicIntegerArray state;
    private final CountDownLatch remaining;
    private final long[] lateness;                              // ns, per fire, written by the fire
    private final List<long[]> gcPauses = new ArrayList<>();    // {start, end} epoch ms, guarded by itself
    private final Histogram wakeUps = new Histogram(MAX_NS, 3); // written by the probe thread only
    private volatile boolean probing = true;

    private LatenessMain(final int rate, final long startMs, final long warmupMs, final int fires)
    {
        this.startMs = startMs;
        this.intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
        this.firstMeasured = (int)(warmupMs * rate / 1000);
        this.state = new AtomicIntegerArray(fires);
        this.remaining = new CountDownLatch(fires);
        this.lateness = new long[fires];
        final long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            ((NotificationEmitter)gc).addNotificationListener((notification, handback) ->
            {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType()))
                {
                    final GarbageCollectionNotificationInfo info =
                        GarbageCollectionNotificationInfo.from((CompositeData)notification.getUserData());
                    if (!info.getGcAction().contains("minor") && !info.getGcAction().contains("major"))
                    {
                        return; // concurrent cycles are not pauses
                    }
                    synchronized (gcPauses)
                    {
                        gcPauses.add(new long[] {jvmStart + info.getGcInfo().getStartTime(),
                            jvmStart + info.getGcInfo().getEndTime()});
                    }
                }
            }, null, null);
        }
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
        final long startMs = System.currentTimeMillis() + LEAD_MS + fires / 250L; // time to register and collect
        final LatenessMain run = new LatenessMain(rate, startMs, warmupMs, fires);
        final int behind;
        try (Scheduler scheduler = Scheduler.builder().build())
        {
            for (int i = 0; i < fires; i++)
            {
                final int fire = i;
                scheduler.registerOnce("fire-" + i, Instant.ofEpochMilli(run.dueMs(i)), () -> run.onFire(fire));
            }
            System.gc(); // promote the registered tasks now, not in a young pause during the measured period
            if (System.currentTimeMillis() >= startMs)
            {
                throw new IllegalStateException("registration took longer than its lead time");
            }
            final Thread probe = new Thread(run::probeWakeUps, "wake-up-probe");
            probe.setDaemon(true);
            scheduler.start();
            probe.start();
            final long waitMs = run.dueMs(fires - 1) + GRACE_MS - System.currentTimeMillis();
            behind = run.remaining.await(waitMs, TimeUnit.MILLISECONDS) ? 0 : run.recordPending();
            run.probing = false;
            probe.join();
        }
        final Histogram raw = run.recorder.getIntervalHistogram();
        run.print(rate, "raw", raw, behind);
        run.print(rate, "corrected", raw.copyCorrectedForCoordinatedOmission(EXPECTED_INTERVAL_NS), behind);
        run.printCauses(rate, fires);
    }

    /**
     * The probe thread: parks until each next millisecond, as the driver does between fires, and records how late
     * it wakes, from the first measured fire's instant on.
     */
    private void probeWakeUps()
    {
        final long measuredFromNs = (dueMs(firstMeasured) * 1_000_000) - epochOffsetNs;
        while (probing)
        {
            final long now = System.nanoTime();
            final long target = now + 1_000_000 - (now + epochOffsetNs) % 1_000_000;
            LockSupport.parkNanos(target - now);
            final long woke = System.nanoTime();
            if (woke - target >= 0 && target - measuredFromNs >= 0)
            {
                // one wake-up per millisecond is expected: a stall of k ms counts k times, as it delays the fires
                // of k milliseconds, so the probe's percentiles weigh stalls as the fires' do
                wakeUps.recordValueWithExpectedInterval(Math.min(woke - target, MAX_NS), EXPECTED_INTERVAL_NS);
            }
        }
    }

    private void printCauses(final int rate, final int fires)
    {
        final long measuredFrom = dueMs(firstMeasured);
        final List<long[]> pauses = new ArrayList<>();
        synchronized (gcPauses)
        {
            for (final long[] pause : gcPauses)
            {
                if (pause[1] >= measuredFrom)
                {
                    pauses.add(pause);
                }
            }
        }
        long longestPause = 0;
        for (final long[] pause : pauses)
        {
            longestPause = Math.max(longestPause, pause[1] - pause[0]);
        }
        int late = 0;
        int duringGc = 0;
        boolean catchingUp = false; // after a pause, until a fire runs within 1 ms again
        for (int fire = firstMeasured; fire < fires; fire++)
        {
            if (lateness[fire] <= LATE_NS)
            {
                catchingUp = false;
                continue;
            }
            late++;
            final long due = dueMs(fire);
            final long ran = due + lateness[fire] / 1_000_000 + 1;
            for (final long[] pause : pauses)
            {
                if (pause[0] <= ran && pause[1] >= due)
                {
                    catchingUp = true;
                    break;
                }
            }
            if (catchingUp)
            {
                duringGc++;
            }
        }
        System.out.printf("lateness-causes %d %d %d %d %d %.1f %.1f %.1f %.1f%n", rate, late, duringGc, pauses.size(),
            longestPause, wakeUps.getValueAtPercentile(50) / 1e3, wakeUps.getValueAtPercentile(99) / 1e3,
            wakeUps.getValueAtPercentile(99.9) / 1e3, wakeUps.getMaxValue() / 1e3);
    }

    private long dueMs(final int fire)
    {
        return startMs + (fire * intervalNs) / 1_000_000;
    }

    private long lateNs(final int fire)
    {
        return Math.max(0, System.nanoTime() + epochOffsetNs - dueMs(fire) * 1_000_000);
    }

    private void onFire(final int fire)
    {
        if (state.compareAndSet(fire, PENDING, DONE) && fire >= firstMeasured)
        {
            final long late = Math.min(lateNs(fire), MAX_NS);
            lateness[fire] = late;
            recorder.recordValue(late);
        }
        remaining.countDown();
    }

    /**
     * Records every measured fire that has not run yet with its lateness so far.
     *
     * @return how many there were.
     */
    private int recordPending()
    {
        int pending = 0;
        for (int fire = firstMeasured; fire < state.length(); fire++)
        {
            if (state.compareAndSet(fire, PENDING, DONE))
            {
                final long late = Math.min(lateNs(fire), MAX_NS);
                lateness[fire] = late;
                recorder.recordValue(late);
                pending++;
            }
        }
        return pending;
    }

    private void print(final int rate, final String kind, final Histogram histogram, final int behind)
    {
        System.out.printf("lateness %d %s %d %d %.1f %.1f %.1f %.1f%n", rate, kind, histogram.getTotalCount(), behind,
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
