package orchestrator.scheduler;

import java.time.Instant;
import java.util.Objects;

/**
 * Immutable and thread safe: one run of one task, as its {@code Consumer<FireContext>} callback and the
 * {@link TaskListener}s see it. A context is made for one run and never reused, so it may be kept after the run
 * (e.g. handed to another thread); it is made only when a callback asks for it or a listener is added, so tasks
 * without either pay nothing for it.
 */
public final class FireContext
{
    private final String taskName;
    private final Instant scheduledAt;
    private final Instant startedAt;
    private final long fires;
    private final long fence;
    private final String nodeId;

    FireContext(final String taskName, final Instant scheduledAt, final Instant startedAt, final long fires)
    {
        this(taskName, scheduledAt, startedAt, fires, 0, null);
    }

    FireContext(final String taskName, final Instant scheduledAt, final Instant startedAt, final long fires,
        final long fence, final String nodeId)
    {
        this.fence = fence;
        this.nodeId = nodeId; // null: the default id, looked up when first asked
        this.taskName = Objects.requireNonNull(taskName, "taskName");
        this.scheduledAt = Objects.requireNonNull(scheduledAt, "scheduledAt");
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.fires = fires;
    }

    /**
     * @return the name of the task this run belongs to.
     */
    public String taskName()
    {
        return taskName;
    }

    /**
     * @return the fire time this run stands for: its scheduled fire, or the moment of
     *         {@link Scheduler#triggerNow(String)} for a triggered run. A task found late with several fires passed
     *         runs for the earliest of them, in order (one run under {@link MisfirePolicy#FIRE_ONCE}, each of its
     *         {@link MisfirePolicy#fireAll} runs for the next fire time); the later ones are the fires it missed.
     */
    public Instant scheduledAt()
    {
        return scheduledAt;
    }

    /**
     * @return when the callback started, read from the scheduler's clock; {@code startedAt - scheduledAt} is the
     *         run's lateness.
     */
    public Instant startedAt()
    {
        return startedAt;
    }

    /**
     * @return how many fires this run stands for: 1, or under {@link OverlapPolicy#COALESCE} the number of fires that
     *         came due while the previous run was going (plus any {@link Scheduler#triggerNow} calls merged into it).
     */
    public long fires()
    {
        return fires;
    }

    /**
     * The fence token of the cluster claim this run started under: it grows with every claim of the task's row, so a
     * downstream write that stores it and refuses a smaller one than it holds cannot be overtaken by a node that was
     * fenced (paused past its lease) and woke up. Also in the task's row ({@code orchestrator_tasks.fence}).
     *
     * @return the fence token, or 0 when the scheduler is not clustered (or for an application's
     *         {@link Scheduler#triggerNow} on a cluster node, which runs locally).
     */
    public long fence()
    {
        return fence;
    }

    /**
     * @return the id of the node this run started on ({@link Scheduler.Builder#nodeId}).
     */
    public String nodeId()
    {
        return nodeId != null ? nodeId : DefaultNodeId.VALUE;
    }

    @Override
    public String toString()
    {
        return "FireContext[" + taskName + ", scheduledAt=" + scheduledAt + ", startedAt=" + startedAt + ", fires=" +
            fires + (fence == 0 ? "" : ", fence=" + fence) + ", node=" + nodeId() + "]";
    }
}
