package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.CronSchedule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static orchestrator.scheduler.SchedulerTest.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults a hostile user can cause: each test is named for the behaviour that broke before the engine core v2.
 */
class ReliabilityTest
{
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build();

    @AfterEach
    void close()
    {
        scheduler.close(Duration.ofSeconds(5));
        Thread.interrupted();
    }

    @Test
    void shouldNeitherFireEarlyNorRepeatTasksRegisteredAfterTheClockSteppedBack()
    {
        final AtomicInteger minute = new AtomicInteger();
        final AtomicInteger once = new AtomicInteger();
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        clock.advance(Duration.ofDays(-1));
        scheduler.registerTask("minute", "* * * * *", minute::incrementAndGet);
        scheduler.registerOnce("once", clock.instant().plus(Duration.ofHours(1)), once::incrementAndGet);
        for (int i = 0; i < 10; i++)
        {
            scheduler.runPending();
        }
        assertEquals(0, minute.get());
        assertEquals(0, once.get());
        assertEquals(clock.instant().plus(Duration.ofMinutes(1)), scheduler.nextFireTime("minute").orElseThrow());

        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
        scheduler.runPending();
        assertEquals(1, minute.get());
        for (int i = 0; i < 59; i++)
        {
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
        }
        assertEquals(1, once.get());
        assertEquals(60, minute.get());
        assertEquals(0, info(scheduler, "minute").missed());
    }

    @Test
    void shouldFireTasksFiledBeforeAStepBackWhenTheClockCatchesUp()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerOnce("at-ten", START.plus(Duration.ofMinutes(10)), runs::incrementAndGet);
        clock.advance(Duration.ofMinutes(5));
        scheduler.runPending();
        clock.advance(Duration.ofHours(-2));
        scheduler.runPending();
        clock.advance(Duration.ofHours(2));
        scheduler.runPending();
        assertEquals(0, runs.get());
        clock.advance(Duration.ofMinutes(5));
        scheduler.runPending();
        assertEquals(1, runs.get());
    }

    @Test
    void shouldNotLeaveTheCallerOfRunPendingInterruptedByACallback()
    {
        final AtomicReference<Boolean> secondSawInterrupt = new AtomicReference<>();
        scheduler.registerOnce("a", START, () -> Thread.currentThread().interrupt());
        scheduler.registerOnce("b", START.plusMillis(1), () -> secondSawInterrupt.set(Thread.currentThread().isInterrupted()));
        scheduler.runPending();
        assertFalse(Thread.currentThread().isInterrupted());
        clock.advance(Duration.ofMillis(1));
        scheduler.runPending();
        assertEquals(Boolean.FALSE, secondSawInterrupt.get());
    }

    @Test
    void shouldKeepTheCallersOwnInterrupt()
    {
        scheduler.registerOnce("a", START, () -> {});
        Thread.currentThread().interrupt();
        scheduler.runPending();
        assertTrue(Thread.interrupted());
    }

    @Test
    void shouldStartTheDriversNextCallbackUninterruptedAfterACallbackInterruptedItself() throws Exception
    {
        final CountDownLatch second = new CountDownLatch(1);
        final AtomicReference<Boolean> sawInterrupt = new AtomicReference<>();
        scheduler.registerOnce("interrupts", START, () -> Thread.currentThread().interrupt());
        scheduler.registerOnce("next", START.plusSeconds(1), () -> {
            sawInterrupt.set(Thread.currentThread().isInterrupted());
            second.countDown();
        });
        scheduler.start();
        assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
        clock.advance(Duration.ofSeconds(1));
        assertTrue(second.await(10, TimeUnit.SECONDS));
        assertEquals(Boolean.FALSE, sawInterrupt.get());
    }

    @Test
    void shouldCompleteTheWholeBatchWhenAnExceptionsToStringThrows() throws Exception
    {
        final AtomicInteger healthy = new AtomicInteger();
        scheduler.registerTask("healthy-1", "* * * * *", healthy::incrementAndGet);
        scheduler.registerTask("poison", "* * * * *", () -> {
            throw new RuntimeException()
            {
                @Override
                public String toString()
                {
                    throw new IllegalStateException("toString is broken");
                }
            };
        });
        scheduler.registerTask("healthy-2", "* * * * *", healthy::incrementAndGet);
        for (int minute = 1; minute <= 3; minute++)
        {
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
        }
        assertEquals(6, healthy.get());
        final TaskInfo poison = info(scheduler, "poison");
        assertEquals(TaskState.SCHEDULED, poison.state());
        assertEquals(3, poison.runs());
        assertEquals(3, poison.failures());
        assertEquals(0, poison.missed());
        assertTrue(poison.lastError().orElseThrow().contains("toString() threw"), poison.lastError().toString());
        assertTrue(scheduler.awaitIdle(Duration.ofSeconds(1)));
    }

    @Test
    void shouldCompleteRunsWhenTheLoggerThrows() throws Exception
    {
        final Logger logger = Logger.getLogger(Scheduler.class.getName());
        final Handler broken = new Handler()
        {
            @Override
            public void publish(final LogRecord record)
            {
                throw new IllegalStateException("disk full");
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        logger.addHandler(broken);
        try
        {
            scheduler.registerTask("throws", "* * * * *", () -> {
                throw new IllegalArgumentException("boom");
            });
            scheduler.registerTask("fine", "* * * * *", () -> {});
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
            assertEquals(2, info(scheduler, "throws").runs());
            assertEquals(2, info(scheduler, "throws").failures());
            assertEquals(2, info(scheduler, "fine").runs());
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(1)));
        }
        finally
        {
            logger.removeHandler(broken);
        }
    }

    @Test
    void shouldCountTheFiresOfAForwardJumpOfCenturiesWithoutSteppingThem()
    {
        final CronSchedule everySecond = CronSchedule.parse("* * * * * *", CronDialect.SPRING, ZoneOffset.UTC);
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerTask("busy", everySecond, MisfirePolicy.fireAll(10), runs::incrementAndGet);
        final Instant later = START.plus(Duration.ofDays(365L * 200));
        clock.set(later);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> scheduler.runPending()); // a hang guard, not a benchmark
        final long passed = Duration.between(START, later).getSeconds();
        assertEquals(10, runs.get());
        assertEquals(passed - 10, info(scheduler, "busy").missed());
        assertEquals(later.plusSeconds(1), scheduler.nextFireTime("busy").orElseThrow());
    }

    @Test
    void shouldCountEveryFireOfADayLongJumpForAThousandTasks()
    {
        for (int i = 0; i < 1000; i++)
        {
            scheduler.registerTask("t" + i, "* * * * * *", () -> {});
        }
        clock.advance(Duration.ofDays(1));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> scheduler.runPending()); // a hang guard
        for (final TaskInfo info : scheduler.tasks())
        {
            assertEquals(1, info.runs());
            assertEquals(86_399, info.missed());
        }
    }

    @Test
    void shouldFireAOneTimeTaskAtAnInstantBeforeTheEpochMillisecondRange()
    {
        final AtomicInteger runs = new AtomicInteger();
        scheduler.registerOnce("min", Instant.MIN, runs::incrementAndGet);
        scheduler.registerOnce("min-ms", Instant.ofEpochMilli(Long.MIN_VALUE), runs::incrementAndGet);
        scheduler.runPending();
        assertEquals(2, runs.get());
    }

    /**
     * @return a clock that fails on the driver thread while {@code failing} is positive, one read less each time,
     *         counting each failed read down on {@code failed}, and reads the test's clock otherwise.
     */
    private Clock failingOnTheDriver(final AtomicInteger failing, final CountDownLatch failed)
    {
        return TestClocks.utc(() ->
        {
            if (Thread.currentThread().getName().equals("orchestrator-driver") &&
                failing.getAndUpdate(left -> Math.max(0, left - 1)) > 0)
            {
                failed.countDown();
                throw new IllegalStateException("time service unreachable");
            }
            return clock.instant();
        });
    }

    /**
     * A clock that fails on the driver thread (a clock backed by a time service, say) failed the driver's wait as
     * well as its runPending: the wait's read was outside any catch, so the driver thread died and no task fired
     * again. The driver now logs, waits a little and goes on; the task due while the clock failed runs once it works.
     */
    @Test
    void shouldKeepTheDriverGoingWhenTheClockFailsOnItsThread() throws Exception
    {
        final AtomicInteger failing = new AtomicInteger(); // reads on the driver thread still to fail
        final CountDownLatch failed = new CountDownLatch(2);
        final Clock flaky = failingOnTheDriver(failing, failed);
        final CountDownLatch ran = new CountDownLatch(1);
        try (Scheduler driven = Scheduler.builder().clock(flaky).zone(ZoneOffset.UTC).build())
        {
            driven.start();
            failing.set(2); // runPending's read, then the wait's
            driven.registerOnce("due", START, ran::countDown); // due at once: wakes the driver
            assertTrue(failed.await(10, TimeUnit.SECONDS), "the driver read the failing clock twice");
            assertTrue(ran.await(10, TimeUnit.SECONDS), "the task ran once the clock worked again");
        }
    }

    /**
     * A clock that failed for good made the driver log two errors every {@link Driver#CLOCK_RETRY_MS}, about two
     * hundred lines a second. A failure that lasts is now logged when it starts and once a minute after, and its end
     * once.
     */
    @Test
    void shouldLogAClockThatKeepsFailingOnceAndItsRecoveryOnce() throws Exception
    {
        final AtomicInteger failing = new AtomicInteger(); // reads on the driver thread still to fail
        final CountDownLatch failed = new CountDownLatch(40);
        final Clock flaky = failingOnTheDriver(failing, failed);
        final CountDownLatch ran = new CountDownLatch(1);
        try (LogCapture log = new LogCapture())
        {
            final Scheduler driven = Scheduler.builder().clock(flaky).zone(ZoneOffset.UTC).build();
            failing.set(40); // twenty turns of the driver: runPending's read, then the wait's
            driven.start();
            driven.registerOnce("due", START, ran::countDown);
            assertTrue(failed.await(10, TimeUnit.SECONDS), "the driver read the failing clock forty times");
            assertTrue(ran.await(10, TimeUnit.SECONDS), "the task ran once the clock worked again");
            assertTrue(driven.close(Duration.ofSeconds(10)), "the driver stopped");
            final Supplier<String> lines = () -> log.records().stream().map(LogRecord::getMessage).toList().toString();
            assertEquals(1, log.count(Level.SEVERE, "could not read the clock"), lines);
            assertEquals(1, log.count(Level.SEVERE, "runPending failed"), lines);
            assertEquals(2, log.count(Level.WARNING, "recovered after"), lines);
        }
    }

    @Test
    void shouldParkAnIdleDriverOnAClockBeforeTheEpoch() throws Exception
    {
        final Instant moonLanding = Instant.parse("1969-07-20T20:17:40Z");
        final CountDownLatch reads = new CountDownLatch(1_000);
        final Clock before1970 = TestClocks.utc(() ->
        {
            reads.countDown();
            return moonLanding;
        });
        try (Scheduler idle = Scheduler.builder().clock(before1970).zone(ZoneOffset.UTC).build())
        {
            idle.start(); // nothing scheduled: the driver parks Driver.MAX_PARK_MS at a time, about ten reads a second
            assertFalse(reads.await(1, TimeUnit.SECONDS), "the idle driver spun, reading the clock " +
                (1_000 - reads.getCount()) + " times at once");
        }
    }

    @Test
    void shouldRecordNoLatenessForARunTriggeredAfterItsCollectionReadTheClock()
    {
        try (Scheduler timed = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).recordTimings(true).build())
        {
            timed.registerOnce("chained", START.plus(Duration.ofDays(1)), () -> {});
            timed.registerOnce("first", START, () -> {
                clock.advance(Duration.ofSeconds(1)); // the run takes a second of the scheduler's clock, then chains
                timed.triggerNow("chained");
            });
            assertEquals(2, timed.runPending()); // the triggered run is claimed by the same call, which read START
            clock.advance(Duration.ofSeconds(-30)); // a step back between a trigger and its run
            timed.triggerNow("chained");
            clock.advance(Duration.ofSeconds(-30));
            assertEquals(1, timed.runPending());

            final SchedulerMetrics metrics = timed.metrics();
            assertEquals(3, metrics.timedFires());
            assertTrue(metrics.latenessAtPercentile(100).compareTo(Duration.ofSeconds(1)) < 0,
                "a run started at or after the moment it was triggered is not days late: " + metrics);
        }
    }

    @Test
    void shouldParkTheDriverWhileARunWithTheLongestTimeoutGoesOn() throws Exception
    {
        final AtomicReference<CountDownLatch> reads = new AtomicReference<>(new CountDownLatch(Integer.MAX_VALUE));
        final Clock counting = TestClocks.utc(() ->
        {
            reads.get().countDown();
            return START;
        });
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (Scheduler workers = Scheduler.builder().clock(counting).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build())
        {
            workers.schedule(TaskSpec.named("long").once(START).timeout(Duration.ofMillis(Long.MAX_VALUE)).run(() -> {
                started.countDown();
                Latches.awaitUninterruptibly(release);
            }));
            workers.start();
            assertTrue(started.await(5, TimeUnit.SECONDS));
            final CountDownLatch whileRunning = new CountDownLatch(1_000);
            reads.set(whileRunning);
            // the run's timeout deadline, START + Long.MAX_VALUE ms, is beyond the end of time: nothing to wake for
            final boolean spun = whileRunning.await(1, TimeUnit.SECONDS);
            release.countDown();
            assertFalse(spun, "the driver spun while the run went on, reading the clock " +
                (1_000 - whileRunning.getCount()) + " times at once");
        }
    }

    @Test
    void shouldRefuseAOneTimeInstantTooFarAheadWithAClearMessage()
    {
        for (final Instant at : List.of(Instant.MAX, Instant.ofEpochMilli(Long.MAX_VALUE)))
        {
            final IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> scheduler.registerOnce("far", at, () -> {}));
            assertTrue(refused.getMessage().contains("too far ahead"), refused.getMessage());
        }
        scheduler.registerOnce("far", Instant.ofEpochMilli(Long.MAX_VALUE - 1), () -> {});
        assertEquals(Instant.ofEpochMilli(Long.MAX_VALUE - 1), scheduler.nextFireTime("far").orElseThrow());
    }

    @Test
    void shouldWaitForeverForIdleWithoutOverflow() throws Exception
    {
        assertTrue(scheduler.awaitIdle(ChronoUnit.FOREVER.getDuration()));
    }

    @Test
    void shouldRefuseAPayloadOverTheConfiguredLimit()
    {
        scheduler.registerHandler("h", payload -> {});
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> scheduler.registerOnce("big", START, "h", new byte[(1 << 20) + 1]));
        assertTrue(refused.getMessage().contains("1048577 bytes"), refused.getMessage());
        assertTrue(scheduler.task("big").isEmpty());
        try (Scheduler roomy = Scheduler.builder().clock(clock).maxPayloadBytes(4 << 20).build())
        {
            roomy.registerHandler("h", payload -> {});
            roomy.registerOnce("big", START, "h", new byte[3 << 20]);
            assertEquals(1, roomy.runPending());
        }
    }

    @Test
    void shouldReportProductionModeAndRefuseHandlersAfterClose()
    {
        scheduler.close();
        assertFalse(scheduler.isTestMode());
        assertThrows(IllegalStateException.class, () -> scheduler.registerHandler("late", payload -> {}));
    }

    @Test
    void shouldCloseWithinItsBoundWhenACallbackHangs() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch started = new CountDownLatch(1);
        scheduler.registerOnce("hangs", START, () -> {
            started.countDown();
            try
            {
                release.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
        scheduler.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        try (LogCapture log = new LogCapture())
        {
            assertFalse(scheduler.close(Duration.ofMillis(200)));
            assertTrue(log.records().stream().anyMatch(r -> String.valueOf(r.getMessage()).contains("hangs")));
        }
        release.countDown();
    }

    @Test
    void shouldReturnFromCloseWhenInterrupted() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch started = new CountDownLatch(1);
        scheduler.registerOnce("hangs", START, () -> {
            started.countDown();
            try
            {
                release.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
        scheduler.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        Thread.currentThread().interrupt();
        assertFalse(scheduler.close(Duration.ofDays(1)));
        assertTrue(Thread.interrupted());
        release.countDown();
    }

    @Test
    void shouldBoundOneRunPendingCallByMaxFires()
    {
        final List<String> ran = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            final String name = "t" + i;
            scheduler.registerOnce(name, START, () -> ran.add(name));
        }
        assertEquals(3, scheduler.runPending(3));
        assertEquals(3, ran.size());
        assertEquals(7, scheduler.runPending());
        assertEquals(10, ran.size());
    }

    @Test
    void shouldLookUpOneTaskByName()
    {
        scheduler.registerOnce("once", START, () -> {});
        assertEquals(TaskState.SCHEDULED, scheduler.task("once").orElseThrow().state());
        scheduler.runPending();
        assertEquals(TaskState.COMPLETED, scheduler.task("once").orElseThrow().state());
        assertTrue(scheduler.task("nobody").isEmpty());
    }

    @Test
    void shouldKeepARotatedKeyAcrossATestModeRoundTripEvenWhenTheFirstProviderIsDestroyed()
    {
        final byte[] k1 = new byte[32];
        final byte[] k2 = new byte[32];
        java.util.Arrays.fill(k2, (byte)7);
        final orchestrator.scheduler.vault.KeyProvider first = orchestrator.scheduler.vault.KeyProvider.ofBytes(k1);
        final List<String> received = new ArrayList<>();
        try (Scheduler rotating = Scheduler.builder().clock(clock).keyProvider(first).build())
        {
            rotating.registerHandler("echo", plain -> received.add(new String(plain, java.nio.charset.StandardCharsets.UTF_8)));
            rotating.registerTask("job", "* * * * *", "echo", "payload".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            rotating.rotateKey(orchestrator.scheduler.vault.KeyProvider.ofBytes(k2));
            first.destroy();
            rotating.setTestMode(true);
            rotating.setTestMode(false);
            assertFalse(rotating.isTestMode());
            final Payload payload = StoredRecords.payload(rotating, "job");
            assertTrue(payload.record().isSealed());
            final int keyId = payload.record().keyId();
            try (orchestrator.scheduler.vault.CallbackVault underK2 = vaultWithKeyAt(k2, keyId);
                 orchestrator.scheduler.vault.CallbackVault underK1 = vaultWithKeyAt(k1, keyId))
            {
                assertEquals("payload", new String(underK2.open(payload.record(), payload.recordId(), "job",
                    payload.version()), java.nio.charset.StandardCharsets.UTF_8));
                assertThrows(orchestrator.scheduler.vault.RecordOpenException.class,
                    () -> underK1.open(payload.record(), payload.recordId(), "job", payload.version()));
            }
            clock.advance(Duration.ofMinutes(1));
            rotating.runPending();
            assertEquals(List.of("payload"), received);
        }
    }

    /**
     * A vault whose sealing key is {@code key} under key id {@code keyId}: ids are handed out in order, so rotate
     * through throw-away keys up to the one before it.
     */
    private static orchestrator.scheduler.vault.CallbackVault vaultWithKeyAt(final byte[] key, final int keyId)
    {
        final orchestrator.scheduler.vault.CallbackVault vault =
            orchestrator.scheduler.vault.CallbackVault.production(orchestrator.scheduler.vault.KeyProvider.random());
        while (vault.seal(0, "probe", 0, new byte[0]).keyId() < keyId - 1)
        {
            vault.beginRotation(orchestrator.scheduler.vault.KeyProvider.random());
            vault.finishRotation();
        }
        vault.beginRotation(orchestrator.scheduler.vault.KeyProvider.ofBytes(key));
        vault.finishRotation();
        assertEquals(keyId, vault.seal(0, "probe", 0, new byte[0]).keyId());
        return vault;
    }
}
