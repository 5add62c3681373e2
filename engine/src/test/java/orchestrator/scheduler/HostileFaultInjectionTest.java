package orchestrator.scheduler;

import orchestrator.core.dispatcher.Dispatcher;
import orchestrator.scheduler.cron.CronSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Randomised fault injection through the public API, seeded and reproducible: many tasks (every second, every minute,
 * fixed hours across DST, a Quartz year that ends, one-time, a group sharing one callback) whose callbacks randomly
 * return, throw anything (errors, checked exceptions, exceptions whose {@code toString()} or {@code getMessage()}
 * throws), interrupt themselves, call back into the scheduler (register, cancel themselves or others, read, run
 * {@code runPending} or {@code awaitIdle} from inside) or hang on a latch released at the end; inline and with 2-4
 * workers; a virtual clock that takes small steps, jumps days ahead, steps back minutes to days and lands exactly on
 * fire times; a log handler that throws.
 * <p>
 * After every step, once every callback but the hung ones has finished, each task is checked against a model of what
 * the engine promises: never two runs of one task at once; {@code runPending} never throws and never leaves its
 * caller interrupted; a callback never starts interrupted by another; a recurring task's runs plus missed equal the
 * fire times in (registration, highest clock reading of a {@code runPending} since], counted with
 * {@link CronSchedule#countFiresBetween}: every fire the clock passed is accounted for once, and a fire passed again
 * after a step back is not counted twice; its runs and failures are the callbacks that ran and threw; its next fire
 * is the schedule's next after that reading; a one-time task has run or been missed exactly once once the clock
 * reached it, and not before; a cancelled task never starts again (checked exactly with inline dispatch). At the end,
 * with the hung callbacks released, {@code awaitIdle} returns true, no task is RUNNING, everything adds up, and
 * {@code close(5 s)} returns true.
 * <p>
 * The seed and dispatch of a failing run are in its name and message; {@code -Dhostile.seed=N} replays one seed in
 * every dispatch mode, {@code -Dhostile.seeds=K} adds K fresh random seeds, {@code -Dhostile.steps=S} sets the steps.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileFaultInjectionTest
{
    private static final long[] SEEDS = {0x5EED_0001L, 0xC0FFEE_02L, 0xBAD_F00D_03L, 0xDEAD_BEEF_04L, 0x1234_5678_05L,
        0x0DD_BA11_06L, 0x7E57_0007L, 0xF00_BA5_08L};
    private static final int STEPS = Integer.getInteger("hostile.steps", 150);
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    static Stream<Arguments> runs()
    {
        final List<Arguments> runs = new ArrayList<>();
        final Long replay = Long.getLong("hostile.seed");
        if (replay != null)
        {
            for (final int workers : new int[] {0, 2, 3, 4})
            {
                runs.add(Arguments.of(replay, workers));
            }
            return runs.stream();
        }
        final List<Long> seeds = new ArrayList<>();
        for (final long seed : SEEDS)
        {
            seeds.add(seed);
        }
        final SplittableRandom fresh = new SplittableRandom();
        for (int i = 0; i < Integer.getInteger("hostile.seeds", 0); i++)
        {
            seeds.add(fresh.nextLong());
        }
        for (final long seed : seeds)
        {
            runs.add(Arguments.of(seed, 0));
            runs.add(Arguments.of(seed, 2 + (int)Math.floorMod(seed, 3L)));
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "seed {0}, workers {1} (0 = inline)")
    @MethodSource("runs")
    void shouldKeepEveryPromiseUnderRandomFaults(final long seed, final int workers) throws Exception
    {
        final Logger engineLog = Logger.getLogger(Scheduler.class.getName());
        final boolean usedParentHandlers = engineLog.getUseParentHandlers();
        final Level level = engineLog.getLevel();
        final ThrowingHandler handler = new ThrowingHandler(seed);
        engineLog.setUseParentHandlers(false);
        engineLog.setLevel(Level.ALL);
        engineLog.addHandler(handler);
        try
        {
            new World(seed, workers).run();
        }
        finally
        {
            engineLog.removeHandler(handler);
            engineLog.setLevel(level);
            engineLog.setUseParentHandlers(usedParentHandlers);
            Thread.interrupted();
        }
    }

    /** SplitMix64: a reproducible random value from a few longs. */
    static long mix(final long a, final long b, final long c)
    {
        long z = a + 0x9E3779B97F4A7C15L * (b + 1) + 0xBF58476D1CE4E5B9L * (c + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Test
    void shouldStartEveryRunOfAFireAllBatchWithoutTheInterruptOfTheRunBefore()
    {
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        final List<Boolean> startedInterrupted = new ArrayList<>();
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC).build())
        {
            scheduler.registerTask("catch-up", CronSchedule.parse("* * * * * *", ZoneOffset.UTC), MisfirePolicy.fireAll(3),
                () -> {
                    startedInterrupted.add(Thread.currentThread().isInterrupted());
                    Thread.currentThread().interrupt();
                });
            clock.advance(Duration.ofSeconds(3));
            scheduler.runPending();
            assertFalse(Thread.interrupted(), "the caller of runPending is not left interrupted");
        }
        assertEquals(List.of(false, false, false), startedInterrupted, "each run of the batch starts uninterrupted");
    }

    @Test
    void shouldFindATaskByNameWhileItsCancelledRunIsStillGoing() throws Exception
    {
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
            .dispatcher(Dispatcher.withWorkers(1)).build())
        {
            try
            {
                scheduler.registerOnce("slow", clock.instant(), () -> {
                    entered.countDown();
                    Latches.awaitUninterruptibly(release);
                });
                scheduler.runPending();
                assertTrue(entered.await(10, TimeUnit.SECONDS));
                assertTrue(scheduler.cancel("slow"));
                assertEquals(TaskState.CANCELLED, scheduler.tasks().get(0).state(), "tasks() lists it as CANCELLED");
                assertEquals(TaskState.CANCELLED, scheduler.task("slow").map(TaskInfo::state).orElse(null),
                    "task(name) finds it too");
            }
            finally
            {
                release.countDown();
            }
            assertTrue(scheduler.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(1, scheduler.task("slow").orElseThrow().runs());
        }
    }

    /** What a task is, as far as the model is concerned. */
    enum Kind
    {
        RECURRING, ONCE, SHARED
    }

    /**
     * Thread safe: one registration and what the model knows of it. {@code maxReading} is written by the test thread
     * only; the counters by the callback.
     */
    static final class Tracked
    {
        final int index;
        final String name;
        final Kind kind;
        final CronSchedule schedule;
        final long onceAt;
        final long registeredAt;
        volatile long maxReading = Long.MIN_VALUE;
        final AtomicLong invocations = new AtomicLong();
        final AtomicLong threw = new AtomicLong();
        final AtomicInteger inside = new AtomicInteger();
        volatile boolean cancelled;
        volatile boolean hung;
        volatile boolean refused;

        Tracked(final int index, final String name, final Kind kind, final CronSchedule schedule, final long onceAt,
            final long registeredAt)
        {
            this.index = index;
            this.name = name;
            this.kind = kind;
            this.schedule = schedule;
            this.onceAt = onceAt;
            this.registeredAt = registeredAt;
        }

        /** @return the highest clock reading the model counts fires up to. */
        long countedUpTo()
        {
            return Math.max(registeredAt, maxReading);
        }
    }

    /**
     * Thread safe: throws from {@code publish} one time in three, a runtime exception or an error, and reads the
     * logged exception's {@code toString()} as a formatter would (which may throw too).
     */
    static final class ThrowingHandler extends Handler
    {
        private final long seed;
        private final AtomicLong published = new AtomicLong();

        ThrowingHandler(final long seed)
        {
            this.seed = seed;
            setLevel(Level.ALL);
        }

        @Override
        public void publish(final LogRecord record)
        {
            final long n = published.incrementAndGet();
            if (record.getThrown() != null && (n & 1) == 0)
            {
                String.valueOf(record.getThrown());
            }
            switch ((int)Long.remainderUnsigned(mix(seed, n, 7), 6))
            {
                case 0: throw new IllegalStateException("log handler: disk full");
                case 1: throw new OutOfMemoryError("log handler, thrown not real");
                default: break;
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
    }

    /** Stateless: the throwables callbacks throw. */
    static final class Faults
    {
        private Faults()
        {
        }

        static Throwable any(final SplittableRandom random)
        {
            switch (random.nextInt(11))
            {
                case 0: return new RuntimeException("boom");
                case 1: return new AssertionError("assertion in a callback");
                case 2: return new StackOverflowError();
                case 3: return new OutOfMemoryError("thrown, not real");
                case 4: return new ToStringThrows();
                case 5: return new MessageThrows();
                case 6: return new ToStringThrowsError();
                case 7: return new Exception("checked, thrown sneakily");
                case 8: return new IllegalStateException("x".repeat(100_000));
                case 9:
                    final RuntimeException a = new RuntimeException("a");
                    final RuntimeException b = new RuntimeException("b", a);
                    a.initCause(b);
                    return a;
                default: return new NullPointerException();
            }
        }

        @SuppressWarnings("unchecked")
        static <T extends Throwable> void sneakyThrow(final Throwable throwable) throws T
        {
            throw (T)throwable;
        }

        /** A runtime exception whose toString() throws. */
        static final class ToStringThrows extends RuntimeException
        {
            private static final long serialVersionUID = 1L;

            @Override
            public String toString()
            {
                throw new IllegalStateException("toString is broken");
            }
        }

        /** A runtime exception whose getMessage() throws, and so its toString() too. */
        static final class MessageThrows extends RuntimeException
        {
            private static final long serialVersionUID = 1L;

            @Override
            public String getMessage()
            {
                throw new UnsupportedOperationException("getMessage is broken");
            }
        }

        /** An error whose toString() throws an error. */
        static final class ToStringThrowsError extends Error
        {
            private static final long serialVersionUID = 1L;

            @Override
            public String toString()
            {
                throw new StackOverflowError("toString overflows");
            }
        }
    }

    /**
     * Thread safe: the callback of one tracked task (or of the shared group, then {@code tracked} is null). Each
     * invocation picks its behaviour from (seed, task, invocation number), so a run is reproducible up to thread
     * timing.
     */
    static final class FaultyCallback implements Runnable
    {
        private final World world;
        private final Tracked tracked;
        private final AtomicLong sharedInvocations = new AtomicLong();

        FaultyCallback(final World world, final Tracked tracked)
        {
            this.world = world;
            this.tracked = tracked;
        }

        @Override
        public void run()
        {
            final int[] depth = DEPTH.get();
            if (depth[0] == 0 && Thread.currentThread().isInterrupted())
            {
                world.violation("a callback of '" + name() + "' started with the interrupt flag set");
            }
            final long invocation;
            if (tracked == null)
            {
                invocation = sharedInvocations.incrementAndGet();
            }
            else
            {
                if (tracked.inside.incrementAndGet() != 1)
                {
                    world.violation("two runs of '" + tracked.name + "' at once");
                }
                if (world.inline && tracked.cancelled)
                {
                    world.violation("'" + tracked.name + "' ran after cancel() returned true");
                }
                invocation = tracked.invocations.incrementAndGet();
            }
            world.active.incrementAndGet();
            depth[0]++;
            try
            {
                behave(new SplittableRandom(mix(world.seed, tracked == null ? -1 : tracked.index, invocation)), depth[0]);
            }
            finally
            {
                depth[0]--;
                world.active.decrementAndGet();
                if (tracked != null)
                {
                    tracked.inside.decrementAndGet();
                }
            }
        }

        private String name()
        {
            return tracked == null ? "shared" : tracked.name;
        }

        private void behave(final SplittableRandom random, final int depth)
        {
            final int roll = random.nextInt(100);
            if (roll < 35 || world.closing)
            {
                return;
            }
            if (roll < 50)
            {
                throwSomething(random);
            }
            else if (roll < 56)
            {
                Thread.currentThread().interrupt();
                if (random.nextBoolean())
                {
                    throwSomething(random);
                }
            }
            else if (roll < 64)
            {
                world.registerRandom(random, "cb", true);
            }
            else if (roll < 69)
            {
                world.cancel(tracked);
            }
            else if (roll < 74)
            {
                world.cancel(world.pick(random));
            }
            else if (roll < 80)
            {
                read();
            }
            else if (roll < 86)
            {
                if (depth < 3)
                {
                    nestedRunPending(random);
                }
            }
            else if (roll < 90)
            {
                idleFromInside();
            }
            else if (roll < 95)
            {
                hang();
            }
            else
            {
                read();
                world.registerRandom(random, "cb", true);
                Thread.currentThread().interrupt();
                throwSomething(random);
            }
        }

        private void throwSomething(final SplittableRandom random)
        {
            if (tracked != null)
            {
                tracked.threw.incrementAndGet();
            }
            Faults.sneakyThrow(Faults.any(random));
        }

        private void read()
        {
            final Scheduler scheduler = world.scheduler;
            final List<TaskInfo> all = scheduler.tasks();
            if (tracked == null)
            {
                return;
            }
            final Optional<TaskInfo> self = scheduler.task(tracked.name);
            final Optional<Instant> next = scheduler.nextFireTime(tracked.name);
            if (self.isEmpty() || all.stream().noneMatch(info -> info.name().equals(tracked.name)))
            {
                world.violation("'" + tracked.name + "' cannot find itself while it runs");
                return;
            }
            if (tracked.kind == Kind.ONCE && next.isPresent())
            {
                world.violation("one-time '" + tracked.name + "' has a next fire while it runs: " + next.get());
            }
            if (world.inline && !tracked.cancelled)
            {
                if (self.get().state() != TaskState.RUNNING)
                {
                    world.violation("'" + tracked.name + "' is " + self.get().state() + " while it runs");
                }
                if (next.isPresent() && !next.get().isAfter(world.clock.instant()))
                {
                    world.violation("'" + tracked.name + "' runs with its next fire " + next.get() + " not after now");
                }
            }
        }

        private void nestedRunPending(final SplittableRandom random)
        {
            final boolean interruptedBefore = Thread.currentThread().isInterrupted();
            try
            {
                if (random.nextBoolean())
                {
                    world.scheduler.runPending();
                }
                else
                {
                    world.scheduler.runPending(1 + random.nextInt(3));
                }
            }
            catch (final Throwable ex)
            {
                world.violation("runPending from inside '" + name() + "' threw " + CallbackRunner.describe(ex));
            }
            if (Thread.currentThread().isInterrupted() != interruptedBefore)
            {
                world.violation("runPending from inside '" + name() + "' changed its caller's interrupt flag");
            }
        }

        private void idleFromInside()
        {
            try
            {
                if (world.scheduler.awaitIdle(Duration.ZERO))
                {
                    world.violation("awaitIdle inside '" + name() + "' returned true while that callback runs");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt(); // it was already set: awaitIdle honours interrupts
            }
        }

        private void hang()
        {
            if (tracked == null || world.inline || world.hungNow.get() >= world.workers - 1)
            {
                return;
            }
            if (world.hungNow.incrementAndGet() > world.workers - 1)
            {
                world.hungNow.decrementAndGet();
                return;
            }
            tracked.hung = true;
            Latches.awaitUninterruptibly(world.release);
        }
    }

    /**
     * The scheduler under test, its clock, the tracked tasks and the model's checks. The test thread owns the clock;
     * callbacks register, cancel and record violations from any thread.
     */
    static final class World
    {
        private static final String[] EXPRESSIONS = {"* * * * * *", "*/7 * * * * *", "* * * * *", "H * * * * *",
            "H/10 * * * * *", "0 */15 * * * *", "30 1 * * *", "0 30 2 * * ?", "@hourly", "0 0 12 ? * MON-FRI *",
            "H H(0-3) * * *"};
        private static final int MAX_TASKS = 400;

        final long seed;
        final int workers;
        final boolean inline;
        final ManualClock clock;
        final Scheduler scheduler;
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger hungNow = new AtomicInteger();
        final AtomicInteger active = new AtomicInteger();
        volatile boolean closing;
        private final SplittableRandom random;
        private final ZoneId zone;
        private final List<Tracked> tracked = new CopyOnWriteArrayList<>();
        private final Map<String, Tracked> byName = new ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        private final AtomicInteger names = new AtomicInteger();
        private final String lastYearExpression;
        private FaultyCallback sharedCallback;
        private int step;

        World(final long seed, final int workers)
        {
            this.seed = seed;
            this.workers = workers;
            this.inline = workers == 0;
            this.random = new SplittableRandom(seed);
            final ZoneId[] zones = {ZoneOffset.UTC, ZoneId.of("America/New_York"), ZoneId.of("Europe/London"),
                ZoneId.of("Australia/Lord_Howe")};
            this.zone = zones[random.nextInt(zones.length)];
            final Instant start = Instant.parse("2024-01-01T00:00:00Z").plusSeconds(random.nextLong(16L * 365 * 86_400))
                .plusMillis(random.nextInt(1000));
            this.clock = new ManualClock(start);
            this.lastYearExpression = "0 0 * * * ? " + start.atZone(zone).getYear();
            final MisfirePolicy[] policies = {MisfirePolicy.FIRE_ONCE, MisfirePolicy.SKIP, MisfirePolicy.fireAll(3)};
            final Duration[] thresholds = {Duration.ZERO, Duration.ofSeconds(1), Duration.ofMinutes(2)};
            this.scheduler = Scheduler.builder().clock(clock).zone(zone)
                .dispatcher(inline ? new Dispatcher() : Dispatcher.withWorkers(workers))
                .misfirePolicy(policies[random.nextInt(policies.length)])
                .misfireThreshold(thresholds[random.nextInt(thresholds.length)]).build();
        }

        void run() throws Exception
        {
            try
            {
                for (int i = 0; i < 30; i++)
                {
                    registerRandom(random, "t", false);
                }
                for (int i = 0; i < 10; i++)
                {
                    registerOnce(random, "once", false);
                }
                registerSharedGroup();
                for (step = 1; step <= STEPS; step++)
                {
                    step();
                }
                finish();
            }
            finally
            {
                closing = true;
                release.countDown();
                scheduler.close(Duration.ofSeconds(5));
            }
        }

        private void step() throws Exception
        {
            moveClock();
            if (random.nextInt(5) == 0)
            {
                registerRandom(random, "t", false);
            }
            if (random.nextInt(8) == 0)
            {
                registerOnce(random, "once", false);
            }
            if (random.nextInt(10) == 0)
            {
                cancel(pick(random));
            }
            final int calls = random.nextInt(3);
            for (int i = 0; i < calls; i++)
            {
                runPending(1 + random.nextInt(5));
            }
            runPending(Integer.MAX_VALUE);
            awaitQuiet();
            checkAll(false);
        }

        private void moveClock()
        {
            final int roll = random.nextInt(100);
            if (roll < 45)
            {
                clock.advance(Duration.ofMillis(1 + random.nextInt(3000)));
            }
            else if (roll < 60)
            {
                clock.advance(Duration.ofMinutes(1 + random.nextInt(120)));
            }
            else if (roll < 66)
            {
                clock.advance(Duration.ofDays(1 + random.nextInt(30)).plusMillis(random.nextInt(86_400_000)));
            }
            else if (roll < 78)
            {
                clock.advance(Duration.ofMillis(-1000 - random.nextInt(600_000)));
            }
            else if (roll < 84)
            {
                clock.advance(Duration.ofMinutes(-60 - random.nextInt(3 * 24 * 60)));
            }
            else if (roll < 94)
            {
                final Tracked target = pick(random);
                final Optional<Instant> next = target == null ? Optional.empty() : scheduler.nextFireTime(target.name);
                next.ifPresent(at -> clock.set(at.plusMillis(random.nextInt(3) - 1))); // on the fire time, or 1 ms off
            }
        }

        /** Runs pending work on the test thread and records the reading for the tasks registered before it. */
        private void runPending(final int maxFires)
        {
            final int before = tracked.size();
            final long reading = clock.millis();
            try
            {
                if (scheduler.runPending(maxFires) < 0)
                {
                    violation("runPending returned a negative count");
                }
            }
            catch (final Throwable ex)
            {
                violation("runPending threw " + CallbackRunner.describe(ex));
            }
            if (Thread.interrupted())
            {
                violation("runPending left its caller interrupted");
            }
            for (int i = 0; i < before; i++)
            {
                final Tracked t = tracked.get(i);
                t.maxReading = Math.max(t.maxReading, reading);
            }
        }

        /**
         * Waits until every callback but the hung ones has finished and been recorded: until awaitIdle returns true,
         * or, once a callback hangs (one may start hanging while this waits), until only hung tasks are RUNNING
         * (the snapshot records completions) and no other callback is inside.
         */
        private void awaitQuiet() throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!scheduler.awaitIdle(Duration.ofMillis(10)))
            {
                if (hungNow.get() > 0 && active.get() == hungNow.get() && running().isEmpty())
                {
                    return;
                }
                if (System.nanoTime() - deadline > 0)
                {
                    fail(where() + ": callbacks still running besides the " + hungNow.get() + " hung: " + running());
                }
            }
        }

        /** @return the names of RUNNING tasks that are not hung. */
        private List<String> running()
        {
            final List<String> running = new ArrayList<>();
            for (final TaskInfo info : scheduler.tasks())
            {
                final Tracked t = byName.get(info.name());
                if (info.state() == TaskState.RUNNING && (t == null || !t.hung))
                {
                    running.add(info.name());
                }
            }
            return running;
        }

        private void finish() throws Exception
        {
            final boolean closeFirst = hungNow.get() > 0 && random.nextBoolean();
            if (closeFirst)
            {
                closing = true;
                if (scheduler.close(Duration.ofMillis(100)))
                {
                    violation("close returned true while a callback hangs");
                }
            }
            release.countDown();
            if (closeFirst)
            {
                if (!scheduler.close(Duration.ofSeconds(5)))
                {
                    violation("close(5 s) returned false after the hung callbacks were released");
                }
            }
            else if (!scheduler.awaitIdle(Duration.ofSeconds(20)))
            {
                fail(where() + ": awaitIdle did not return true once the hung callbacks were released: " + running());
            }
            for (final Tracked t : tracked)
            {
                t.hung = false;
            }
            for (final TaskInfo info : scheduler.tasks())
            {
                if (info.state() == TaskState.RUNNING)
                {
                    violation("'" + info.name() + "' is still RUNNING at the end");
                }
            }
            checkAll(true);
            if (!closeFirst)
            {
                closing = true;
                if (!scheduler.close(Duration.ofSeconds(5)))
                {
                    violation("close(5 s) returned false with nothing hung");
                }
            }
            report();
        }

        private void checkAll(final boolean end)
        {
            long sharedRuns = 0;
            for (final Tracked t : tracked)
            {
                if (t.refused)
                {
                    continue;
                }
                final TaskInfo info = scheduler.task(t.name).orElse(null);
                if (info == null)
                {
                    violation("'" + t.name + "' is unknown to the scheduler");
                    continue;
                }
                if (t.kind == Kind.SHARED)
                {
                    sharedRuns += info.runs();
                }
                if (t.cancelled)
                {
                    if (info.state() != TaskState.CANCELLED)
                    {
                        violation("'" + t.name + "' was cancelled but is " + info.state());
                    }
                    continue;
                }
                if (t.hung)
                {
                    checkHung(t, info);
                }
                else if (t.kind == Kind.ONCE)
                {
                    checkOnce(t, info);
                }
                else
                {
                    checkRecurring(t, info);
                }
            }
            if (sharedCallback != null && sharedRuns != sharedCallback.sharedInvocations.get())
            {
                violation("the shared group ran its callback " + sharedCallback.sharedInvocations.get() +
                    " times but its tasks count " + sharedRuns + " runs");
            }
            report();
        }

        private void checkRecurring(final Tracked t, final TaskInfo info)
        {
            final long upTo = t.countedUpTo();
            final long expected = t.schedule.countFiresBetween(t.registeredAt, upTo);
            final String what = "'" + t.name + "' " + t.schedule + " registered at " + Instant.ofEpochMilli(t.registeredAt) +
                ", clock read up to " + Instant.ofEpochMilli(upTo) + ": " + info;
            if (info.runs() + info.missed() != expected)
            {
                violation(what + ": runs + missed should be the " + expected + " fire times passed");
            }
            if (t.kind == Kind.RECURRING && (info.runs() != t.invocations.get() || info.failures() != t.threw.get()))
            {
                violation(what + ": the callback ran " + t.invocations.get() + " times and threw " + t.threw.get());
            }
            final long next = t.schedule.nextAfterEpochMilli(upTo);
            if (next == CronSchedule.NEVER)
            {
                if (info.state() != TaskState.COMPLETED || info.nextFire().isPresent())
                {
                    violation(what + ": it can never fire again, so it should be COMPLETED");
                }
            }
            else if (info.state() != TaskState.SCHEDULED ||
                !info.nextFire().equals(Optional.of(Instant.ofEpochMilli(next))))
            {
                violation(what + ": it should be SCHEDULED for " + Instant.ofEpochMilli(next));
            }
        }

        private void checkOnce(final Tracked t, final TaskInfo info)
        {
            final String what = "one-time '" + t.name + "' at " + Instant.ofEpochMilli(t.onceAt) + ", clock read up to " +
                (t.maxReading == Long.MIN_VALUE ? "never" : Instant.ofEpochMilli(t.maxReading)) + ": " + info;
            if (t.maxReading >= t.onceAt)
            {
                final TaskState expected = t.threw.get() > 0 ? TaskState.FAILED : TaskState.COMPLETED;
                if (info.runs() + info.missed() != 1 || info.runs() != t.invocations.get() || info.state() != expected)
                {
                    violation(what + ": it should have run or been missed once and be " + expected + "; the callback ran " +
                        t.invocations.get() + " times");
                }
            }
            else if (info.runs() != 0 || info.missed() != 0 || t.invocations.get() != 0 ||
                info.state() != TaskState.SCHEDULED || !info.nextFire().equals(Optional.of(Instant.ofEpochMilli(t.onceAt))))
            {
                violation(what + ": the clock has not reached it, so it should wait, SCHEDULED");
            }
        }

        private void checkHung(final Tracked t, final TaskInfo info)
        {
            if (t.kind != Kind.ONCE && info.runs() + info.missed() > t.schedule.countFiresBetween(t.registeredAt, t.countedUpTo()))
            {
                violation("hung '" + t.name + "' counts more fires than passed: " + info);
            }
        }

        void registerRandom(final SplittableRandom random, final String prefix, final boolean fromCallback)
        {
            if (random.nextInt(4) == 0)
            {
                registerOnce(random, prefix + "-once", fromCallback);
                return;
            }
            final int index = names.getAndIncrement();
            if (index >= MAX_TASKS)
            {
                return;
            }
            final String name = prefix + "-" + index;
            final String expression = random.nextInt(12) == 0 ? lastYearExpression :
                EXPRESSIONS[random.nextInt(EXPRESSIONS.length)];
            final CronSchedule schedule;
            try
            {
                schedule = CronSchedule.parse(expression, zone).forTask(name);
            }
            catch (final IllegalArgumentException ex)
            {
                violation("'" + expression + "' does not parse: " + ex.getMessage());
                return;
            }
            final MisfirePolicy misfire = misfire(random);
            final Tracked t = new Tracked(index, name, Kind.RECURRING, schedule, 0, clock.millis());
            final FaultyCallback callback = new FaultyCallback(this, t);
            track(t, () -> {
                if (misfire == null)
                {
                    scheduler.registerTask(name, expression, callback);
                }
                else
                {
                    scheduler.registerTask(name, CronSchedule.parse(expression, zone), misfire, callback);
                }
            });
        }

        private void registerOnce(final SplittableRandom random, final String prefix, final boolean fromCallback)
        {
            final int index = names.getAndIncrement();
            if (index >= MAX_TASKS)
            {
                return;
            }
            final String name = prefix + "-" + index;
            final long now = clock.millis();
            // callbacks only register ahead: the model counts a reading for tasks registered before the runPending
            final long at = fromCallback ? now + 1 + random.nextLong(3 * 86_400_000L) :
                now - 3_600_000L + random.nextLong(3 * 86_400_000L);
            final Tracked t = new Tracked(index, name, Kind.ONCE, null, at, now);
            final FaultyCallback callback = new FaultyCallback(this, t);
            track(t, () -> scheduler.registerOnce(name, Instant.ofEpochMilli(at), callback));
        }

        private void registerSharedGroup()
        {
            sharedCallback = new FaultyCallback(this, null);
            final CronSchedule everySecond = CronSchedule.parse("* * * * * *", zone);
            for (int i = 0; i < 5; i++)
            {
                final int index = names.getAndIncrement();
                final String name = "shared-" + index;
                final Tracked t = new Tracked(index, name, Kind.SHARED, everySecond, 0, clock.millis());
                track(t, () -> scheduler.registerTask(name, everySecond, MisfirePolicy.fireAll(2), sharedCallback));
            }
        }

        /**
         * Registers through the action. The task is tracked from before the call (the list only grows, so the test
         * thread can index it while callbacks add to it) and marked refused when the scheduler refuses it.
         */
        private void track(final Tracked t, final Runnable register)
        {
            tracked.add(t);
            byName.put(t.name, t);
            try
            {
                register.run();
            }
            catch (final IllegalArgumentException refused) // e.g. a Quartz year already over: no fire after now
            {
                t.refused = true;
                if (t.kind == Kind.ONCE || t.schedule.nextAfterEpochMilli(clock.millis()) != CronSchedule.NEVER)
                {
                    violation("'" + t.name + "' was refused: " + refused.getMessage());
                }
            }
            catch (final IllegalStateException closed)
            {
                t.refused = true;
                if (!closing)
                {
                    violation("'" + t.name + "' was refused by an open scheduler: " + closed.getMessage());
                }
            }
        }

        private MisfirePolicy misfire(final SplittableRandom random)
        {
            switch (random.nextInt(4))
            {
                case 0: return MisfirePolicy.FIRE_ONCE;
                case 1: return MisfirePolicy.SKIP;
                case 2: return MisfirePolicy.fireAll(1 + random.nextInt(4));
                default: return null; // the scheduler's default
            }
        }

        void cancel(final Tracked t)
        {
            if (t != null && t.kind != Kind.SHARED && scheduler.cancel(t.name))
            {
                t.cancelled = true;
            }
        }

        Tracked pick(final SplittableRandom random)
        {
            final int size = tracked.size();
            return size == 0 ? null : tracked.get(random.nextInt(size));
        }

        void violation(final String what)
        {
            violations.add(what);
        }

        private void report()
        {
            if (!violations.isEmpty())
            {
                final List<String> first = new ArrayList<>(violations).subList(0, Math.min(20, violations.size()));
                fail(where() + ": " + violations.size() + " broken promise(s), the first:\n  " + String.join("\n  ", first));
            }
        }

        private String where()
        {
            return "seed=" + seed + " (-Dhostile.seed=" + seed + ") workers=" + workers + " zone=" + zone + " step=" +
                step + " clock=" + clock.instant();
        }
    }
}
