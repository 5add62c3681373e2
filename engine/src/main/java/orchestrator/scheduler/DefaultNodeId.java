package orchestrator.scheduler;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Immutable: the default node id, the host name, "-" and the process id, looked up once per process when first
 * needed (class initialisation is lazy), so a scheduler that never asks for it makes no host-name lookup.
 */
final class DefaultNodeId
{
    static final String VALUE = host() + "-" + ProcessHandle.current().pid();

    private DefaultNodeId()
    {
    }

    private static String host()
    {
        try
        {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (final UnknownHostException | SecurityException ex)
        {
            return "localhost";
        }
    }
}
