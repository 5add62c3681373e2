package orchestrator.scheduler;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * {@code runPending()} after the clock jumps past the window. The first round warms the code up; the measured rounds
 * follow ({@code warm}, the figure, then {@code warm2}, ...). Holds include any GC pause that falls inside them; the
 * longest collector pause of each phase is printed next to it (from the JVM's GC notifications, in whole
 * milliseconds).
 * <p>
 * The measured rounds' sweeps are then compared hold by hold ({@code lockhold-min}), and a stall probe reads the
 * clock alone for a while ({@code stall}): on a shared virtual machine a hold of a few microseconds of work now and
 * then lasts milliseconds, on the wall clock and in the thread's CPU time alike, and never at the same hold twice.
 * <p>
 * Usage: {@code java -cp benchmarks.jar orchestrator.scheduler.LockHoldMain [n [rounds [probe seconds]]]} (1,000,000
 * tasks, 3 measured rounds, 10 s); prints, per round and phase, {@code lockhold <round> <phase> <holds> <p50 µs>
 * <p99 µs> <max µs> <max on-CPU µs> <holds over 200 µs> <holds over 1 ms> <phase ms> <longest GC pause ms> <where>},
 * where {@code where} is the code that released the longest hold, and a comment line with the code that released the
 * longest on-CPU hold (see {@link HoldTimingLock}); then {@code lockhold-min sweep <rounds> <holds> <p50 µs> <p99 µs>
 * <max µs> <over 200 µs> <index of the longest> <its length in each round, µs>} and the probe's line.
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
     * @param args the number of tasks, 1,000,000 if absent; the number of measured rounds, 3 if absent; the seconds of
     *             the stall probe, 10 if absent.
     */
    public static void main(final String[] args)
    {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        final int probeSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        final LockHoldMain main = new LockHoldMain(n);
        main.round("cold");
        final List<HoldTimingLock.Phase> sweeps = new ArrayList<>();
        for (int i = 1; i <= rounds; i++)
        {
            sweeps.add(main.round(i == 1 ? "warm" : "warm" + i));
        }
        printMinimum(sweeps);
        System.gc();
        stallProbe(probeSeconds);
    }

    /**
     * Prints, for the sweeps of the measured rounds, each hold's shortest length over the rounds: the sweeps are the
     * same work hold by hold (the same tasks, deadlines and clock steps), so the minimum is the engine's own time for
     * that hold, without whatever stalled one round there (a GC pause, the guest kernel or the host taking the CPU).
     * A hold the engine itself makes long is long in every round.
     */
    private static void printMinimum(final List<HoldTimingLock.Phase> sweeps)
    {
        final int count = sweeps.get(0).count;
        for (final HoldTimingLock.Phase sweep : sweeps)
        {
            if (sweep.count != count)
            {
                System.out.println("# the sweeps made different numbers of holds: no per-hold minimum");
                return;
            }
        }
        final Histogram minimum = new Histogram(60_000_000_000L, 3);
        long longest = 0;
        int longestAt = 0;
        for (int i = 0; i < count; i++)
        {
            long shortest = Long.MAX_VALUE;
            for (final HoldTimingLock.Phase sweep : sweeps)
            {
                shortest = Math.min(shortest, sweep.holds[i]);
            }
            minimum.recordValue(shortest);
            if (shortest > longest)
            {
                longest = shortest;
                longestAt = i;
            }
        }
        for (final HoldTimingLock.Phase sweep : sweeps)
        {
            int at = 0;
            for (int i = 1; i < count; i++)
            {
                at = sweep.holds[i] > sweep.holds[at] ? i : at;
            }
            final StringBuilder others = new StringBuilder();
            for (final HoldTimingLock.Phase other : sweeps)
            {
                others.append(String.format(Locale.ROOT, " %.1f", other.holds[at] / 1e3));
            }
            System.out.printf(Locale.ROOT, "# sweep: a round's longest, hold %d, in each round (µs):%s%n", at, others);
        }
        final StringBuilder each = new StringBuilder();
        for (final HoldTimingLock.Phase sweep : sweeps)
        {
            each.append(each.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f",
                sweep.holds[longestAt] / 1e3));
        }
        System.out.printf(Locale.ROOT, "lockhold-min sweep %d %d %.1f %.1f %.1f %d %d %s%n", sweeps.size(), count,
            minimum.getValueAtPercentile(50) / 1e3, minimum.getValueAtPercentile(99) / 1e3, longest / 1e3,
            over(minimum, 200_000), longestAt, each);
    }

    /**
     * Reads the clock in a loop, on this thread alone, for {@code seconds}, and prints the longest gap between two
     * reads and how far the thread's CPU time advanced in it: {@code stall <seconds> <reads> <longest gap µs>
     * <CPU time in it µs> <gaps over 200 µs> <gaps over 1 ms>}. A loop that does nothing else reads the clock every
     * microsecond or so; a gap of milliseconds is time the thread was stopped (a safepoint, the guest kernel, or,
     * when its CPU time advanced as much, the host taking the virtual CPU away), the same stalls that lengthen a
     * lock hold.
     */
    private static void stallProbe(final int seconds)
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long end = System.nanoTime() + seconds * 1_000_000_000L;
        long last = System.nanoTime();
        long lastCpu = threads.getCurrentThreadCpuTime();
        long reads = 0;
        long longest = 0;
        long longestCpu = 0;
        long over200us = 0;
        long over1ms = 0;
        while (last < end)
        {
            final long now = System.nanoTime();
            final long cpu = threads.getCurrentThreadCpuTime();
            final long gap = now - last;
            reads++;
            over200us += gap > 200_000 ? 1 : 0;
            over1ms += gap > 1_000_000 ? 1 : 0;
            if (gap > longest)
            {
                longest = gap;
                longestCpu = cpu - lastCpu;
            }
            last = now;
            lastCpu = cpu;
        }
        System.out.printf(Locale.ROOT, "stall %d %d %.1f %.1f %d %d%n", seconds, reads, longest / 1e3,
            longestCpu / 1e3, over200us, over1ms);
    }

    private HoldTimingLock.Phase round(final String round)
    {
        HoldTimingLock.Phase sweep;
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
            phase = lock.phase("sweep", 2 * Deadlines.WINDOW_MS + 1024); // about two holds per step
            sweep = phase;
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
        return sweep;
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
