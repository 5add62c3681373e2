package orchestrator.scheduler;

/**
 * Handed from thread to thread, never shared: one fire of one task, from its collection (phase 1, under the lock)
 * through its run (phase 2, on whichever thread runs it) to its completion (phase 3, under the lock). Fires are
 * pooled by their {@link FireCycle}, so a steady-state fire allocates nothing. A fire names its task by id and
 * generation: if the task is cancelled while the fire is in flight, the generation moves on and the fire does not
 * run, or, if it is already running, its outcome is recorded against the cancelled task only.
 * <p>
 * Publication: phase 1 fills the fields under the lock, then hands the fire to the dispatcher (a queue or the same
 * thread); the running thread writes the outcome fields and hands the fire back through the completion queue (or
 * the lock, inline), which publishes them to phase 3.
 */
final class Fire implements Runnable
{
    private final FireCycle cycle;

    // set in phase 1
    int id;
    int generation;
    String taskName;
    TaskDefinition definition;
    Payload payload;
    long pin;               // the vault pin of a handler fire's record
    long scheduledAt;       // epoch ms of the (latest) fire time this run stands for
    int runs;               // callbacks to run: 1, or more under MisfirePolicy.fireAll
    boolean handBack;       // complete through the completion queue (worker dispatch)

    // outcome, written by the running thread
    int ran;
    int failed;
    String error;           // the last failure's description, without secrets
    String openFailure;     // set when a handler's record failed to open
    final FireTiming timing = new FireTiming(); // lateness and run time, when timed

    Fire(final FireCycle cycle)
    {
        this.cycle = cycle;
    }

    /**
     * Phase 2 on the dispatching thread or a worker: runs the callback, then, for worker dispatch, hands the fire
     * back for phase 3.
     */
    @Override
    public void run()
    {
        try
        {
            cycle.runner.run(this);
        }
        finally
        {
            if (handBack)
            {
                cycle.onCompletion(this);
            }
        }
    }

    void reset()
    {
        taskName = null;
        definition = null;
        payload = null;
        pin = 0;
        ran = 0;
        failed = 0;
        error = null;
        openFailure = null;
    }

    @Override
    public String toString()
    {
        return "Fire[" + taskName + "@" + scheduledAt + "]";
    }
}
