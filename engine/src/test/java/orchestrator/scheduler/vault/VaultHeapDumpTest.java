package orchestrator.scheduler.vault;

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
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confidentiality seen from outside the code: a payload holding a unique marker is stored, the JVM's live heap is
 * dumped, and the dump file is searched for the marker. Production mode must not leave it anywhere on the heap; test
 * mode must (the control that shows the search finds what is there).
 * <p>
 * The marker never exists on the heap as a whole except inside the payload under test: the test keeps it only
 * XOR-masked (two random arrays, neither of which contains it) and rebuilds the search needle after the dump.
 */
class VaultHeapDumpTest
{
    private static final int MARKER_LENGTH = 48;
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

    @TempDir
    Path dir;

    @Test
    void shouldLeaveNoPlaintextOfSealedPayloadInHeapDump() throws IOException
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        assertFalse(storeAndSearch(vault, "production"), "marker found in the heap dump in production mode");
    }

    @Test
    void shouldFindPlaintextOfPlainPayloadInHeapDump() throws IOException
    {
        final CallbackVault vault = CallbackVault.testMode(CallbackVault.DEFAULT_AEAD);
        assertTrue(storeAndSearch(vault, "test"), "marker missing from the heap dump in test mode");
    }

    /** Seals a marker payload, wipes the plaintext, dumps the heap with the record live, searches the dump. */
    private boolean storeAndSearch(final CallbackVault vault, final String label) throws IOException
    {
        final SecureRandom random = new SecureRandom();
        final byte[] mask = new byte[MARKER_LENGTH];
        random.nextBytes(mask);
        final byte[] masked = new byte[MARKER_LENGTH];
        for (int i = 0; i < MARKER_LENGTH; i++)
        {
            masked[i] = (byte)(HEX[random.nextInt(HEX.length)] ^ mask[i]); // random lowercase-hex marker, masked
        }

        final byte[] payload = new byte[MARKER_LENGTH];
        for (int i = 0; i < MARKER_LENGTH; i++)
        {
            payload[i] = (byte)(masked[i] ^ mask[i]);
        }
        final SealedRecord record = vault.seal(1, "marker-task", 1, payload);
        Arrays.fill(payload, (byte)0);

        final Path dump = dir.resolve(label + ".hprof");
        try
        {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(dump.toString(), true);
            Reference.reachabilityFence(record); // the stored record is live during the dump

            final byte[] needle = new byte[MARKER_LENGTH];
            for (int i = 0; i < MARKER_LENGTH; i++)
            {
                needle[i] = (byte)(masked[i] ^ mask[i]);
            }
            try
            {
                // the record still opens to the marker: the payload really is in the store
                vault.withOpened(record, 1, "marker-task", 1, plain -> assertArrayEquals(needle, plain));
                return contains(dump, needle) || contains(dump, utf16(needle, false)) ||
                    contains(dump, utf16(needle, true));
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
