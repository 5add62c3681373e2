package orchestrator.scheduler.store;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A journal written by a child JVM that is killed with SIGKILL at random points, over and over in one directory:
 * every write the child acknowledged is there after each kill, nothing else is, and each writer's operations survive
 * as an exact prefix (nothing lost before an acknowledged write, nothing duplicated or reordered).
 * <p>
 * {@code -Djournal.crash.kills=N} sets the number of kills (default 200, about a minute and a half on two cores).
 */
@Tag("crash")
class JournalCrashTest
{
    private static final int WRITERS = 3;
    private static final long READY_TIMEOUT_S = 60;

    @TempDir
    Path temp;

    @Test
    void shouldKeepEveryAcknowledgedWriteThroughRepeatedKills() throws Exception
    {
        final int kills = Integer.getInteger("journal.crash.kills", 200);
        final long seed = Long.getLong("journal.crash.seed", System.nanoTime());
        final Random random = new Random(seed);
        final Path dir = temp.resolve("journal");
        final long[] last = new long[WRITERS];
        Arrays.fill(last, -1);
        long acknowledged = 0;
        long truncated = 0;
        int killedWhileWriting = 0;
        for (int kill = 0; kill < kills; kill++)
        {
            final String context = "kill " + kill + " (seed " + seed + ")";
            // every other child writes in 7-byte pieces, so that kills land inside frames and leave torn tails
            final List<String> args = new ArrayList<>(List.of(kill % 2 == 0 ? "write" : "write-split", dir.toString()));
            for (final long op : last)
            {
                args.add(Long.toString(op + 1));
            }
            final ChildJvm child = ChildJvm.start(CrashChild.class, args, temp.resolve("stderr.txt"));
            if (random.nextInt(10) == 0)
            {
                TimeUnit.MILLISECONDS.sleep(random.nextInt(300)); // anywhere in start-up and recovery
            }
            else
            {
                child.awaitReady(context);
                TimeUnit.MILLISECONDS.sleep(random.nextInt(250)); // anywhere in the writes: the point of the test
            }
            final List<String> lines = child.kill(context);
            final long[] seen = last.clone();
            for (final String line : lines)
            {
                if (line.startsWith("ack "))
                {
                    final String[] parts = line.split(" ");
                    final int writer = Integer.parseInt(parts[1]);
                    final long op = Long.parseLong(parts[2]);
                    assertEquals(seen[writer] + 1, op, context + ": acknowledged in order");
                    seen[writer] = op;
                    acknowledged++;
                }
            }
            if (!Arrays.equals(seen, last))
            {
                killedWhileWriting++;
            }
            truncated += verify(dir, seen, last, context);
        }
        System.out.println("JournalCrashTest: " + kills + " kills, " + killedWhileWriting + " while writing, " +
            acknowledged + " acknowledged writes checked, " + truncated + " torn-tail bytes cut, seed " + seed);
        assertTrue(killedWhileWriting >= kills / 2, "most kills land among the writes: " + killedWhileWriting);
        assertTrue(kills < 100 || truncated > 0, "kills inside split writes left torn tails to recover");
    }

    /**
     * Opens a copy of the journal (the child recovers the original, torn tail and all) and finds, for each writer,
     * the last operation that survived: the last acknowledged one or the one in flight after it.
     *
     * @return bytes of torn tail cut off in the copy.
     */
    private long verify(final Path dir, final long[] seen, final long[] last, final String context) throws IOException
    {
        if (!Files.exists(dir))
        {
            return 0; // killed before the first open created it
        }
        final Path copy = temp.resolve("copy");
        deleteTree(copy);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        final JournalTaskStore store = new JournalTaskStore(copy, JournalOptions.DEFAULTS);
        final List<StoredTask> found;
        try
        {
            found = store.open();
        }
        catch (final TaskStoreException ex)
        {
            throw new AssertionError(context + ": the journal does not open after a kill", ex);
        }
        final long cut = store.recovered().truncated();
        store.close();
        final List<Map<String, StoredTask>> byWriter = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++)
        {
            byWriter.add(new HashMap<>());
        }
        for (final StoredTask task : found)
        {
            byWriter.get(Integer.parseInt(task.name().substring(1, task.name().indexOf('-')))).put(task.name(), task);
        }
        for (int w = 0; w < WRITERS; w++)
        {
            if (CrashModel.matches(byWriter.get(w), CrashModel.expected(w, seen[w]), w))
            {
                last[w] = seen[w];
            }
            else if (CrashModel.matches(byWriter.get(w), CrashModel.expected(w, seen[w] + 1), w))
            {
                last[w] = seen[w] + 1; // written, not yet acknowledged when the kill came
            }
            else
            {
                fail(context + ": writer " + w + " acknowledged operations up to " + seen[w] + " but the journal " +
                    "holds neither them nor them plus the next one: " +
                    differences(byWriter.get(w), CrashModel.expected(w, seen[w])) + "; files " + listing(copy));
            }
        }
        return cut;
    }

    private static String differences(final Map<String, StoredTask> found, final Map<String, StoredTask> expected)
    {
        final StringBuilder out = new StringBuilder();
        final TreeSet<String> names = new TreeSet<>(found.keySet());
        names.addAll(expected.keySet());
        for (final String name : names)
        {
            final StoredTask got = found.get(name);
            final StoredTask want = expected.get(name);
            if (got == null || want == null || !got.withProgress(want.progress()).equals(want))
            {
                out.append(name).append(": found ").append(got == null ? "nothing" : "op " + got.recordId())
                    .append(", expected ").append(want == null ? "nothing" : "op " + want.recordId()).append("; ");
            }
        }
        return out.toString();
    }

    private static String listing(final Path dir) throws IOException
    {
        final StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path file : (Iterable<Path>)files.sorted()::iterator)
            {
                out.append(file.getFileName()).append('=').append(Files.size(file)).append(' ');
            }
        }
        return out.toString();
    }

    @Test
    void shouldRefuseAJournalOpenInAnotherProcessNamingTheDirectory() throws Exception
    {
        final Path dir = temp.resolve("held");
        final ChildJvm holder = ChildJvm.start(CrashChild.class, List.of("hold", dir.toString()), temp.resolve("stderr-hold.txt"));
        try
        {
            holder.awaitReady("holder");
            final TaskStoreException refused = assertThrows(TaskStoreException.class,
                () -> TaskStore.journal(dir).open());
            assertTrue(refused.getMessage().contains(dir.toAbsolutePath().toString()), refused.getMessage());
            assertTrue(refused.getMessage().contains("another process"), refused.getMessage());
        }
        finally
        {
            holder.kill("holder");
        }
        final TaskStore after = TaskStore.journal(dir);
        after.open(); // the kernel released the lock with the process
        after.close();
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(root))
        {
            for (final Path file : (Iterable<Path>)files.sorted((a, b) -> b.compareTo(a))::iterator)
            {
                Files.delete(file);
            }
        }
    }
}
