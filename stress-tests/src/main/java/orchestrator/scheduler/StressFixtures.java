package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronSchedule;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Thread safe (stateless): what the jcstress tests of this package share. Every test state builds its own
 * {@link Scheduler} on its own {@link ManualClock}, so states never interfere and no state starts a thread.
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

    /** Outcome code for a call that threw where it must not. */
    static final int THREW = -1;
    /** Outcome code for a task missing from {@link Scheduler#tasks()}. */
    static final int MISSING = -1;

    private StressFixtures()
    {
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
}
