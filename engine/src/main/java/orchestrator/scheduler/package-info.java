/**
 * The scheduler: describe cron, interval and one-time tasks with {@link orchestrator.scheduler.TaskSpec}, run them on
 * time with {@link orchestrator.scheduler.Scheduler}.
 * <p>
 * Public: {@code Scheduler}, {@code TaskSpec}, {@code TaskInfo}, {@code TaskState}, {@code MisfirePolicy},
 * {@code OverlapPolicy}, {@code InterruptedFirePolicy}, {@code FireContext}, {@code TaskListener}, {@code ManualClock},
 * {@code SchedulerMetrics} and {@code SchedulerMeterBinder} (the only class that needs Micrometer, an optional
 * dependency).
 * Everything else here is the engine behind them and package-private. One fire reads top to bottom in six classes:
 * <ol>
 * <li>{@code TaskRegistry}: the lock and registration over {@code TaskTable} (task ids indexing columns:
 * name, definition, state, runs, generation, and in {@code RareColumns} the ones few tasks write, made when first
 * written: instant, sealed payload, last error, missed and failed runs; names found through {@code NameIndex});</li>
 * <li>{@code TimerWheel}: task ids by deadline, a flat near level of 1 ms slots and a coarse far level (each level's
 * slots in {@code IdSlots}, their spare overflow arrays in {@code SpareArrays}; occupancy in {@code SlotBitmap},
 * the far level in {@code FarLevel});</li>
 * <li>{@code FireCollector}: phase 1 of {@code runPending()}, collect (lock): due tasks re-armed, their misfire
 * policy applied, claimed as pooled fires;</li>
 * <li>{@code FireCycle}: {@code runPending()}'s loop and its phases 2 and 3, dispatch (no lock) and complete
 * (lock);</li>
 * <li>{@code Fire}: the pooled per-fire state, carrying the task id and generation (pooled with the batches of
 * fires, {@code FireBatch}, in {@code FirePool});</li>
 * <li>{@code CallbackRunner}: runs the {@code Runnable}, or opens the sealed record and runs the handler.</li>
 * </ol>
 * Around them: {@code SpecCompiler} (a {@code TaskSpec} checked and turned into a {@code TaskDefinition}),
 * {@code SchedulerLifecycle} (start, awaitIdle, close), {@code StoreBinding} (what the public API does differently on a
 * durable or shared store), {@code TaskReads} (one task, every task in chunks, a task's next fire),
 * {@code TaskDefinition} and {@code Payload} (immutable parts of a task), {@code HeldBack} (fires the wall clock has
 * not reached after it stepped back), {@code UnretiredTasks} (tasks that ended while a fire of theirs ran, by name),
 * {@code FinishedTasks} (the history ring), {@code TaskRows} (rows copied under the lock, turned into {@code TaskInfo}s
 * after it), {@code Driver} (the thread behind {@code start()}; a lasting failure logged through
 * {@code RepeatedFailure}), {@code NameStripes} (calls on one name serialised), {@code IdleSignal} (behind
 * {@code awaitIdle}), {@code TaskControl} (pause, resume, triggerNow, reschedule), {@code Resealer} (key rotation and
 * mode switches, in chunks), {@code PendingRuns} (the runs of coalesced fires and triggers), {@code RunTimeouts} (run
 * timeouts), {@code Listeners} and {@code MissedEvents} (listener calls, made outside the lock). Metrics:
 * {@code FireMetrics} (counters and histograms, written under the lock in phases 1 and 3), {@code FireTiming} (a fire's
 * lateness and run time, pooled with it) and {@code FlightEvents} ({@code FireEvent}, {@code MissedFireEvent}: JDK
 * Flight Recorder). On a durable store only: {@code TaskDurability} (restore at build, write-through of registrations,
 * cancels, pauses and re-seals, tasks waiting for their handler, checked by {@code WaitingChecks}), {@code TaskRestore}
 * (one stored task put back), {@code LiveWrites} (a live task's whole write, queued under the lock in order with the
 * progress batches), {@code ProgressLog} (fire progress and running markers, one batch per collection) and
 * {@code StoredForms} (a live task to and from its {@code StoredTask}). On a shared store ({@code TaskStore.postgres})
 * only: {@code ClusterNode} (the node's cluster thread: claims ahead, completions, late claims),
 * {@code ClusterMembership} (join, lease and heartbeat under an epoch, fencing), {@code ClusterPacing} (when that
 * thread next heartbeats, claims and wakes), {@code ClusterCompletions} (completions written back in batches under
 * their fences, each keeping its row for the task's next instant while the node prefers it), {@code ClusterLateClaims}
 * (late claims run by their misfire policy, claims taken over counted interrupted), {@code ClusterShare} (the tasks a
 * node runs and prefers among the live nodes), {@code ClusterClaims} (the claims held and the gate in phase 1: a fire
 * starts only under a live claim and a fresh lease), {@code ClusterClock} (the application's clock corrected to the
 * database's), {@code ClusterTasks} (a registration written to the shared row), {@code ClusterEndings} (one-time tasks
 * another node ran, ended here at heartbeats), {@code StoredNames} (names a durable or shared store can keep) and
 * {@code DefaultNodeId}.
 * <p>
 * Conventions: fields marked "guarded by lock" are read and written only while holding {@code TaskRegistry.lock};
 * hand-offs between threads go through that lock, a JCTools queue, a volatile field or a VarHandle access named by
 * its mode ({@code getAcquire}, {@code setRelease}), and the line that establishes the ordering says so.
 */
package orchestrator.scheduler;
