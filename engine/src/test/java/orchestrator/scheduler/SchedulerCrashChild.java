package orchestrator.scheduler;

import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.vault.KeyProvider;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * NOT thread safe (a program, run in a child JVM by {@link SchedulerCrashTest}).
 * <pre>
 * SchedulerCrashChild setup|run|final &lt;dir&gt; &lt;clock start, epoch ms&gt; &lt;first dynamic task number&gt;
 * </pre>
 * Builds a scheduler on a journal in {@code dir} with a {@link ManualClock}, registers the handler {@code h} (which
 * starts the restored handler tasks) and the {@code Runnable} tasks {@link #RECURRING} (every second; which resume
 * their counters by name), prints {@code ready}, then:
 * {@code setup} closes and exits; {@code final} runs what is due once, prints {@code report <name> <runs> <missed>
 * <next fire ms>} per task and exits; {@code run} advances the clock a second at a time, runs what is due and prints
 * {@code tick <ms>}, registers a one-time handler task {@code dyn-<k>} five seconds ahead every third tick
 * ({@code ack dyn-<k>} once durable) and cancels the previous one every seventh ({@code cancelling dyn-<k>} before,
 * {@code cancel dyn-<k>} once durable),
 * until it is killed. Every run prints {@code fire <task> <scheduled ms>}, every handler run {@code hfire <payload>}.
 */
public final class SchedulerCrashChild
{
    static final String[] RECURRING = {"r-once", "r-skip", "r-drop"};
    static final byte[] KEY = new byte[KeyProvider.KEY_LENGTH];
    private static final long GIVE_UP_MS = 60_000;
    private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.US_ASCII);

    static
    {
        for (int i = 0; i < KEY.length; i++)
        {
            KEY[i] = (byte)(31 * i + 5);
        }
    }

    private SchedulerCrashChild()
    {
    }

    public static void main(final String[] args)
    {
        final String mode = args[0];
        final ManualClock clock = new ManualClock(Instant.ofEpochMilli(Long.parseLong(args[2])));
        long dyn = Long.parseLong(args[3]);
        final long giveUp = System.nanoTime() + GIVE_UP_MS * 1_000_000;
        final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .keyProvider(KeyProvider.ofBytes(KEY)).store(TaskStore.journal(Path.of(args[1]))).build();
        scheduler.registerHandler("h", bytes -> say("hfire " + new String(bytes, StandardCharsets.US_ASCII)));
        for (final String name : RECURRING)
        {
            scheduler.schedule(TaskSpec.named(name).cron("* * * * * *")
                .misfire("r-skip".equals(name) ? MisfirePolicy.SKIP : MisfirePolicy.FIRE_ONCE)
                .onRestart("r-drop".equals(name) ? InterruptedFirePolicy.DROP : InterruptedFirePolicy.RUN_AGAIN)
                .run(ctx -> say("fire " + ctx.taskName() + " " + ctx.scheduledAt().toEpochMilli())));
        }
        for (final TaskInfo task : scheduler.tasks())
        {
            if (task.lastError().orElse("").contains("interrupted by a restart"))
            {
                say("interrupted " + task.name());
            }
        }
        say("ready");
        if ("setup".equals(mode))
        {
            scheduler.close();
            return;
        }
        if ("final".equals(mode))
        {
            scheduler.runPending();
            for (final TaskInfo task : scheduler.tasks())
            {
                say("report " + task.name() + " " + task.runs() + " " + task.missed() + " " +
                    task.nextFire().map(Instant::toEpochMilli).orElse(-1L) + " " + task.state());
            }
            scheduler.close();
            say("done");
            return;
        }
        for (long tick = 1; System.nanoTime() - giveUp < 0; tick++) // the parent kills us long before
        {
            clock.advance(Duration.ofSeconds(1));
            scheduler.runPending();
            say("tick " + clock.millis());
            if (tick % 3 == 0)
            {
                final String name = "dyn-" + dyn++;
                scheduler.registerOnce(name, clock.instant().plusSeconds(5), "h",
                    name.getBytes(StandardCharsets.US_ASCII));
                say("ack " + name);
            }
            if (tick % 7 == 0)
            {
                say("cancelling dyn-" + (dyn - 1)); // killed before the answer: cancelled or not
                if (scheduler.cancel("dyn-" + (dyn - 1)))
                {
                    say("cancel dyn-" + (dyn - 1));
                }
            }
        }
        System.exit(3);
    }

    /** One whole line per event, flushed: a line the parent reads was printed after what it reports happened. */
    private static void say(final String line)
    {
        synchronized (OUT)
        {
            OUT.print(line + "\n");
            OUT.flush();
        }
    }
}
