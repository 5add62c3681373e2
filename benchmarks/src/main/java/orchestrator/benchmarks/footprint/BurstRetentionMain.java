package orchestrator.benchmarks.footprint;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import orchestrator.scheduler.ManualClock;
import orchestrator.scheduler.Scheduler;
import orchestrator.scheduler.cron.CronSchedule;

/**
 * NOT thread safe (a program): the heap a scheduler retains while {@code n} recurring tasks fire together every
 * second, as the virtual seconds pass: with a constant set of tasks it should stay flat. Not part of the default
 * run; it shows that the wheel keeps the room of every burst in every millisecond slot it passed through
 * (README, "Where the time goes").
 * <p>
 * Usage: {@code java -XX:+UseParallelGC -Xmx6g -cp benchmarks.jar
 * orchestrator.benchmarks.footprint.BurstRetentionMain <n> <seconds>}; prints the heap in use after full collections, in MB, after registration and every 20 virtual
 * seconds.
 */
public final class BurstRetentionMain
{
    private static final Runnable CALLBACK = () -> { };

    private BurstRetentionMain()
    {
    }

    /**
     * @param args the number of tasks (default 1,000,000) and of virtual seconds (default 200).
     */
    public static void main(final String[] args)
    {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        try (Scheduler scheduler = Scheduler.builder().clock(clock).build())
        {
            final CronSchedule everySecond = CronSchedule.parse("* * * * * *", ZoneOffset.UTC);
            for (int i = 0; i < n; i++)
            {
                scheduler.registerTask("task-" + i, everySecond, CALLBACK);
            }
            System.out.printf("registered %d tasks: %d MB%n", n, usedMbAfterGc());
            for (int second = 1; second <= seconds; second++)
            {
                clock.advance(Duration.ofSeconds(1));
                final int fired = scheduler.runPending();
                if (fired != n)
                {
                    throw new IllegalStateException(fired + " of " + n + " tasks fired");
                }
                if (second % 20 == 0)
                {
                    System.out.printf("after %d s: %d MB%n", second, usedMbAfterGc());
                }
            }
        }
    }

    private static long usedMbAfterGc()
    {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    }
}
