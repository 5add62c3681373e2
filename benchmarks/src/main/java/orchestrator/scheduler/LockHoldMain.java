package orchestrator.scheduler;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

import org.HdrHistogram.Histogram;

import orchestrator.benchmarks.Deadlines;

/**
 * NOT thread safe (a program): how long the scheduler's lock is held at a time while {@code n} one-time tasks, due
 * within a 60 s window, are registered, read and fired. Run in a JVM of its own by
 * {@code orchestrator.benchmarks.lockhold.LockHoldRunner}, which reads the {@code lockhold} lines it prints. It lives
 * in the engine's package to give the scheduler a {@link HoldTimingLock} ({@code Scheduler.Builder.registryLock}).
 * <p>
 * Each round, on a {@link ManualClock} and the inline dispatcher: {@code register} ({@code registerOnce} of {@code n}
 * named tasks, deadlines uniform over the window), {@code tasks} (three {@code tasks()} snapshots of them all),
 * {@code sweep} (the clock moves 1 ms at a time across the window and {@code runPending()} runs after each step:
 * every task fires), then {@code n} tasks are registered again and {@code jump} fires them all in one
 * {@code runPending()} after the clock jumps past the window. The first round warms the code up; both are printed,
 * the second is the figure. Holds include any GC pause that falls inside them; the longest collector pause of each
 * phase is printed next to it (from the JVM's GC notifications, in whole milliseconds).
 * <p>
 * Usage: {@code java -cp benchmarks.jar orchestrator.scheduler.LockHoldMain <n>}; prints, per round and phase,
 * {@code lockhold <round> <phase> <holds> <p50 µs> <p99 µs> <max µs> <max on-CPU µs> <holds over 200 µs>
 * <holds over 1 ms> <phase ms> <longest GC pause ms> <where>}, where {@code where} is the code that released the
 * longest hold, and a comment line with the code that released the longest on-CPU hold (see {@link HoldTimingLock}).
 */
public final class LockHoldMain
{
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final Runnable CALLBACK = () -> { };
    private static final int SNAPSHOTS = 3;

    private final int n;
    private final long[] deadlines;
    private final String[] names;
    private final AtomicLong longestPauseMs = new AtomicLong();

    private LockHoldMain(final int n)
    {
        this.n = n;
        this.deadlines = Deadlines.uniform(n, 1);
        this.names = new String[n];
        for (int i = 0; i < n; i++)
        {
            names[i] = "task-" + i;
        }
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            ((NotificationEmitter)gc).addNotificationListener((notification, handback) ->
            {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType()))
                {
                    final GarbageCollectionNotificationInfo info =
                        GarbageCollectionNotificationInfo.from((CompositeData)notification.getUserData());
                    longestPauseMs.accumulateAndGet(info.getGcInfo().getDuration(), Math::max);
                }
            }, null, null);
        }
    }

    /**
     * @param args the number of tasks, 1,000,000 if absent.
     */
    public static void main(final String[] args)
    {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final LockHoldMain main = new LockHoldMain(n);
        main.round("cold");
        main.round("warm");
    }

    private void round(final String round)
    {
        final HoldTimingLock lock = new HoldTimingLock();
        final ManualClock clock = new ManualClock(START, ZoneOffset.UTC);
        final Scheduler.Builder builder = Scheduler.builder().clock(clock);
        builder.registryLock = lock;
        try (Scheduler scheduler = builder.build())
        {
            long started = begin();
            HoldTimingLock.Phase phase = lock.phase("register");
            register(scheduler, 0);
            print(round, phase, started);

            started = begin();
            phase = lock.phase("tasks");
            for (int i = 0; i < SNAPSHOTS; i++)
            {
                final List<TaskInfo> tasks = scheduler.tasks();
                if (tasks.size() < n)
                {
                    throw new IllegalStateException("tasks() listed " + tasks.size() + " of " + n);
                }
            }
            print(round, phase, started);

            started = begin();
            phase = lock.phase("sweep");
            long fired = 0;
            for (long ms = 1; ms <= Deadlines.WINDOW_MS; ms++)
            {
                clock.set(START.plusMillis(ms));
                fired += scheduler.runPending();
            }
            print(round, phase, started);
            check(fired, "sweep");

            lock.phase("register again");
            register(scheduler, Deadlines.WINDOW_MS);
            started = begin();
            phase = lock.phase("jump");
            clock.set(START.plusMillis(3L * Deadlines.WINDOW_MS));
            fired = scheduler.runPending();
            print(round, phase, started);
            check(fired, "jump");
            if (!scheduler.close(Duration.ofSeconds(10)))
            {
                throw new IllegalStateException("close timed out");
            }
        }
    }

    private void register(final Scheduler scheduler, final long offsetMs)
    {
        for (int i = 0; i < n; i++)
        {
            scheduler.registerOnce(names[i], START.plusMillis(offsetMs + deadlines[i]), CALLBACK);
        }
    }

    private void check(final long fired, final String phase)
    {
        if (fired != n)
        {
            throw new IllegalStateException(phase + ": " + fired + " of " + n + " tasks fired");
        }
    }

    private static long over(final Histogram holds, final long ns)
    {
        return holds.getTotalCount() - holds.getCountBetweenValues(0, ns);
    }

    private long begin()
    {
        longestPauseMs.set(0);
        return System.nanoTime();
    }

    private void print(final String round, final HoldTimingLock.Phase phase, final long started)
    {
        final long elapsedNs = System.nanoTime() - started;
        final Histogram holds = phase.histogram;
        System.out.printf("lockhold %s %s %d %.1f %.1f %.1f %.1f %d %d %.1f %d %s%n", round, phase.name,
            holds.getTotalCount(), holds.getValueAtPercentile(50) / 1e3, holds.getValueAtPercentile(99) / 1e3,
            phase.longest / 1e3, phase.longestOnCpu / 1e3, over(holds, 200_000), over(holds, 1_000_000),
            elapsedNs / 1e6, longestPauseMs.get(), phase.longestAt);
        System.out.printf("# %s %s: longest on-CPU hold released at %s%n", round, phase.name, phase.longestOnCpuAt);
        for (final Map.Entry<String, Long> thread : phase.longestByThread.entrySet())
        {
            System.out.printf("# %s %s: longest hold on thread %s %.1f µs%n", round, phase.name, thread.getKey(),
                thread.getValue() / 1e3);
        }
    }
}
