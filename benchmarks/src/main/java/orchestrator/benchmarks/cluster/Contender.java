package orchestrator.benchmarks.cluster;

import orchestrator.scheduler.store.PgServer;

/**
 * Thread safe (stateless): one scheduler compared by the cluster harness, as the harness drives it: its schema, a
 * backlog of one-time tasks written to the database, and nodes that fire them (one per JVM, {@link ClusterNodeMain}).
 * Every fire calls {@link NodeFires#fired(String)} with the task's name.
 */
interface Contender
{
    /** @return the name used on the command line and in the report. */
    String name();

    /** @return how its nodes are configured, for the report. */
    String configuration();

    /**
     * @return whether every node registers the tasks itself ({@code tasks} of {@link #startNode}, each firing every
     *         second) instead of firing what {@link #load} wrote.
     */
    default boolean registersOnNodes()
    {
        return false;
    }

    /**
     * Creates the schema in an empty database; drops what a previous contender left there first when needed.
     */
    void install(PgServer server) throws Exception;

    /**
     * Writes {@code count} one-time tasks, task {@code i} named {@link NodeFires#taskName(int, long)} and due at
     * {@code firstDueMs + i * stepUs / 1000}. No node needs to run meanwhile.
     */
    void load(PgServer server, int count, long firstDueMs, long stepUs) throws Exception;

    /**
     * Deletes every task and execution; called while no node runs.
     */
    void clear(PgServer server) throws Exception;

    /**
     * Starts a node in this JVM and returns what stops it.
     *
     * @param jdbcUrl the database, user included.
     * @param nodeId  the node's name in the cluster.
     * @param threads worker threads.
     * @param tasks   when {@link #registersOnNodes()}: the tasks to register, every second; ignored otherwise.
     */
    AutoCloseable startNode(String jdbcUrl, String nodeId, int threads, int tasks) throws Exception;

    /**
     * @param name {@code db-scheduler}, {@code quartz} or {@code orchestrator}.
     * @return the contender of that name.
     */
    static Contender named(final String name)
    {
        switch (name)
        {
            case DbSchedulerContender.NAME:
                return new DbSchedulerContender();
            case QuartzContender.NAME:
                return new QuartzContender();
            case OrchestratorContender.NAME:
                return new OrchestratorContender();
            default:
                throw new IllegalArgumentException("unknown contender " + name);
        }
    }
}
