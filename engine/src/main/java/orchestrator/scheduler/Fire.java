package orchestrator.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
    /*
     * Hand-off of a worker fire (handBack): handOff holds its claim's number times HAND_OFF_STEP, plus STARTED or
     * WITHDRAWN once its run or its dispatching thread won the compare-and-set. A dispatcher that throws something
     * other than a refusal may have started the job or not (an executor that throws an Error after running it); the
     * dispatching thread withdraws the fire to find out, so a fire is either run and completed by its run, or counted
     * missed and completed by the dispatching thread, never both. The claim's number makes a withdraw fail on a fire
     * that already ran, completed and was claimed again; a withdrawn fire is never pooled again, so a run that
     * reaches it late finds it withdrawn, never a later claim.
     */
    private static final int HAND_OFF_STEP = 4;
    private static final int STARTED = 1;
    private static final int WITHDRAWN = 2;
    private static final VarHandle HAND_OFF;

    static
    {
        try
        {
            HAND_OFF = MethodHandles.lookup().findVarHandle(Fire.class, "handOff", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final FireCycle cycle;
    // the thread running it, or null: set and cleared by that thread, so a thread reading its own is never wrong
    Thread runningOn;

    // set in phase 1
    int id;
    int generation;
    String taskName;
    TaskDefinition definition;
    Payload payload;
    long pin;               // the vault pin of a handler fire's record
    long scheduledAt;       // epoch ms of the fire time the current run stands for (a fireAll run: the next)
    int runs;               // callbacks to run: 1, or more under MisfirePolicy.fireAll
    long fires = 1;         // fires this run stands for (FireContext.fires): more for a coalesced or merged run
    long firstAt;           // the first of them, epoch ms: scheduledAt, or earlier for a coalesced or merged run
    boolean handBack;       // complete through the completion queue (worker dispatch)
    int handOff;            // accessed through HAND_OFF, plain only in phase 1 (lock held): see above
    boolean watched;        // its task has a run timeout: RunTimeouts watches it
    int reportedRun;        // guarded by lock: the run RunTimeouts reported last (runs count from 1), 0 for none
    int watchIndex;         // guarded by lock: its place in RunTimeouts' watch list

    // run state of a watched fire, published by the running thread (see RunTimeouts)
    int runState;           // accessed through RunTimeouts' VarHandle, plain only in phase 1 and 3 (lock held)
    long startedAt;         // written before runState is released as RUNNING
    Thread thread;          // likewise

    // outcome, written by the running thread
    int ran;
    long skipped;           // fires not run because a cancel came first or a close gave up: counted as missed
    long skippedFrom;       // the first of them, epoch ms
    int failed;
    String error;           // the last failure's description, without secrets
    String openFailure;     // set when a handler's record failed to open
    ClusterClaims.Held claim; // the cluster claim this run started under; null when not clustered
    long finishedAt = Long.MIN_VALUE; // epoch ms, set for a fixed-delay task, whose next fire counts from it
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
        if (handBack && !start())
        {
            return; // withdrawn by its dispatching thread, which counted it missed and completed it
        }
        final boolean watched = this.watched;
        final boolean interruptedBefore = watched && Thread.currentThread().isInterrupted();
        runningOn = Thread.currentThread(); // a plain write: a thread-local costs several per fire
        try
        {
            if (watched)
            {
                RunTimeouts.started(this, millis());
            }
            cycle.runner.run(this);
        }
        finally
        {
            runningOn = null;
            if (watched)
            {
                RunTimeouts.ended(this, interruptedBefore);
            }
            if (definition.fixedDelay())
            {
                finishedAt = cycle.millis();
            }
            if (handBack)
            {
                cycle.onCompletion(this);
            }
        }
    }

    /**
     * Phase 1 (lock held): numbers a new claim of this pooled fire; its dispatching thread reads {@link #handOff}
     * before the hand-off, as the token for {@link #withdraw(int)}.
     */
    void claimed()
    {
        handOff = (handOff & -HAND_OFF_STEP) + HAND_OFF_STEP; // published to the running thread by the hand-off
    }

    /**
     * The dispatching thread, after the dispatcher threw: takes back a fire whose run has not started.
     *
     * @param token {@link #handOff} as it was read before the hand-off.
     * @return true when the fire will not run (the caller completes it); false when its run started.
     */
    boolean withdraw(final int token)
    {
        return HAND_OFF.compareAndSet(this, token, token | WITHDRAWN);
    }

    private boolean start()
    {
        final int token = (int)HAND_OFF.getVolatile(this);
        return (token & (STARTED | WITHDRAWN)) == 0 && HAND_OFF.compareAndSet(this, token, token | STARTED);
    }

    /**
     * Running thread: its task was cancelled after its collection, or a close gave up, before these runs could start;
     * phase 3 counts them as missed, as a cancel counts the fires it ends.
     *
     * @param listeners told of them now, on this thread (which holds no lock of the scheduler), for a cancel as for a
     *                  close that gave up.
     */
    void notRun(final long count, final TaskListener[] listeners)
    {
        skipped = count;
        skippedFrom = ran == 0 ? firstAt : definition.fireAfter(scheduledAt, 1); // after the last run of a catch-up
        if (listeners != null)
        {
            Listeners.onMissed(listeners, taskName, skippedFrom, count);
        }
    }

    /**
     * Phase 3: when the run ended, from which a fixed delay's next fire counts.
     *
     * @return the end its running thread read; else the clock now; else, when the clock failed at both reads (it
     *         reads as long ago), the fire time the run stood for, not a time that would make it due again at once.
     */
    long endedAt()
    {
        if (finishedAt != Long.MIN_VALUE)
        {
            return finishedAt;
        }
        final long now = millis();
        return now != Long.MIN_VALUE ? now : scheduledAt;
    }

    /** @return the scheduler's clock in epoch ms, {@link Long#MIN_VALUE} when it throws. */
    long millis()
    {
        return cycle.millis();
    }

    /**
     * @return the fence token of this run's cluster claim, or 0.
     */
    long fence()
    {
        final ClusterClaims.Held held = claim;
        return held == null ? 0 : held.fence;
    }

    /**
     * @return the node id set on the builder or of the cluster; null for the default, which
     *         {@link FireContext#nodeId()} looks up only when asked.
     */
    String nodeId()
    {
        return cycle.nodeId;
    }

    void reset()
    {
        taskName = null;
        definition = null;
        payload = null;
        pin = 0;
        ran = 0;
        skipped = 0;
        failed = 0;
        error = null;
        openFailure = null;
        fires = 1;
        finishedAt = Long.MIN_VALUE;
        claim = null;
        if (watched)
        {
            watched = false;
            reportedRun = 0;
            runState = RunTimeouts.IDLE; // published to the next running thread by the dispatch hand-off
            thread = null;
        }
    }

    @Override
    public String toString()
    {
        return "Fire[" + taskName + "@" + scheduledAt + "]";
    }
}
