package orchestrator.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Thread safe: any thread registers and cancels, the cluster thread reads the arrays and sets the live nodes. Which
 * tasks a cluster node runs (the names registered on it) and which of them it prefers: each name prefers the node at
 * its hash among the sorted live ids; that node claims it ahead and keeps its row from one instant to the next, the
 * others claim it only once it is overdue (its node died or gave it back).
 * <p>
 * A name another node prefers is claimed here once overdue: its preferred node does not run it (the task was
 * cancelled there or never registered, as the live ids do not say which nodes run which tasks) or gave it back. Such
 * a claim made while the live nodes were settled adopts the row: this node keeps it from one instant to the next as
 * if it preferred it, until the live nodes change.
 * <p>
 * Nodes that briefly disagree on the live set only claim a row both or late: the claim itself is exclusive.
 */
final class ClusterShare
{
    private final String nodeId;
    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private final Set<String> adopted = ConcurrentHashMap.newKeySet(); // claimed overdue while settled: kept
    private final Map<String, TaskDefinition> cancelled = new ConcurrentHashMap<>(); // until no claim names them
    private volatile boolean changed;             // the arrays are built again by the cluster thread, once per burst
    private volatile List<String> live = List.of();
    private String[] all = new String[0];        // cluster thread
    private String[] preferred = new String[0];  // cluster thread

    ClusterShare(final String nodeId)
    {
        this.nodeId = nodeId;
    }

    void registered(final String name)
    {
        if (names.add(name))
        {
            changed = true;
        }
    }

    /**
     * The task was cancelled on this node (before the registry lets it go): its definition is kept until no claim
     * round can name it any more, for a claim round under way that takes its row over from a dead node.
     */
    void cancelled(final String name, final TaskRegistry registry)
    {
        adopted.remove(name);
        registry.lock.lock();
        try
        {
            final int id = registry.table.idOf(name);
            if (id != TaskTable.NO_ID)
            {
                cancelled.put(name, registry.table.definitions[id]);
            }
        }
        finally
        {
            registry.lock.unlock();
        }
        if (names.remove(name))
        {
            changed = true;
        }
    }

    /**
     * Cluster thread: the definition of a task cancelled here, which a claim round may still have named.
     *
     * @return the definition, or null.
     */
    TaskDefinition cancelledDefinition(final String name)
    {
        return cancelled.isEmpty() ? null : cancelled.get(name);
    }

    /**
     * Cluster thread: this node claimed {@code name}'s row once overdue, while the live nodes were settled: the node
     * it prefers does not take it, so this one keeps it from one instant to the next (without it, it would give the
     * row back after each run and take it again only overdue) until the live nodes change.
     */
    void adopt(final String name)
    {
        if (names.contains(name))
        {
            adopted.add(name);
        }
    }

    /** @return whether this node adopted {@code name}'s row (see {@link #adopt}). */
    boolean adopted(final String name)
    {
        return adopted.contains(name);
    }

    boolean runs(final String name)
    {
        return names.contains(name);
    }

    /**
     * @return whether this node prefers {@code name}: it is the node at the name's hash among the live ones, or it
     *         does not know the live nodes yet.
     */
    boolean prefers(final String name)
    {
        final List<String> nodes = live;
        return nodes.isEmpty() || !nodes.contains(nodeId) || atHash(name, nodes).equals(nodeId);
    }

    /** The node {@code name} prefers among {@code live}, not empty: the one at its hash. */
    private static String atHash(final String name, final List<String> live)
    {
        return live.get(Math.floorMod(name.hashCode(), live.size()));
    }

    List<String> live()
    {
        return live;
    }

    /**
     * Cluster thread: the live nodes as a heartbeat or join returned them.
     *
     * @return true when they changed.
     */
    boolean live(final List<String> nodes)
    {
        if (nodes.equals(live))
        {
            return false;
        }
        live = nodes;
        preferred = preferredOf(all, nodes, nodeId);
        adopted.clear(); // the rows move to their preferred nodes again
        return true;
    }

    /**
     * Cluster thread: builds the arrays again after registrations or cancellations.
     */
    void refresh()
    {
        if (changed)
        {
            changed = false;
            all = names.toArray(new String[0]);
            preferred = preferredOf(all, live, nodeId);
            if (!cancelled.isEmpty()) // the claim rounds from now on name only the tasks in all
            {
                final Set<String> named = new HashSet<>(Arrays.asList(all));
                cancelled.keySet().removeIf(name -> !named.contains(name));
            }
        }
    }

    /** Cluster thread: every name registered here, as of the last {@link #refresh}. */
    String[] all()
    {
        return all;
    }

    /** Cluster thread: the names this node prefers, as of the last {@link #refresh}. */
    String[] preferred()
    {
        return preferred;
    }

    static String[] preferredOf(final String[] names, final List<String> live, final String nodeId)
    {
        if (live.isEmpty() || !live.contains(nodeId))
        {
            return names;
        }
        final List<String> mine = new ArrayList<>();
        for (final String name : names)
        {
            if (atHash(name, live).equals(nodeId))
            {
                mine.add(name);
            }
        }
        return mine.toArray(new String[0]);
    }
}
