package orchestrator.scheduler;

import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.Security;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static orchestrator.scheduler.SchedulerTest.START;
import static orchestrator.scheduler.SchedulerTest.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rotation or mode switch stopped by a throwable (here an {@link Error} from the random source the vault draws its
 * nonces from, on the rotating thread) keeps every record openable, and the next rotation completes it.
 */
class RotationFaultTest
{
    private static final List<String> NAMES = List.of("a", "b", "c");

    private final ManualClock clock = new ManualClock(START);
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Scheduler scheduler = Scheduler.builder()
        .clock(clock).zone(ZoneOffset.UTC).keyProvider(KeyProvider.ofBytes(new byte[KeyProvider.KEY_LENGTH])).build();

    RotationFaultTest()
    {
        scheduler.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
        for (final String name : NAMES)
        {
            scheduler.registerTask(name, "* * * * *", "echo", name.getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    @Test
    void shouldKeepEveryRecordOpenableWhenAnErrorStopsARotation() throws Exception
    {
        final Error error = new OutOfMemoryError("thrown, not real");
        assertSame(error, onThreadWithFailingNonces(2, error, () -> scheduler.rotateKey(KeyProvider.random())));
        assertFiresAll(1);
        scheduler.rotateKey(KeyProvider.random()); // completes the stopped pass, then rotates
        assertFalse(scheduler.registry().vault.isRotating(), "every old key retired");
        assertFiresAll(2);
    }

    @Test
    void shouldKeepEveryRecordOpenableWhenAnErrorStopsASwitchToProductionMode() throws Exception
    {
        scheduler.setTestMode(true);
        final Error error = new AssertionError("thrown by the random source");
        assertSame(error, onThreadWithFailingNonces(2, error, () -> scheduler.setTestMode(false)));
        assertFiresAll(1);
        scheduler.rotateKey(KeyProvider.random()); // completes the stopped pass, then rotates
        assertFalse(scheduler.registry().vault.isRotating(), "every old key retired");
        assertFiresAll(2);
    }

    private void assertFiresAll(final int runs)
    {
        received.clear();
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        for (final String name : NAMES)
        {
            final TaskInfo info = info(scheduler, name);
            assertEquals(TaskState.SCHEDULED, info.state(), info.toString());
            assertEquals(runs, info.runs(), info.toString());
        }
        assertEquals(NAMES, received.stream().sorted().toList());
    }

    /**
     * Runs {@code action} on a new thread whose nonce source (the first DRBG it asks for) throws {@code error} at its
     * {@code failAt}-th draw, and returns what the action threw.
     */
    private static Throwable onThreadWithFailingNonces(final int failAt, final Error error, final Runnable action)
        throws InterruptedException
    {
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                action.run();
            }
            catch (final Throwable ex)
            {
                thrown.set(ex);
            }
        });
        final Provider provider = new FailingDrbg(thread, failAt, error);
        assertTrue(Security.insertProviderAt(provider, 1) == 1);
        try
        {
            thread.start();
            thread.join();
        }
        finally
        {
            Security.removeProvider(provider.getName());
        }
        return thrown.get();
    }

    /** A provider of DRBG random sources that fail on one thread at a given draw; other threads get real ones. */
    private static final class FailingDrbg extends Provider
    {
        FailingDrbg(final Thread target, final int failAt, final Error error)
        {
            super("FailingDrbg", "1", "a DRBG that fails on one thread");
            final AtomicInteger draws = new AtomicInteger();
            final SecureRandom real = new SecureRandom(); // made before this provider is installed
            putService(new Service(this, "SecureRandom", "DRBG", FailingSpi.class.getName(), null, null)
            {
                @Override
                public Object newInstance(final Object parameter)
                {
                    return new FailingSpi(real, target, failAt, error, draws);
                }
            });
        }
    }

    private static final class FailingSpi extends SecureRandomSpi
    {
        private final SecureRandom real;
        private final Thread target;
        private final int failAt;
        private final Error error;
        private final AtomicInteger draws;

        FailingSpi(
            final SecureRandom real, final Thread target, final int failAt, final Error error, final AtomicInteger draws)
        {
            this.real = real;
            this.target = target;
            this.failAt = failAt;
            this.error = error;
            this.draws = draws;
        }

        @Override
        protected void engineSetSeed(final byte[] seed)
        {
        }

        @Override
        protected void engineNextBytes(final byte[] bytes)
        {
            if (Thread.currentThread() == target && draws.incrementAndGet() == failAt)
            {
                throw error;
            }
            real.nextBytes(bytes);
        }

        @Override
        protected byte[] engineGenerateSeed(final int numBytes)
        {
            return real.generateSeed(numBytes);
        }
    }
}
