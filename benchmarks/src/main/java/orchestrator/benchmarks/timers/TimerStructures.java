package orchestrator.benchmarks.timers;

import java.util.List;

import orchestrator.scheduler.EngineTimerWheel;

/**
 * Thread safe (stateless): creates the {@link TimerStructure} named by a benchmark's {@code structure} parameter.
 */
public final class TimerStructures
{
    /** The engine's timer wheel, bare. */
    public static final String ENGINE = "engine";
    /** The engine's Scheduler: named one-time tasks through the public API. */
    public static final String ENGINE_SCHEDULER = "engineScheduler";
    /** Agrona {@code DeadlineTimerWheel}. */
    public static final String AGRONA = "agrona";
    /** Agrona {@code DeadlineTimerWheel} plus a map from timer id to task, as its users need. */
    public static final String AGRONA_LOOKUP = "agronaLookup";
    /** Kafka {@code TimingWheel} from server-common. */
    public static final String KAFKA = "kafka";
    /** JDK {@code DelayQueue} on a virtual clock. */
    public static final String DELAY_QUEUE = "delayQueue";
    /** JDK {@code ScheduledThreadPoolExecutor}. */
    public static final String STPE = "stpe";
    /** Netty {@code HashedWheelTimer}. */
    public static final String NETTY = "netty";
    /** Quartz {@code RAMJobStore}. */
    public static final String QUARTZ = "quartz";

    /** Every structure, in the order tables and charts show them. */
    public static final List<String> ALL =
        List.of(ENGINE, ENGINE_SCHEDULER, AGRONA, AGRONA_LOOKUP, KAFKA, DELAY_QUEUE, STPE, NETTY, QUARTZ);

    private TimerStructures()
    {
    }

    /**
     * @param name one of the names in {@link #ALL}.
     * @return a new, empty structure.
     */
    public static TimerStructure create(final String name)
    {
        switch (name)
        {
            case ENGINE:
                return new EngineTimerWheel();
            case ENGINE_SCHEDULER:
                return new EngineSchedulerTasks();
            case AGRONA:
                return new AgronaTimerWheel();
            case AGRONA_LOOKUP:
                return new AgronaLookupTimerWheel();
            case KAFKA:
                return new KafkaTimingWheel();
            case DELAY_QUEUE:
                return new DelayQueueTimers();
            case STPE:
                return new ScheduledExecutorTimers();
            case NETTY:
                return new NettyWheelTimers();
            case QUARTZ:
                return new QuartzRamJobStore();
            default:
                throw new IllegalArgumentException("unknown timer structure: " + name);
        }
    }

    /**
     * @param name one of the names in {@link #ALL}.
     * @return how the structure is shown in tables and charts.
     */
    public static String label(final String name)
    {
        switch (name)
        {
            case ENGINE:
                return "orchestrator TimerWheel (bare)";
            case ENGINE_SCHEDULER:
                return "orchestrator Scheduler (named one-time tasks)";
            case AGRONA:
                return "Agrona DeadlineTimerWheel (65,536 x 1 ms)";
            case AGRONA_LOOKUP:
                return "Agrona + id lookup";
            case KAFKA:
                return "Kafka TimingWheel (20 x 1 ms, hierarchical)";
            case DELAY_QUEUE:
                return "JDK DelayQueue (virtual clock)";
            case STPE:
                return "JDK ScheduledThreadPoolExecutor";
            case NETTY:
                return "Netty HashedWheelTimer (512 x 1 ms)";
            case QUARTZ:
                return "Quartz RAMJobStore";
            default:
                return name;
        }
    }
}
