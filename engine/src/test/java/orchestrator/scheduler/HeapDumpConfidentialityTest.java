package orchestrator.scheduler;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confidentiality seen from outside the code: a task is registered whose payload holds a unique marker, the JVM's
 * live heap is dumped while the scheduler holds the task, and the dump file is searched for the marker. Production mode must not leave it anywhere on the heap; test
 * mode must (the control that shows the search finds what is there).
 * <p>
 * The marker never exists on the heap as a whole except inside the payload under test: the test keeps it only
 * XOR-masked (two random arrays, neither of which contains it) and rebuilds the search needle after the dump.
 */
class HeapDumpConfidentialityTest
{
    private static final int MARKER_LENGTH = 48;
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

    @TempDir
    Path dir;

    @Test
    void shouldLeaveNoPlaintextOfAProductionModePayloadInAHeapDump() throws IOException
    {
        assertFalse(registerAndSearch(false), "marker found in the heap dump in production mode");
    }

    @Test
    void shouldFindThePlaintextOfATestModePayloadInAHeapDump() throws IOException
    {
        assertTrue(registerAndSearch(true), "marker missing from the heap dump in test mode");
    }

    /**
     * Registers a task with a marker payload, lets it fire once (so opening and wiping are covered too), dumps the
     * heap with the task live, searches the dump, then checks the task still delivers the marker.
     */
    private boolean registerAndSearch(final boolean testMode) throws IOException
    {
        final SecureRandom random = new SecureRandom();
        final byte[] mask = new byte[MARKER_LENGTH];
        random.nextBytes(mask);
        final byte[] masked = new byte[MARKER_LENGTH];
        for (int i = 0; i < MARKER_LENGTH; i++)
        {
            masked[i] = (byte)(HEX[random.nextInt(HEX.length)] ^ mask[i]); // random lowercase-hex marker, masked
        }
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (Scheduler scheduler = Scheduler.builder().clock(clock).build())
        {
            scheduler.setTestMode(testMode);
            final AtomicBoolean delivered = new AtomicBoolean();
            final byte[][] expected = new byte[1][];
            scheduler.registerHandler("check", plain -> delivered.set(expected[0] == null || Arrays.equals(expected[0], plain)));

            final byte[] payload = new byte[MARKER_LENGTH];
            for (int i = 0; i < MARKER_LENGTH; i++)
            {
                payload[i] = (byte)(masked[i] ^ mask[i]);
            }
            scheduler.registerTask("marker-task", "* * * * *", "check", payload);
            Arrays.fill(payload, (byte)0);
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            assertTrue(delivered.getAndSet(false));

            final Path dump = dir.resolve((testMode ? "test" : "production") + ".hprof");
            try
            {
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(dump.toString(), true);
                Reference.reachabilityFence(scheduler);

                final byte[] needle = new byte[MARKER_LENGTH];
                for (int i = 0; i < MARKER_LENGTH; i++)
                {
                    needle[i] = (byte)(masked[i] ^ mask[i]);
                }
                try
                {
                    final boolean found = contains(dump, needle) || contains(dump, utf16(needle, false)) ||
                        contains(dump, utf16(needle, true));
                    // the task still delivers the marker: the payload really is held by the scheduler
                    expected[0] = needle;
                    clock.advance(Duration.ofMinutes(1));
                    scheduler.runPending();
                    assertTrue(delivered.get(), "the stored payload did not open to the marker");
                    return found;
                }
                finally
                {
                    Arrays.fill(needle, (byte)0);
                }
            }
            finally
            {
                Files.deleteIfExists(dump);
            }
        }
    }

    private static byte[] utf16(final byte[] ascii, final boolean bigEndian)
    {
        final byte[] out = new byte[ascii.length * 2];
        for (int i = 0; i < ascii.length; i++)
        {
            out[2 * i + (bigEndian ? 1 : 0)] = ascii[i];
        }
        return out;
    }

    private static boolean contains(final Path file, final byte[] needle) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long size = channel.size();
            final long window = 1L << 28;
            for (long base = 0; base < size; base += window - needle.length)
            {
                final long length = Math.min(window, size - base);
                final MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, base, length);
                final int limit = (int)length - needle.length;
                final byte first = needle[0];
                outer:
                for (int i = 0; i <= limit; i++)
                {
                    if (buffer.get(i) != first)
                    {
                        continue;
                    }
                    for (int j = 1; j < needle.length; j++)
                    {
                        if (buffer.get(i + j) != needle[j])
                        {
                            continue outer;
                        }
                    }
                    return true;
                }
                if (base + length >= size)
                {
                    break;
                }
            }
        }
        return false;
    }
}
