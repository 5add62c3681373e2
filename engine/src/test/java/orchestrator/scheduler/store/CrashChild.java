package orchestrator.scheduler.store;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * NOT thread safe (a program, run in a child JVM by {@link JournalCrashTest}).
 * <pre>
 * CrashChild write|write-split &lt;dir&gt; &lt;next op of writer 0&gt; &lt;next op of writer 1&gt; ...
 * CrashChild hold &lt;dir&gt;
 * </pre>
 * {@code write} opens the journal with small segments (so it rolls and snapshots often), prints {@code ready}, then
 * runs one thread per writer doing {@link CrashModel}'s operations and prints {@code ack <writer> <op>} once each
 * durable call has returned, until it is killed; {@code write-split} writes every buffer 7 bytes per system call. {@code hold} opens the journal, prints {@code ready} and waits for
 * its standard input to close.
 */
public final class CrashChild
{
    private static final long SEGMENT_BYTES = 24 << 10;
    private static final long GIVE_UP_MS = 60_000;
    private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.US_ASCII);

    private CrashChild()
    {
    }

    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final Path dir = Path.of(args[1]);
        if ("hold".equals(args[0]))
        {
            final TaskStore store = TaskStore.journal(dir);
            store.open();
            say("ready");
            while (System.in.read() >= 0)
            {
                // until the parent closes our input or kills us
            }
            store.close();
            return;
        }
        final JournalOptions small = JournalOptions.DEFAULTS.withSegmentBytes(SEGMENT_BYTES);
        final JournalTaskStore store = new JournalTaskStore(dir,
            "write-split".equals(args[0]) ? small.withChannels(FailingChannel.splitting(7)) : small);
        store.open();
        say("ready");
        for (int w = 0; w < args.length - 2; w++)
        {
            final int writer = w;
            final long first = Long.parseLong(args[w + 2]);
            final Thread thread = new Thread(() -> write(store, writer, first), "writer-" + w);
            thread.setDaemon(true);
            thread.start();
        }
        TimeUnit.MILLISECONDS.sleep(GIVE_UP_MS); // the parent kills us long before; never linger if it died
        System.exit(3);
    }

    private static void write(final TaskStore store, final int writer, final long first)
    {
        try
        {
            for (long k = first; ; k++)
            {
                if (CrashModel.isRemove(k))
                {
                    store.remove(CrashModel.name(writer, k));
                }
                else
                {
                    store.upsert(CrashModel.task(writer, k));
                }
                say("ack " + writer + " " + k);
                if (!CrashModel.isRemove(k))
                {
                    store.recordProgress(List.of(CrashModel.progressAfter(writer, k)));
                }
            }
        }
        catch (final RuntimeException ex)
        {
            ex.printStackTrace();
            say("error " + ex);
            System.exit(2);
        }
    }

    /** One whole line per write, flushed: a line the parent reads was printed after its write was durable. */
    private static void say(final String line)
    {
        synchronized (OUT)
        {
            OUT.print(line + "\n");
            OUT.flush();
        }
    }
}
