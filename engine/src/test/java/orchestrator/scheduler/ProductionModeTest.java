package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.SealedRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static orchestrator.scheduler.SchedulerTest.START;
import static orchestrator.scheduler.SchedulerTest.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Handler tasks with payloads: sealed in production mode (the default), plain in test mode, tamper-evident, and
 * re-sealed by key rotation and mode switches without losing a fire.
 */
class ProductionModeTest
{
    private static final byte[] KEY = HexFormat.of().parseHex(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    private final ManualClock clock = new ManualClock(START);
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Scheduler scheduler = Scheduler.builder()
        .clock(clock).zone(ZoneOffset.UTC).keyProvider(KeyProvider.ofBytes(KEY)).build();

    ProductionModeTest()
    {
        scheduler.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
    }

    @AfterEach
    void close()
    {
        scheduler.close();
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private void fire()
    {
        clock.advance(Duration.ofMinutes(1));
        scheduler.runPending();
    }

    @Test
    void shouldDeliverThePayloadAndStoreItSealed()
    {
        assertFalse(scheduler.isTestMode());
        scheduler.registerTask("job", "* * * * *", "echo", utf8("secret-argument"));
        final SealedRecord record = StoredRecords.record(scheduler, "job");
        assertTrue(record.isSealed());
        assertFalse(new String(record.toBytes(), StandardCharsets.ISO_8859_1).contains("secret-argument"));
        fire();
        fire();
        assertEquals(List.of("secret-argument", "secret-argument"), received);
    }

    @Test
    void shouldStorePlainPayloadsInTestMode()
    {
        scheduler.setTestMode(true);
        scheduler.registerOnce("once", START, "echo", utf8("visible"));
        assertTrue(StoredRecords.record(scheduler, "once").isPlain());
        scheduler.runPending();
        assertEquals(List.of("visible"), received);
    }

    @Test
    void shouldRefuseAnUnknownHandlerAndADuplicateHandler()
    {
        assertThrows(IllegalArgumentException.class, () -> scheduler.registerTask("job", "* * * * *", "nope", null));
        assertThrows(IllegalArgumentException.class, () -> scheduler.registerHandler("echo", plain -> {}));
        assertTrue(scheduler.tasks().isEmpty());
    }

    /** Each run of a fireAll catch-up receives the payload, whatever the run before did to its array. */
    @Test
    void shouldGiveEveryRunOfACatchUpThePayloadEvenWhenARunWipesItsArray()
    {
        final List<String> seen = new CopyOnWriteArrayList<>();
        scheduler.registerHandler("consume", plain ->
        {
            seen.add(new String(plain, StandardCharsets.UTF_8));
            java.util.Arrays.fill(plain, (byte)'#'); // a careful handler wipes what it was given
        });
        scheduler.schedule(TaskSpec.named("job").cron("* * * * *").misfire(MisfirePolicy.fireAll(10))
            .handler("consume", utf8("token")));
        clock.advance(Duration.ofMinutes(3));
        assertEquals(3, scheduler.runPending());
        assertEquals(List.of("token", "token", "token"), seen);
        scheduler.addListener(new TaskListener() { }); // the runs with a context
        clock.advance(Duration.ofMinutes(2));
        assertEquals(2, scheduler.runPending());
        assertEquals(List.of("token", "token", "token", "token", "token"), seen);
    }

    /**
     * A record that does not open fails its task during a rotation, as it would at a fire; the rotation goes on and
     * every other task is re-sealed under the new key and keeps running.
     */
    @Test
    void shouldFailOnlyTheTamperedTaskWhenARotationMeetsIt()
    {
        try (LogCapture log = new LogCapture())
        {
            scheduler.registerTask("victim", "* * * * *", "echo", utf8("a"));
            for (int i = 0; i < 5; i++)
            {
                scheduler.registerTask("bystander-" + i, "* * * * *", "echo", utf8("b" + i));
            }
            tamper("victim");
            scheduler.rotateKey(KeyProvider.random());
            final TaskInfo victim = info(scheduler, "victim");
            assertEquals(TaskState.FAILED, victim.state());
            assertTrue(victim.lastError().orElseThrow().contains("failed to open"), victim.lastError().toString());
            fire();
            for (int i = 0; i < 5; i++)
            {
                assertEquals(TaskState.SCHEDULED, info(scheduler, "bystander-" + i).state());
                assertEquals(1, info(scheduler, "bystander-" + i).runs());
            }
            assertEquals(List.of("b0", "b1", "b2", "b3", "b4"), received.stream().sorted().toList());
            assertEquals(1, log.records().stream().filter(r -> r.getLevel() == Level.SEVERE).count());
        }
    }

    /**
     * A close that lands while a rotation is under way (here from the log line of the tampered record in its first
     * chunk, on the rotating thread, so the moment is exact): the tasks of the chunks not re-sealed yet are not
     * failed for want of a key the close wiped; the rotation stops with an IllegalStateException.
     */
    @Test
    void shouldFailNoTaskWhenTheSchedulerClosesDuringARotation()
    {
        scheduler.registerTask("victim", "* * * * *", "echo", utf8("a")); // in the first chunk
        for (int i = 0; i < Resealer.RESEAL_CHUNK; i++) // the last of them in the second chunk
        {
            scheduler.registerTask("bystander-" + i, "* * * * *", "echo", utf8("b" + i));
        }
        tamper("victim");
        final java.util.logging.Logger logger = java.util.logging.Logger.getLogger(Scheduler.class.getName());
        final AtomicInteger closes = new AtomicInteger();
        final java.util.logging.Handler closer = new java.util.logging.Handler()
        {
            @Override
            public void publish(final LogRecord record)
            {
                if (record.getLevel() == Level.SEVERE && closes.getAndIncrement() == 0)
                {
                    assertTrue(scheduler.close(Duration.ofSeconds(5)), "nothing runs: the close completes");
                }
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
        logger.addHandler(closer);
        try
        {
            assertThrows(IllegalStateException.class, () -> scheduler.rotateKey(KeyProvider.random()));
        }
        finally
        {
            logger.removeHandler(closer);
        }
        assertEquals(1, closes.get(), "only the tampered record was logged as failed");
        assertEquals(TaskState.FAILED, info(scheduler, "victim").state());
        for (int i = 0; i < Resealer.RESEAL_CHUNK; i++)
        {
            final TaskInfo bystander = info(scheduler, "bystander-" + i);
            assertEquals(TaskState.SCHEDULED, bystander.state(), bystander.toString());
        }
    }

    /** The same during a switch to test mode: the switch completes, and the mode reported is the mode in force. */
    @Test
    void shouldCompleteASwitchToTestModeThatMeetsATamperedRecord()
    {
        try (LogCapture log = new LogCapture())
        {
            scheduler.registerTask("victim", "* * * * *", "echo", utf8("a"));
            scheduler.registerTask("bystander", "* * * * *", "echo", utf8("b"));
            tamper("victim");
            scheduler.setTestMode(true);
            assertTrue(scheduler.isTestMode());
            assertFalse(StoredRecords.record(scheduler, "bystander").isSealed());
            scheduler.setTestMode(false);
            assertFalse(scheduler.isTestMode());
            scheduler.registerTask("later", "* * * * *", "echo", utf8("c"));
            assertTrue(StoredRecords.record(scheduler, "later").isSealed());
            assertTrue(StoredRecords.record(scheduler, "bystander").isSealed());
            assertEquals(TaskState.FAILED, info(scheduler, "victim").state());
        }
    }

    @Test
    void shouldFailATamperedTaskOnceAndKeepTheOthersRunning()
    {
        try (LogCapture log = new LogCapture())
        {
            scheduler.registerTask("victim", "* * * * *", "echo", utf8("a"));
            scheduler.registerTask("bystander", "* * * * *", "echo", utf8("b"));
            tamper("victim");

            fire();
            fire();
            assertEquals(List.of("b", "b"), received);
            final TaskInfo info = info(scheduler, "victim");
            assertEquals(TaskState.FAILED, info.state());
            assertEquals(0, info.runs());
            assertEquals(1, info.failures());
            assertTrue(info.lastError().orElseThrow().contains("failed to open"), info.lastError().toString());
            assertTrue(info.nextFire().isEmpty());
            assertEquals(1, log.records().stream().filter(r -> r.getLevel() == Level.SEVERE).count());
        }
    }

    /** Flips a bit of the task's stored record, as an attacker with write access to the store would. */
    private void tamper(final String name)
    {
        final byte[] bytes = StoredRecords.record(scheduler, name).toBytes();
        bytes[bytes.length - 1] ^= 1;
        StoredRecords.replace(scheduler, name, SealedRecord.fromBytes(bytes));
    }

    @Test
    void shouldDetectARecordSwappedBetweenTasks()
    {
        scheduler.registerTask("a", "* * * * *", "echo", utf8("for-a"));
        scheduler.registerTask("b", "* * * * *", "echo", utf8("for-b"));
        StoredRecords.replace(scheduler, "b", StoredRecords.record(scheduler, "a"));
        fire();
        assertEquals(List.of("for-a"), received);
        assertEquals(TaskState.FAILED, info(scheduler, "b").state());
    }

    @Test
    void shouldRefuseARecordFromBeforeARotationPutBack()
    {
        scheduler.registerTask("job", "* * * * *", "echo", utf8("v0"));
        final SealedRecord old = StoredRecords.record(scheduler, "job");
        scheduler.rotateKey(KeyProvider.random());
        scheduler.rotateKey(KeyProvider.ofBytes(KEY)); // same key bytes again, but a new key id and a newer version
        StoredRecords.replace(scheduler, "job", old);
        fire();
        assertTrue(received.isEmpty());
        assertEquals(TaskState.FAILED, info(scheduler, "job").state());
    }

    @Test
    void shouldKeepFiringAcrossModeSwitches()
    {
        scheduler.registerTask("job", "* * * * *", "echo", utf8("payload"));
        scheduler.setTestMode(true);
        assertTrue(StoredRecords.record(scheduler, "job").isPlain());
        fire();
        scheduler.setTestMode(false);
        assertTrue(StoredRecords.record(scheduler, "job").isSealed());
        fire();
        assertEquals(List.of("payload", "payload"), received);
        assertThrows(IllegalStateException.class, () -> {
            scheduler.setTestMode(true);
            scheduler.rotateKey(KeyProvider.random());
        });
    }

    @Test
    void shouldRunAFireCollectedBeforeARotationAfterIt() throws Exception
    {
        final List<Runnable> captured = new ArrayList<>();
        final Dispatcher capturing = Dispatcher.of(captured::add); // the test runs each captured job itself
        try (Scheduler rotating = Scheduler.builder().clock(clock).dispatcher(capturing).build())
        {
            rotating.registerHandler("echo", plain -> received.add(new String(plain, StandardCharsets.UTF_8)));
            rotating.registerTask("job", "* * * * *", "echo", utf8("survives"));
            final SealedRecord before = StoredRecords.record(rotating, "job");
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, rotating.runPending()); // phase 1 has taken the record; phase 2 waits in `captured`

            rotating.rotateKey(KeyProvider.random());
            rotating.rotateKey(KeyProvider.random());
            assertNotEquals(before.keyId(), StoredRecords.record(rotating, "job").keyId());

            captured.remove(0).run(); // the fire collected under the first key runs after two rotations
            assertTrue(rotating.awaitIdle(Duration.ofSeconds(5)));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, rotating.runPending());
            captured.remove(0).run();
            assertTrue(rotating.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(List.of("survives", "survives"), received);
            assertEquals(2, info(rotating, "job").runs());
        }
    }

    @Test
    void shouldLoseNoFireWhileKeysRotateUnderConcurrentRunPending() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler concurrent = Scheduler.builder().clock(clock).dispatcher(Dispatcher.withWorkers(2)).build())
        {
            concurrent.registerHandler("count", plain -> {
                if (java.util.Arrays.equals(utf8("x"), plain)) // a wrong payload is not counted, so the total shows it
                {
                    runs.incrementAndGet();
                }
            });
            for (int i = 0; i < 100; i++)
            {
                concurrent.registerTask("job-" + i, "* * * * *", "count", utf8("x"));
            }
            final Thread rotator = new Thread(() -> {
                for (int i = 0; i < 50; i++)
                {
                    concurrent.rotateKey(KeyProvider.random());
                }
            });
            rotator.start();
            for (int minute = 0; minute < 50; minute++)
            {
                clock.advance(Duration.ofMinutes(1));
                concurrent.runPending();
                assertTrue(concurrent.awaitIdle(Duration.ofSeconds(10)));
            }
            rotator.join();
            assertEquals(5000, runs.get());
            for (final TaskInfo info : concurrent.tasks())
            {
                assertEquals(TaskState.SCHEDULED, info.state(), info.toString());
                assertEquals(50, info.runs());
                assertEquals(0, info.failures());
            }
        }
    }

    @Test
    void shouldPutNoKeyMaterialInLogsOrExceptions()
    {
        final List<String> texts = new ArrayList<>();
        try (LogCapture log = new LogCapture())
        {
            scheduler.registerTask("job", "* * * * *", "echo", utf8("p"));
            final byte[] bytes = StoredRecords.record(scheduler, "job").toBytes();
            bytes[20] ^= 1;
            StoredRecords.replace(scheduler, "job", SealedRecord.fromBytes(bytes));
            fire();
            texts.add(scheduler.toString());
            texts.add(scheduler.tasks().toString());
            texts.add(assertThrows(IllegalArgumentException.class,
                () -> scheduler.registerTask("job2", "* * * * *", "missing", KEY)).getMessage());
            for (final LogRecord record : log.records())
            {
                texts.add(String.valueOf(record.getMessage()));
                texts.add(String.valueOf(java.util.Arrays.toString(record.getParameters())));
                if (record.getThrown() != null)
                {
                    texts.add(record.getThrown().toString());
                }
            }
        }
        final String hex = HexFormat.of().formatHex(KEY);
        final String base64 = Base64.getEncoder().encodeToString(KEY);
        for (final String text : texts)
        {
            assertFalse(text.toLowerCase().contains(hex), text);
            assertFalse(text.contains(base64), text);
            assertFalse(text.contains(java.util.Arrays.toString(KEY)), text);
        }
        assertTrue(texts.size() > 3);
    }
}
