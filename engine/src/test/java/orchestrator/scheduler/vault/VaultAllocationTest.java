package orchestrator.scheduler.vault;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.util.function.BiConsumer;

import static orchestrator.scheduler.vault.CallbackVaultTest.randomBytes;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Bytes allocated by one pin and runOpened, measured with the thread's allocation counter: the plaintext array and
 * nothing else (no lease, no lambda, no cipher state, no intermediate copy).
 */
class VaultAllocationTest
{
    private static final int WARM_UP = 30_000;
    private static final int MEASURED = 20_000;
    /** One action object for every run, as the engine passes; reads the plaintext so that it is used. */
    private static final BiConsumer<long[], byte[]> SUM = (sum, plain) -> sum[0] += plain[0] + plain[plain.length - 1];

    @ParameterizedTest(name = "{0}, {1} B")
    @CsvSource({"AES_256_GCM, 64", "CHACHA20_POLY1305, 64", "AES_256_GCM, 1024", "CHACHA20_POLY1305, 1024"})
    void shouldAllocateOnlyThePlaintextPerRun(final Aead aead, final int size)
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random(), aead);
        final SealedRecord record = vault.seal(42, "nightly-report", 3, randomBytes(size));
        final long perRun = bytesPerRun(vault, record, size);
        System.out.printf("runOpened %s %d B payload: %d B allocated per pin + runOpened%n", aead, size, perRun);
        assertTrue(perRun <= arrayBytes(size), perRun + " B per run, the plaintext array is " + arrayBytes(size));
    }

    @ParameterizedTest(name = "plain, {0} B")
    @CsvSource({"64", "1024"})
    void shouldAllocateOnlyThePlaintextPerRunOfPlainRecord(final int size)
    {
        final CallbackVault vault = CallbackVault.testMode(Aead.AES_256_GCM);
        final SealedRecord record = vault.seal(42, "nightly-report", 3, randomBytes(size));
        final long perRun = bytesPerRun(vault, record, size);
        assertTrue(perRun <= arrayBytes(size), perRun + " B per run, the plaintext array is " + arrayBytes(size));
    }

    private static long bytesPerRun(final CallbackVault vault, final SealedRecord record, final int size)
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        final long thread = Thread.currentThread().getId();
        final long[] sum = new long[1];
        runs(vault, record, WARM_UP, sum);
        final long probeStart = threads.getThreadAllocatedBytes(thread);
        final long probe = threads.getThreadAllocatedBytes(thread) - probeStart; // what reading the counter costs
        final long before = threads.getThreadAllocatedBytes(thread);
        runs(vault, record, MEASURED, sum);
        final long after = threads.getThreadAllocatedBytes(thread);
        return (after - before - probe) / MEASURED;
    }

    private static void runs(final CallbackVault vault, final SealedRecord record, final int n, final long[] sum)
    {
        for (int i = 0; i < n; i++)
        {
            vault.runOpened(record, vault.pin(record), 42, "nightly-report", 3, SUM, sum);
        }
    }

    /** The size of a byte[] of {@code length} bytes: a 16-byte header (compressed class pointers), 8-byte aligned. */
    private static long arrayBytes(final int length)
    {
        return (16 + length + 7) & ~7L;
    }
}
