package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.store.TaskStore;
import orchestrator.scheduler.store.TaskStoreException;
import orchestrator.scheduler.vault.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scheduler on a journal, closed and built again on the same directory with a {@link ManualClock} moved across the
 * downtime: tasks come back with their counters, every fire that passed while down is decided by the misfire policy
 * and counted, handler tasks wait for their handler, and interrupted fires follow their {@link InterruptedFirePolicy}.
 */
class DurableRestartTest
{
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    static final byte[] KEY = new byte[KeyProvider.KEY_LENGTH]; // fixed: a durable store refuses a random key

    static
    {
        for (int i = 0; i < KEY.length; i++)
        {
            KEY[i] = (byte)(i * 7 + 3);
        }
    }

    @TempDir
    Path temp;

    private final ManualClock clock = new ManualClock(START);

    private Scheduler build()
    {
        return build(new Dispatcher());
    }

    private Scheduler build(final Dispatcher dispatcher)
    {
        return Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).dispatcher(dispatcher)
            .keyProvider(KeyProvider.ofBytes(KEY)).store(TaskStore.journal(temp.resolve("journal"))).build();
    }

    /** Advances one minute at a time, running what is due each time. */
    private void minutes(final Scheduler scheduler, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            clock.advance(Duration.ofMinutes(1));
            scheduler.runPending();
        }
    }

    private static TaskInfo info(final Scheduler scheduler, final String name)
    {
        return scheduler.task(name).orElseThrow(() -> new AssertionError("no task " + name));
    }

    static Stream<Arguments> policies()
    {
        // down from 00:04 to 00:13:30: the fires 00:04 ... 00:13 (10) passed, none within the 1 s threshold
        return Stream.of(
            Arguments.of(MisfirePolicy.FIRE_ONCE, 1, 9),
            Arguments.of(MisfirePolicy.SKIP, 0, 10),
            Arguments.of(MisfirePolicy.fireAll(3), 3, 7),
            Arguments.of(MisfirePolicy.fireAll(100), 10, 0));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void shouldDecideEveryFireMissedWhileDownByTheMisfirePolicy(final MisfirePolicy policy, final int runs,
        final int missed)
    {
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler first = build())
        {
            first.schedule(TaskSpec.named("minute").cron("* * * * *").misfire(policy).run(ran::incrementAndGet));
            minutes(first, 3);
            assertEquals(3, ran.get());
        }
        clock.advance(Duration.ofMinutes(10).plusSeconds(30));
        try (Scheduler second = build())
        {
            assertTrue(second.task("minute").isEmpty(), "a Runnable task waits for the application to register it");
            second.schedule(TaskSpec.named("minute").cron("* * * * *").misfire(policy).run(ran::incrementAndGet));
            assertEquals(3, info(second, "minute").runs(), "counters resumed");
            second.runPending();
            assertEquals(3 + runs, ran.get());
            final TaskInfo info = info(second, "minute");
            assertEquals(3 + runs, info.runs());
            assertEquals(missed, info.missed());
            assertEquals(Instant.parse("2026-01-01T00:14:00Z"), info.nextFire().orElseThrow());
        }
    }

    @Test
    void shouldKeepCountersAcrossTwoRestartsWithoutDowntime()
    {
        final AtomicInteger ran = new AtomicInteger();
        for (int round = 1; round <= 3; round++)
        {
            try (Scheduler scheduler = build())
            {
                scheduler.registerTask("minute", "* * * * *", ran::incrementAndGet);
                minutes(scheduler, 2);
                assertEquals(2L * round, info(scheduler, "minute").runs());
                assertEquals(0, info(scheduler, "minute").missed());
            }
        }
        assertEquals(6, ran.get());
    }

    /**
     * A durable store keeps names in UTF-8, which cannot hold an unpaired surrogate: such a name was stored as "?",
     * so the same name registered after a restart started its counters afresh (runs 2 after 2 + 2 fires), and the
     * stored row stayed under a name nobody registers. It is refused at registration now, with the index of the
     * surrogate; so is such a handler name, and a well-formed pair (an emoji) is kept exactly.
     */
    @Test
    void shouldRefuseANameADurableStoreCannotKeepAndKeepASurrogatePairExactly()
    {
        final String lone = "tick\uD800";
        final String emoji = "tick \uD83D\uDE00";
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler first = build())
        {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> first.registerTask(lone, "* * * * *", ran::incrementAndGet));
            assertTrue(refused.getMessage().contains("unpaired surrogate") && refused.getMessage().contains("index 4"),
                refused.getMessage());
            assertTrue(first.tasks().isEmpty(), "nothing registered: " + first.tasks());
            assertTrue(assertThrows(IllegalArgumentException.class,
                () -> first.registerHandler("h\uDC00", bytes -> { })).getMessage().startsWith("handler name has an unpaired surrogate (\\uDC00) at index 1"));
            first.registerTask(emoji, "* * * * *", ran::incrementAndGet);
            minutes(first, 2);
        }
        try (Scheduler second = build())
        {
            second.registerTask(emoji, "* * * * *", ran::incrementAndGet);
            assertEquals(List.of(emoji), second.tasks().stream().map(TaskInfo::name).toList());
            minutes(second, 1);
            assertEquals(3, info(second, emoji).runs());
        }
        assertEquals(3, ran.get());
    }

    @Test
    void shouldRestoreEveryWaitingTaskAcrossSeveralChunksButTheOneCancelledWhileWaiting()
    {
        final int tasks = 10_000; // more than two of the chunks a handler's tasks are restored in
        final AtomicInteger runs = new AtomicInteger();
        try (Scheduler first = build())
        {
            first.registerHandler("count", bytes -> runs.incrementAndGet());
            for (int i = 0; i < tasks; i++)
            {
                first.registerTask("task-" + i, "* * * * *", "count", new byte[] {(byte)i});
            }
        }
        try (Scheduler second = build())
        {
            assertTrue(second.cancel("task-5000"), "a waiting task can be cancelled");
            second.registerHandler("count", bytes -> runs.incrementAndGet());
            assertEquals(tasks - 1, second.tasks().size());
            minutes(second, 1);
            assertEquals(tasks - 1, runs.get(), "every restored task fired once");
            assertTrue(second.task("task-5000").isEmpty());
            assertEquals(1, info(second, "task-9999").runs());
        }
    }

    @Test
    void shouldRestoreAHandlerTaskThatWaitsForItsHandlerAndOpensItsPayloadWithTheSameKey()
    {
        final byte[] payload = "the payload".getBytes(StandardCharsets.UTF_8);
        final List<byte[]> received = new ArrayList<>();
        try (Scheduler first = build())
        {
            first.registerHandler("mail", bytes -> received.add(bytes.clone()));
            first.registerTask("job", "* * * * *", "mail", payload);
            minutes(first, 2);
        }
        assertEquals(2, received.size());
        clock.advance(Duration.ofMinutes(5).plusSeconds(30)); // 00:03 ... 00:07 passed while down: 5 fires
        try (Scheduler second = build())
        {
            final TaskInfo waiting = info(second, "job");
            assertTrue(waiting.lastError().orElseThrow().contains("waits for handler 'mail'"), waiting.toString());
            assertEquals(2, waiting.runs());
            assertTrue(second.tasks().stream().anyMatch(task -> task.name().equals("job")), "visible in tasks()");
            assertEquals(0, second.runPending(), "nothing runs without its handler");
            assertThrows(IllegalArgumentException.class, () -> second.registerTask("job", "* * * * *", () -> {}));
            final IllegalStateException rotation = assertThrows(IllegalStateException.class,
                () -> second.rotateKey(KeyProvider.random()));
            assertTrue(rotation.getMessage().contains("[mail]"), rotation.getMessage());
            second.registerHandler("mail", bytes -> received.add(bytes.clone()));
            second.runPending();
            assertEquals(3, received.size(), "FIRE_ONCE: one of the five passed fires ran");
            assertArrayEquals(payload, received.get(2));
            final TaskInfo info = info(second, "job");
            assertEquals(3, info.runs());
            assertEquals(4, info.missed());
            assertEquals("* * * * *", info.schedule());
        }
    }

    /** A mode switch, like a rotation, retires the key the waiting tasks' stored records are sealed under. */
    @Test
    void shouldRefuseATestModeSwitchWhileRestoredTasksWaitForTheirHandler()
    {
        final byte[] payload = {7, 8, 9};
        try (Scheduler first = build())
        {
            first.registerHandler("mail", bytes -> {});
            first.registerTask("job", "* * * * *", "mail", payload);
        }
        final List<byte[]> received = new ArrayList<>();
        try (Scheduler second = build())
        {
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> second.setTestMode(true));
            assertTrue(refused.getMessage().contains("setTestMode") && refused.getMessage().contains("[mail]"),
                refused.getMessage());
            assertFalse(second.isTestMode());
            second.registerHandler("mail", bytes -> received.add(bytes.clone()));
            minutes(second, 1);
            assertEquals(TaskState.SCHEDULED, info(second, "job").state(), info(second, "job").toString());
            second.setTestMode(true); // nothing waits any more
            minutes(second, 1);
            assertEquals(TaskState.SCHEDULED, info(second, "job").state(), info(second, "job").toString());
        }
        assertEquals(2, received.size());
        assertArrayEquals(payload, received.get(1));
    }

    /** A journal written in test mode holds plain records: switching test mode on before the handlers opens them. */
    @Test
    void shouldRestartATestModeJournalInTestModeBeforeItsHandlersAreRegistered()
    {
        final byte[] payload = {4, 2};
        try (Scheduler first = build())
        {
            first.setTestMode(true);
            first.registerHandler("mail", bytes -> {});
            first.registerTask("job", "* * * * *", "mail", payload);
        }
        final List<byte[]> received = new ArrayList<>();
        try (Scheduler second = build())
        {
            second.setTestMode(true); // the waiting record is plain: nothing to re-seal
            assertTrue(second.isTestMode());
            second.registerHandler("mail", bytes -> received.add(bytes.clone()));
            minutes(second, 1);
            assertEquals(TaskState.SCHEDULED, info(second, "job").state(), info(second, "job").toString());
        }
        assertEquals(1, received.size());
        assertArrayEquals(payload, received.get(0));
    }

    @Test
    void shouldGiveAWaitingTaskTheSameNextFireByNameAsInItsInfo()
    {
        try (Scheduler first = build())
        {
            first.registerHandler("mail", bytes -> {});
            first.registerTask("job", "0 * * * *", "mail", new byte[] {1});
        }
        try (Scheduler second = build())
        {
            final TaskInfo waiting = info(second, "job");
            assertEquals(Optional.of(START.plusSeconds(3600)), waiting.nextFire(), waiting.toString());
            assertEquals(waiting.nextFire(), second.nextFireTime("job"), "nextFireTime agrees with task(name)");
            assertTrue(second.cancel("job"));
            assertEquals(Optional.empty(), second.nextFireTime("job"));
        }
    }

    /** tasks() reads the waiting tasks, then the registry: a task whose handler arrives in between is listed once. */
    @Test
    void shouldListARestoredTaskOnceWhenItsHandlerArrivesDuringTasks() throws InterruptedException
    {
        try (Scheduler first = build())
        {
            first.registerHandler("mail", bytes -> {});
            first.registerTask("job", "* * * * *", "mail", new byte[] {1});
        }
        final java.util.concurrent.atomic.AtomicReference<Scheduler> built =
            new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        final Thread handlerArrives = new Thread(() -> built.get().registerHandler("mail", bytes -> {}));
        final Scheduler.Builder builder = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .keyProvider(KeyProvider.ofBytes(KEY)).store(TaskStore.journal(temp.resolve("journal")));
        builder.registryLock = new java.util.concurrent.locks.ReentrantLock()
        {
            @Override
            public void lock()
            {
                if (armed.compareAndSet(true, false)) // the first hold of tasks(), after it read the waiting tasks
                {
                    handlerArrives.start();
                    try
                    {
                        handlerArrives.join();
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }
                super.lock();
            }
        };
        try (Scheduler second = builder.build())
        {
            built.set(second);
            armed.set(true);
            final List<TaskInfo> all = second.tasks();
            assertFalse(armed.get(), "the handler arrived during tasks()");
            assertEquals(1, all.stream().filter(task -> task.name().equals("job")).count(), all.toString());
            assertEquals(TaskState.SCHEDULED, all.get(0).state());
            assertTrue(all.get(0).lastError().isEmpty(), "the live task, not the waiting one: " + all);
        }
    }

    @Test
    void shouldNeverWritePlaintextPayloadsInProductionMode() throws IOException
    {
        final byte[] marker = "PLAINTEXT-MARKER-7f3a".getBytes(StandardCharsets.UTF_8);
        try (Scheduler scheduler = build())
        {
            scheduler.registerHandler("h", bytes -> {});
            scheduler.registerTask("sealed", "* * * * *", "h", marker);
        }
        assertFalse(journalContains(marker), "sealed in production mode");
        try (Scheduler scheduler = build())
        {
            scheduler.registerHandler("h", bytes -> {});
            scheduler.setTestMode(true);
        }
        assertTrue(journalContains(marker), "positive control: test mode stores the payload plain");
    }

    private boolean journalContains(final byte[] marker) throws IOException
    {
        try (Stream<Path> files = Files.list(temp.resolve("journal")))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                if (text.contains(new String(marker, StandardCharsets.ISO_8859_1)))
                {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void shouldStoreThePayloadsResealedByAKeyRotation()
    {
        final byte[] rotated = KEY.clone();
        rotated[0] ^= 1;
        final byte[] payload = {4, 5, 6};
        try (Scheduler first = build())
        {
            first.registerHandler("h", bytes -> {});
            first.registerTask("job", "* * * * *", "h", payload);
            first.rotateKey(KeyProvider.ofBytes(rotated));
        }
        final List<byte[]> received = new ArrayList<>();
        try (Scheduler second = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .keyProvider(KeyProvider.ofBytes(rotated)).store(TaskStore.journal(temp.resolve("journal"))).build())
        {
            second.registerHandler("h", bytes -> received.add(bytes.clone()));
            minutes(second, 1);
            assertEquals(TaskState.SCHEDULED, info(second, "job").state(), info(second, "job").toString());
        }
        assertEquals(1, received.size());
        assertArrayEquals(payload, received.get(0));
    }

    @Test
    void shouldReplaceAChangedScheduleAndKeepTheCounters()
    {
        try (Scheduler first = build())
        {
            first.registerTask("job", "* * * * *", () -> {});
            minutes(first, 2);
        }
        clock.advance(Duration.ofMinutes(30));
        try (Scheduler second = build())
        {
            second.registerTask("job", "0 * * * *", () -> {});
            final TaskInfo info = info(second, "job");
            assertEquals("0 * * * *", info.schedule());
            assertEquals(2, info.runs());
            assertEquals(0, info.missed(), "the old schedule's passed fires are not counted against the new one");
            assertEquals(Instant.parse("2026-01-01T01:00:00Z"), info.nextFire().orElseThrow());
            assertEquals(0, second.runPending());
        }
        try (Scheduler third = build())
        {
            third.registerTask("job", "0 * * * *", () -> {});
            assertEquals(Instant.parse("2026-01-01T01:00:00Z"), info(third, "job").nextFire().orElseThrow(),
                "the replaced schedule was stored");
        }
    }

    @Test
    void shouldKeepACancelledTaskCancelled()
    {
        try (Scheduler first = build())
        {
            first.registerHandler("h", bytes -> {});
            first.registerTask("gone", "* * * * *", "h", new byte[1]);
            first.registerTask("kept", "* * * * *", "h", new byte[1]);
            assertTrue(first.cancel("gone"));
        }
        try (Scheduler second = build())
        {
            assertTrue(second.task("gone").isEmpty());
            assertTrue(second.task("kept").isPresent());
            assertTrue(second.cancel("kept"), "a task waiting for its handler can be cancelled");
        }
        try (Scheduler third = build())
        {
            third.registerHandler("h", bytes -> {});
            assertTrue(third.tasks().isEmpty(), third.tasks().toString());
        }
    }

    @Test
    void shouldKeepAPausedTaskPausedAndCountItsFiresAsMissed()
    {
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler first = build())
        {
            first.registerTask("job", "* * * * *", ran::incrementAndGet);
            minutes(first, 1);
            assertTrue(first.pause("job"));
        }
        clock.advance(Duration.ofMinutes(3).plusSeconds(30));
        try (Scheduler second = build())
        {
            second.registerTask("job", "* * * * *", ran::incrementAndGet);
            second.runPending();
            assertEquals(TaskState.PAUSED, info(second, "job").state());
            assertEquals(1, ran.get());
            assertTrue(info(second, "job").missed() >= 3, info(second, "job").toString());
        }
    }

    @Test
    void shouldRoundTripAnIntervalHandlerTask()
    {
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler first = build())
        {
            first.registerHandler("h", bytes -> ran.incrementAndGet());
            first.schedule(TaskSpec.named("every").fixedRate(Duration.ofSeconds(30)).misfire(MisfirePolicy.SKIP)
                .handler("h", new byte[] {1}));
            minutes(first, 1); // fires at 00:00:30 and 00:01:00 are both due: SKIP runs the on-time one
        }
        clock.advance(Duration.ofMinutes(5).plusSeconds(10)); // 10 fires of 30 s passed, none on time
        try (Scheduler second = build())
        {
            second.registerHandler("h", bytes -> ran.incrementAndGet());
            final TaskInfo restored = info(second, "every");
            assertEquals("fixedRate PT30S", restored.schedule());
            final long runsBefore = restored.runs();
            final long missedBefore = restored.missed();
            second.runPending();
            final TaskInfo info = info(second, "every");
            assertEquals(runsBefore, info.runs(), "SKIP runs none of the passed fires");
            assertEquals(missedBefore + 10, info.missed());
        }
    }

    @Test
    void shouldRestoreAHandlerTasksOverlapPolicyAndRunTimeout() throws InterruptedException
    {
        try (Scheduler first = build())
        {
            first.registerHandler("h", bytes -> { });
            first.schedule(TaskSpec.named("slow").cron("0 * * * * *").overlap(OverlapPolicy.COALESCE)
                .timeout(Duration.ofSeconds(5)).handler("h", new byte[] {1}));
        }
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (Scheduler second = build(Dispatcher.withWorkers(2)))
        {
            second.registerHandler("h", bytes ->
            {
                entered.countDown();
                Latches.awaitUninterruptibly(release);
            });
            try
            {
                clock.advance(Duration.ofMinutes(1));
                second.runPending();
                assertTrue(entered.await(10, TimeUnit.SECONDS));
                clock.advance(Duration.ofMinutes(1)); // past the 5 s timeout, and the next fire comes due meanwhile
                second.runPending();
                final TaskInfo info = info(second, "slow");
                assertEquals(1, info.timeouts(), "the stored 5 s timeout applies");
                assertTrue(info.runningLong());
                assertEquals(0, info.missed(), "COALESCE keeps the fire due while running, SKIP would miss it");
            }
            finally
            {
                release.countDown();
            }
            assertTrue(second.awaitIdle(Duration.ofSeconds(10)));
        }
    }

    @Test
    void shouldNotRestoreACompletedOneTimeHandlerTaskAndFireAPendingOne()
    {
        final AtomicInteger ran = new AtomicInteger();
        try (Scheduler first = build())
        {
            first.registerHandler("h", bytes -> ran.incrementAndGet());
            first.registerOnce("done", START.plusSeconds(30), "h", new byte[1]);
            first.registerOnce("later", START.plusSeconds(600), "h", new byte[1]);
            minutes(first, 1);
            assertEquals(1, ran.get());
        }
        clock.advance(Duration.ofMinutes(20));
        try (Scheduler second = build())
        {
            assertTrue(second.task("done").isEmpty(), "a finished handler task is not restored");
            second.registerHandler("h", bytes -> ran.incrementAndGet());
            second.runPending();
            assertEquals(2, ran.get(), "the one-time fire that passed while down runs once (FIRE_ONCE)");
            assertEquals(TaskState.COMPLETED, info(second, "later").state());
        }
    }

    @Test
    void shouldKeepACompletedOneTimeRunnableTaskCompletedWhenRegisteredAgain()
    {
        final AtomicInteger ran = new AtomicInteger();
        final Instant at = START.plusSeconds(30);
        try (Scheduler first = build())
        {
            first.registerOnce("once", at, ran::incrementAndGet);
            minutes(first, 1);
        }
        try (Scheduler second = build())
        {
            second.registerOnce("once", at, ran::incrementAndGet);
            second.runPending();
            assertEquals(1, ran.get(), "it ran before the restart, and does not run again");
            assertEquals(TaskState.COMPLETED, info(second, "once").state());
            second.registerOnce("other", at, ran::incrementAndGet);
            second.runPending();
            assertEquals(2, ran.get(), "positive control: a new one-time task in the past runs");
        }
        try (Scheduler third = build())
        {
            third.registerOnce("once", at.plusSeconds(1), ran::incrementAndGet);
            third.runPending();
            assertEquals(3, ran.get(), "a changed instant replaces the finished one and runs");
            assertEquals(2, info(third, "once").runs(), "with the stored counters");
        }
    }

    @Test
    void shouldRunAnInterruptedFireAgainUnderRunAgain() throws InterruptedException
    {
        final List<Instant> scheduled = interrupted(InterruptedFirePolicy.RUN_AGAIN);
        assertEquals(List.of(Instant.parse("2026-01-01T00:01:00Z")), scheduled, "the interrupted instant ran again");
    }

    @Test
    void shouldDropAnInterruptedFireUnderDrop() throws InterruptedException
    {
        assertEquals(List.of(), interrupted(InterruptedFirePolicy.DROP));
    }

    /**
     * A callback is still running when the first scheduler closes (its close times out): the store keeps the running
     * marker, as after a kill. The second scheduler is built while the old callback still blocks.
     *
     * @return the scheduled instants the second scheduler ran.
     */
    private List<Instant> interrupted(final InterruptedFirePolicy policy) throws InterruptedException
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Scheduler first = build(Dispatcher.withWorkers(1));
        first.schedule(TaskSpec.named("slow").cron("* * * * *").onRestart(policy).run(ctx ->
        {
            started.countDown();
            Latches.awaitUninterruptibly(release);
        }));
        minutes(first, 1);
        started.await();
        assertFalse(first.close(Duration.ofMillis(50)), "the callback is still running");
        final List<Instant> scheduled = new ArrayList<>();
        try (Scheduler second = build())
        {
            second.schedule(TaskSpec.named("slow").cron("* * * * *").onRestart(policy)
                .run(ctx -> scheduled.add(ctx.scheduledAt())));
            final TaskInfo restored = info(second, "slow");
            assertTrue(restored.lastError().orElseThrow().contains("interrupted by a restart"), restored.toString());
            assertEquals(policy == InterruptedFirePolicy.DROP ? 1 : 0, restored.missed());
            second.runPending();
            assertEquals(0, info(second, "slow").missed() - (policy == InterruptedFirePolicy.DROP ? 1 : 0));
            assertEquals(policy == InterruptedFirePolicy.DROP ? 0 : 1, info(second, "slow").runs());
        }
        finally
        {
            release.countDown();
        }
        return scheduled;
    }

    @Test
    void shouldRefuseASecondSchedulerOnAnOpenJournal()
    {
        try (Scheduler first = build())
        {
            first.registerTask("job", "* * * * *", () -> {});
            final TaskStoreException refused = assertThrows(TaskStoreException.class, this::build);
            assertTrue(refused.getMessage().contains(temp.resolve("journal").toString()), refused.getMessage());
            assertTrue(first.task("job").isPresent(), "the first scheduler goes on");
        }
        try (Scheduler again = build())
        {
            again.registerTask("job", "* * * * *", () -> {});
            assertTrue(again.task("job").isPresent(), "positive control: free again after close");
        }
    }

    @Test
    void shouldRefuseARandomKeyOnADurableStore()
    {
        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Scheduler.builder()
            .keyProvider(KeyProvider.random()).store(TaskStore.journal(temp.resolve("journal"))).build());
        assertTrue(refused.getMessage().contains("could not be opened after a restart"), refused.getMessage());
    }

    /** A build that fails after the journal was opened releases it: the application can build again. */
    @Test
    void shouldReleaseTheJournalWhenABuildFailsAfterOpeningIt()
    {
        final KeyProvider destroyed = KeyProvider.ofBytes(KEY);
        destroyed.destroy();
        assertThrows(IllegalStateException.class, () -> Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .keyProvider(destroyed).store(TaskStore.journal(temp.resolve("journal"))).build());
        try (Scheduler again = build())
        {
            again.registerTask("job", "* * * * *", () -> {});
            assertTrue(again.task("job").isPresent());
        }
    }

    /**
     * Finished one-time handler tasks are never restored, so a restart drops them from the journal: the journal does
     * not grow with every one-time task ever run. The one with the highest record id stays until a newer one exists.
     */
    @Test
    void shouldDropFinishedHandlerTasksFromTheJournalAtRestart()
    {
        final AtomicInteger ran = new AtomicInteger();
        final List<Integer> stored = new ArrayList<>();
        for (int round = 0; round < 4; round++)
        {
            try (Scheduler scheduler = build())
            {
                scheduler.registerHandler("job", payload -> ran.incrementAndGet());
                for (int i = 0; i < 100; i++)
                {
                    scheduler.registerOnce("once-" + round + "-" + i, clock.instant().plusSeconds(1), "job",
                        new byte[] {(byte)i});
                }
                clock.advance(Duration.ofSeconds(2));
                scheduler.runPending();
            }
            final TaskStore journal = TaskStore.journal(temp.resolve("journal"));
            stored.add(journal.open().size());
            journal.close();
        }
        assertEquals(400, ran.get());
        assertEquals(List.of(100, 101, 101, 101), stored, "this run's finished tasks, and the newest of before");
    }
}
