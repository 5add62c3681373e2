package orchestrator.scheduler;

import orchestrator.scheduler.store.ChildJvm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scheduler on a journal in a child JVM ({@link SchedulerCrashChild}) killed with SIGKILL at random points, over and
 * over, with its virtual clock moved 2 to 20 s ahead at every restart (fires pass while it is down). At the end a last
 * child runs what is due and reports: every registration the children acknowledged fired (or was cancelled, and then
 * never fired), every scheduled instant of the recurring tasks ended as exactly one run or one missed fire, under
 * FIRE_ONCE and SKIP misfire policies and both {@link InterruptedFirePolicy interrupted-fire policies}, and the
 * {@code DROP} task never ran one instant twice (at most once across kills).
 * <p>
 * {@code -Dscheduler.crash.kills=N} sets the number of kills (default 200, about two and a half minutes on two cores).
 */
@Tag("crash")
class SchedulerCrashTest
{
    private static final long READY_TIMEOUT_S = 60;
    private static final long START = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    @TempDir
    Path temp;

    @Test
    void shouldLoseNoAcknowledgedTaskAndAccountForEveryInstantThroughRepeatedKills() throws Exception
    {
        final int kills = Integer.getInteger("scheduler.crash.kills", 200);
        final long seed = Long.getLong("scheduler.crash.seed", System.nanoTime());
        final Random random = new Random(seed);
        final Path dir = temp.resolve("journal");
        final Set<String> acked = new HashSet<>();
        final Set<String> cancelled = new HashSet<>();
        final Set<String> cancelling = new HashSet<>();
        final Map<String, Integer> handlerFires = new HashMap<>();
        final Map<String, Integer> fireLines = new HashMap<>();
        final Set<Long> dropFires = new HashSet<>();
        long lastAcked = -2;
        long clock = START;
        run("setup", dir, clock, 0).awaitExit("setup");
        int killedRunning = 0;
        int interrupted = 0;
        for (int kill = 0; kill < kills; kill++)
        {
            final String context = "kill " + kill + " (seed " + seed + ")";
            clock += 1000L * (2 + random.nextInt(19)); // down 2 to 20 s: fires pass while down
            final ChildJvm child = run("run", dir, clock, lastAcked + 2);
            if (random.nextInt(10) == 0)
            {
                TimeUnit.MILLISECONDS.sleep(random.nextInt(400)); // anywhere in start-up and recovery
            }
            else
            {
                child.awaitReady(context);
                TimeUnit.MILLISECONDS.sleep(random.nextInt(200)); // anywhere among fires and registrations
            }
            final List<String> lines = child.kill(context);
            for (final String line : lines)
            {
                final String[] parts = line.split(" ");
                switch (parts[0])
                {
                    case "tick":
                        clock = Math.max(clock, Long.parseLong(parts[1]));
                        killedRunning++;
                        break;
                    case "fire":
                        clock = Math.max(clock, Long.parseLong(parts[2]));
                        fireLines.merge(parts[1], 1, Integer::sum);
                        assertTrue(!"r-drop".equals(parts[1]) || dropFires.add(Long.parseLong(parts[2])),
                            context + ": the DROP task ran its fire at " + parts[2] + " twice");
                        break;
                    case "ack":
                        acked.add(parts[1]);
                        lastAcked = Math.max(lastAcked, Long.parseLong(parts[1].substring("dyn-".length())));
                        break;
                    case "interrupted":
                        interrupted++;
                        break;
                    case "cancelling":
                        cancelling.add(parts[1]);
                        break;
                    case "cancel":
                        cancelled.add(parts[1]);
                        assertTrue(!handlerFires.containsKey(parts[1]), context + ": " + parts[1] + " fired before " +
                            "it was cancelled, five seconds early");
                        break;
                    case "hfire":
                        handlerFires.merge(parts[1], 1, Integer::sum);
                        assertTrue(!cancelled.contains(parts[1]), context + ": cancelled " + parts[1] + " fired");
                        break;
                    default:
                        break;
                }
            }
        }
        clock += 10_000; // every one-time task acknowledged is due
        final List<String> report = run("final", dir, clock, lastAcked + 2).awaitExit("final");
        final Map<String, long[]> tasks = new HashMap<>();
        for (final String line : report)
        {
            final String[] parts = line.split(" ");
            if ("report".equals(parts[0]))
            {
                tasks.put(parts[1], new long[] {Long.parseLong(parts[2]), Long.parseLong(parts[3]),
                    Long.parseLong(parts[4])});
            }
            else if ("fire".equals(parts[0]) && "r-drop".equals(parts[1]))
            {
                assertTrue(dropFires.add(Long.parseLong(parts[2])), "the DROP task ran a fire twice: " + line);
            }
            else if ("hfire".equals(parts[0]))
            {
                handlerFires.merge(parts[1], 1, Integer::sum);
                assertTrue(!cancelled.contains(parts[1]), "cancelled " + parts[1] + " fired");
            }
        }
        for (final String name : acked)
        {
            assertTrue(cancelling.contains(name) || handlerFires.containsKey(name),
                "acknowledged " + name + " never fired (seed " + seed + ")");
        }
        for (final String name : SchedulerCrashChild.RECURRING)
        {
            final long[] task = tasks.get(name);
            assertTrue(task != null, name + " is in the final report: " + report);
            final long instants = (task[2] - (START + 1000)) / 1000; // every second from the first fire, exclusive
            assertEquals(instants, task[0] + task[1], name + ": runs " + task[0] + " + missed " + task[1] +
                " account for every instant (seed " + seed + ")");
        }
        assertTrue(acked.size() > kills / 2, "registrations were acknowledged between kills: " + acked.size());
        System.out.println("SchedulerCrashTest: " + kills + " kills, " + killedRunning + " ticks, " + acked.size() +
            " registrations acknowledged, " + cancelled.size() + " cancelled, " + handlerFires.size() +
            " fired, " + interrupted + " interrupted fires found at restart, seed " + seed + "; final " + Arrays.toString(tasks.get("r-once")));
    }

    private ChildJvm run(final String mode, final Path dir, final long clock, final long dyn) throws IOException
    {
        return ChildJvm.start(SchedulerCrashChild.class,
            List.of(mode, dir.toString(), Long.toString(clock), Long.toString(dyn)), temp.resolve("stderr.txt"));
    }
}
