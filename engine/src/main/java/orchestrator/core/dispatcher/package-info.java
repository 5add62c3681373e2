/**
 * Where callbacks run: {@link orchestrator.core.dispatcher.Dispatcher}, inline on the thread that calls
 * {@code runPending()}, or on worker threads fed through JCTools MPSC queues.
 */
package orchestrator.core.dispatcher;
