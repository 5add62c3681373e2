package orchestrator.scheduler;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Thread safe as the data source it wraps: a data source for a cluster node whose connections run an action at the
 * commit of each transaction that ran a chosen statement, before the commit, on the thread that commits (the node's
 * cluster thread): a race with the statement's transaction, made certain.
 */
final class ClusterFaults
{
    private ClusterFaults()
    {
    }

    /**
     * @param statement text of the statement (see PostgresCluster) whose transaction's commit runs {@code action}.
     */
    static DataSource beforeCommitOf(final DataSource target, final String statement, final Runnable action)
    {
        return proxy(DataSource.class, target, (method, args) ->
        {
            final Object result = method.invoke(target, args);
            return method.getName().equals("getConnection") ? beforeCommit((Connection)result, statement, action) :
                result;
        });
    }

    private static Connection beforeCommit(final Connection target, final String statement, final Runnable action)
    {
        final AtomicReference<String> ran = new AtomicReference<>(""); // the statements of the open transaction
        return proxy(Connection.class, target, (method, args) ->
        {
            if (method.getName().equals("prepareStatement"))
            {
                ran.updateAndGet(sql -> sql + args[0]);
            }
            else if (method.getName().equals("commit") || method.getName().equals("rollback"))
            {
                if (ran.getAndSet("").contains(statement) && method.getName().equals("commit"))
                {
                    action.run();
                }
            }
            return method.invoke(target, args);
        });
    }

    /**
     * A call on a proxy: invoke the target's method or do something else.
     */
    interface Call
    {
        Object call(java.lang.reflect.Method method, Object[] args) throws Throwable;
    }

    /**
     * @return a proxy of {@code type} that hands every call to {@code call}, throwing what the target threw.
     */
    static <T> T proxy(final Class<T> type, final T target, final Call call)
    {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) ->
        {
            try
            {
                return call.call(method, args);
            }
            catch (final InvocationTargetException ex)
            {
                throw ex.getCause();
            }
        }));
    }
}
