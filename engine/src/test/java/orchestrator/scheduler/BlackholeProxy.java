package orchestrator.scheduler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread safe. A TCP proxy to 127.0.0.1:{@code target}: {@link #blackhole()} makes every connection open at that
 * moment silently drop its bytes in both directions, its sockets kept open (a stateful firewall or NAT that forgot
 * them, a database failover behind a virtual IP); connections opened later work normally. {@link #close()} closes
 * every socket.
 */
final class BlackholeProxy implements AutoCloseable
{
    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger generation = new AtomicInteger();
    private volatile int deadBelow; // the connections of a generation below this drop their bytes

    BlackholeProxy(final int target) throws IOException
    {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Thread accept = new Thread(this::accept, "proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port()
    {
        return server.getLocalPort();
    }

    void blackhole()
    {
        deadBelow = generation.get() + 1;
    }

    private void accept()
    {
        while (!server.isClosed())
        {
            try
            {
                final Socket client = server.accept();
                sockets.add(client);
                final Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(upstream);
                final int mine = generation.incrementAndGet();
                pump(client.getInputStream(), upstream.getOutputStream(), mine);
                pump(upstream.getInputStream(), client.getOutputStream(), mine);
            }
            catch (final IOException ex)
            {
                // closed
            }
        }
    }

    private void pump(final InputStream in, final OutputStream out, final int mine)
    {
        final Thread thread = new Thread(() ->
        {
            final byte[] buffer = new byte[8192];
            try
            {
                for (int n; (n = in.read(buffer)) >= 0; )
                {
                    if (mine >= deadBelow)
                    {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            }
            catch (final IOException ex)
            {
                // closed
            }
        }, "proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException
    {
        server.close();
        for (final Socket socket : sockets)
        {
            socket.close();
        }
    }
}
