package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronSchedule;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Thread safe (stateless): what the jcstress tests of this package share. Every test state builds its own
 * {@link Scheduler} on its own {@link ManualClock}, so states never interfere and no state starts a thread: worker
 * dispatch is played by the actors themselves through a {@link HeldJob}.
 */
final class StressFixtures
{
    /** The virtual time every state starts at; the wheel's origin. */
    static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    /** One second after {@link #START}: the first fire of {@link #EVERY_SECOND}. */
    static final Instant FIRST_FIRE = START.plusSeconds(1);
    /** Two seconds after {@link #START}: the second fire of {@link #EVERY_SECOND}. */
    static final Instant SECOND_FIRE = START.plusSeconds(2);
    /** Parsed once and shared: a schedule is immutable, and parsing per state would dominate the run. */
    static final CronSchedule EVERY_SECOND = CronSchedule.parse("* * * * * *", ZoneOffset.UTC);

    /**
     * The engine logs every dropped overlapping fire and every late collection at WARNING; several tests provoke those
     * by design, millions of times in a deep run, so only errors are let through. Held here because the logging
     * framework keeps loggers only weakly.
     */
    private static final Logger ENGINE_LOG = quietEngineLog();

    /** Outcome code for a call that threw where it must not. */
    static final int THREW = -1;
    /** Outcome code for a task missing from {@link Scheduler#tasks()}. */
    static final int MISSING = -1;

    private StressFixtures()
    {
    }

    private static Logger quietEngineLog()
    {
        final Logger log = Logger.getLogger("orchestrator");
        log.setLevel(Level.SEVERE);
        return log;
    }

    /**
     * @param clock the state's clock.
     * @return a scheduler that runs callbacks on the thread that calls {@code runPending()}.
     */
    static Scheduler inlineScheduler(final ManualClock clock)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(new Dispatcher()).build();
    }

    /**
     * @param clock   the state's clock.
     * @param heldJob receives each fire the scheduler hands to a worker.
     * @return a scheduler with worker dispatch ({@code Dispatcher.of(heldJob)}) and no worker thread.
     */
    static Scheduler heldJobScheduler(final ManualClock clock, final HeldJob heldJob)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(Dispatcher.of(heldJob)).build();
    }

    /**
     * Keeps the calling thread busy for a moment (a few microseconds): a callback that spins while it is inside makes
     * an overlap with another run, or a timeout check during the run, likely enough to be seen.
     */
    static void spin()
    {
        for (int i = 0; i < SPIN; i++)
        {
            Thread.onSpinWait();
        }
    }

    /** Iterations of {@link #spin()}. */
    private static final int SPIN = 64;

    /**
     * @param scheduler the scheduler to call.
     * @return what {@code runPending()} returned, or {@link #THREW}.
     */
    static int runPending(final Scheduler scheduler)
    {
        try
        {
            return scheduler.runPending();
        }
        catch (final RuntimeException ex)
        {
            return THREW;
        }
    }

    /**
     * @param infos a snapshot.
     * @param name  a task name.
     * @return the first entry of that name, or null.
     */
    static TaskInfo find(final List<TaskInfo> infos, final String name)
    {
        for (final TaskInfo info : infos)
        {
            if (info.name().equals(name))
            {
                return info;
            }
        }
        return null;
    }

    /**
     * @param infos a snapshot.
     * @param name  a task name.
     * @return how many entries carry that name.
     */
    static int count(final List<TaskInfo> infos, final String name)
    {
        int count = 0;
        for (final TaskInfo info : infos)
        {
            if (info.name().equals(name))
            {
                count++;
            }
        }
        return count;
    }

    /**
     * @param info an entry of a snapshot, or null.
     * @return its state's ordinal, or {@link #MISSING}.
     */
    static int stateCode(final TaskInfo info)
    {
        return info == null ? MISSING : info.state().ordinal();
    }

    /**
     * NOT thread safe beyond one job in flight: an executor that neither runs nor queues a job but holds it until a
     * test thread takes it, so that a jcstress actor can play the worker (run the fire: its callback, then the
     * hand-back of its completion) without a worker thread per state.
     */
    static final class HeldJob implements Executor
    {
        private final AtomicReference<Runnable> job = new AtomicReference<>();

        @Override
        public void execute(final Runnable job)
        {
            if (!this.job.compareAndSet(null, job))
            {
                // an Error, not an exception: Dispatcher.of would report an exception as a refusal, which the
                // scheduler counts as a missed fire, and that could pass for an acceptable outcome
                throw new AssertionError("a second job was handed over before the first was taken");
            }
        }

        /**
         * @return the job handed over and not yet taken, or null.
         */
        Runnable take()
        {
            return job.getAndSet(null);
        }
    }
}
