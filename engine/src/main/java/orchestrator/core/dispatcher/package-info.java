/**
 * Where callbacks run: {@link orchestrator.core.dispatcher.Dispatcher}, inline on the thread that calls
 * {@code runPending()}, on worker threads that share one JCTools MPMC queue, or on an executor of the caller's.
 */
package orchestrator.core.dispatcher;
