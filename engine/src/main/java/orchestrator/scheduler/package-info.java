/**
 * The scheduler: register cron and one-time tasks, run them on time with {@link orchestrator.scheduler.Scheduler}.
 * <p>
 * Public: {@code Scheduler}, {@code TaskInfo}, {@code TaskState}, {@code MisfirePolicy}, {@code ManualClock}.
 * Everything else here is the engine behind them and package-private: {@code TaskRegistry} (the lock, the registry
 * and the three phases of {@code runPending()}), {@code TimerWheel}, {@code Task}, {@code DueBatch}, {@code Driver}
 *, {@code SealedCallbacks} and {@code IdleSignal}.
 * <p>
 * Conventions: fields marked "guarded by lock" are read and written only while holding {@code TaskRegistry.lock};
 * hand-offs between threads go through that lock, a JCTools queue or a volatile field, and the line that
 * establishes the ordering says so.
 */
package orchestrator.scheduler;
