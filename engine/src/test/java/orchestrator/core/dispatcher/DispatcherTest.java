package orchestrator.core.dispatcher;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static orchestrator.scheduler.Latches.awaitUninterruptibly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dispatcher's contract, across its kinds where the contract is shared. Threads meet on latches and barriers;
 * where a test must see a thread reach a state (parked, interrupted), it watches that state with a deadline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DispatcherTest
{
    private static final long WAIT_SECONDS = 10;

    private final AtomicInteger poolThreads = new AtomicInteger();
    private final ExecutorService pool = Executors.newFixedThreadPool(2, job -> {
        final Thread thread = new Thread(job, "user-pool-" + poolThreads.getAndIncrement());
        thread.setDaemon(true);
        return thread;
    });
    private final CountDownLatch release = new CountDownLatch(1);

    enum Kind
    {
        INLINE, ONE_WORKER, TWO_WORKERS, EXECUTOR;

        Dispatcher create(final ExecutorService pool)
        {
            switch (this)
            {
                case INLINE:
                    return new Dispatcher();
                case ONE_WORKER:
                    return Dispatcher.withWorkers(1);
                case TWO_WORKERS:
                    return Dispatcher.withWorkers(2);
                default:
                    return Dispatcher.of(pool);
            }
        }
    }

    @AfterEach
    void releaseAndShutDown() throws InterruptedException
    {
        release.countDown();
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    // ---------------------------------------------------------------- work sharing

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {2, 3, 4})
    void shouldRunHealthyJobsOnTheOtherWorkersWhileJobsHang(final int workers) throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.withWorkers(workers);
        final CountDownLatch hungEntered = new CountDownLatch(workers - 1);
        final CountDownLatch healthy = new CountDownLatch(100);
        try
        {
            for (int i = 0; i < workers - 1; i++)
            {
                dispatcher.execute(() -> {
                    hungEntered.countDown();
                    awaitRelease();
                });
            }
            assertTrue(hungEntered.await(WAIT_SECONDS, TimeUnit.SECONDS));
            for (int i = 0; i < 100; i++)
            {
                dispatcher.execute(healthy::countDown);
            }
            assertTrue(healthy.await(WAIT_SECONDS, TimeUnit.SECONDS),
                healthy.getCount() + " of 100 healthy jobs are stranded behind the hung one");
        }
        finally
        {
            release.countDown();
            dispatcher.close();
        }
    }

    // ---------------------------------------------------------------- interrupts

    @Test
    void shouldStartEachJobWithTheInterruptFlagClear() throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.withWorkers(1);
        final AtomicBoolean secondSawInterrupt = new AtomicBoolean(true);
        final CountDownLatch secondRan = new CountDownLatch(1);
        try
        {
            dispatcher.execute(() -> Thread.currentThread().interrupt());
            dispatcher.execute(() -> {
                secondSawInterrupt.set(Thread.currentThread().isInterrupted());
                secondRan.countDown();
            });
            assertTrue(secondRan.await(WAIT_SECONDS, TimeUnit.SECONDS));
            assertFalse(secondSawInterrupt.get(), "the second job started with the first job's interrupt set");
        }
        finally
        {
            dispatcher.close();
        }
    }

    @Test
    void shouldParkTheWorkerWithAClearFlagAfterAJobInterruptedItself() throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.withWorkers(1);
        final AtomicReference<Thread> worker = new AtomicReference<>();
        final CountDownLatch ran = new CountDownLatch(1);
        try
        {
            dispatcher.execute(() -> {
                worker.set(Thread.currentThread());
                Thread.currentThread().interrupt();
                ran.countDown();
            });
            assertTrue(ran.await(WAIT_SECONDS, TimeUnit.SECONDS));
            final Thread thread = worker.get();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            // watch the worker until it is idle: a flag left set would make every park return at once (a spin)
            while ((thread.isInterrupted() || thread.getState() != Thread.State.WAITING) &&
                System.nanoTime() - deadline < 0)
            {
                Thread.yield();
            }
            assertFalse(thread.isInterrupted(), "the idle worker kept the job's interrupt, so its park cannot block");
            assertEquals(Thread.State.WAITING, thread.getState());
        }
        finally
        {
            dispatcher.close();
        }
    }

    // ---------------------------------------------------------------- exceptions

    @Test
    void shouldReportAThrowingJobToTheWorkersHandlerAndGoOn() throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.withWorkers(1);
        final AtomicReference<Throwable> reported = new AtomicReference<>();
        final IllegalStateException boom = new IllegalStateException("boom");
        final CountDownLatch after = new CountDownLatch(1);
        try
        {
            dispatcher.execute(() -> Thread.currentThread().setUncaughtExceptionHandler((t, ex) -> reported.set(ex)));
            dispatcher.execute(() -> {
                throw boom;
            });
            dispatcher.execute(after::countDown);
            assertTrue(after.await(WAIT_SECONDS, TimeUnit.SECONDS), "the worker went on after the exception");
            assertSame(boom, reported.get());
        }
        finally
        {
            dispatcher.close();
        }
    }

    @Test
    void shouldKeepTheWorkerWhenItsExceptionHandlerThrows() throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.withWorkers(1);
        final CountDownLatch after = new CountDownLatch(1);
        try
        {
            dispatcher.execute(() -> Thread.currentThread().setUncaughtExceptionHandler((t, ex) -> {
                throw new IllegalStateException("handler failed too");
            }));
            dispatcher.execute(() -> {
                throw new IllegalStateException("boom");
            });
            dispatcher.execute(after::countDown);
            assertTrue(after.await(WAIT_SECONDS, TimeUnit.SECONDS), "the only worker survived its handler");
        }
        finally
        {
            dispatcher.close();
        }
    }

    // ---------------------------------------------------------------- close

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = "INLINE", mode = EnumSource.Mode.EXCLUDE)
    void shouldReturnFalseFromCloseWithinItsBoundWhileAJobHangs(final Kind kind) throws Exception
    {
        final Dispatcher dispatcher = kind.create(pool);
        final CountDownLatch entered = new CountDownLatch(1);
        dispatcher.execute(() -> {
            entered.countDown();
            awaitRelease();
        });
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS));

        final long start = System.nanoTime();
        assertFalse(dispatcher.close(Duration.ofMillis(200)));
        final long elapsed = System.nanoTime() - start;
        assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(200), "gave up early: " + elapsed + " ns");
        assertTrue(elapsed < TimeUnit.SECONDS.toNanos(WAIT_SECONDS), "overran its bound: " + elapsed + " ns");
        assertTrue(dispatcher.isClosed());
        assertFalse(dispatcher.close(Duration.ZERO), "a zero timeout only checks");
        assertFalse(dispatcher.close(Duration.ofSeconds(-1)), "a negative timeout only checks");

        release.countDown();
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)), "a second close waits on");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldReturnTrueFromCloseOnceEveryAcceptedJobRan(final Kind kind)
    {
        final Dispatcher dispatcher = kind.create(pool);
        final AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 1000; i++)
        {
            dispatcher.execute(ran::incrementAndGet);
        }
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
        assertEquals(1000, ran.get());
        assertTrue(dispatcher.close(Duration.ZERO), "idempotent");
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = "INLINE", mode = EnumSource.Mode.EXCLUDE)
    void shouldStopWaitingAndKeepTheFlagWhenInterruptedInClose(final Kind kind) throws Exception
    {
        final Dispatcher dispatcher = kind.create(pool);
        final CountDownLatch entered = new CountDownLatch(1);
        dispatcher.execute(() -> {
            entered.countDown();
            awaitRelease();
        });
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS));
        final AtomicReference<Boolean> closed = new AtomicReference<>();
        final AtomicBoolean keptFlag = new AtomicBoolean();
        final Thread closer = new Thread(() -> {
            closed.set(dispatcher.close(Duration.ofMinutes(10)));
            keptFlag.set(Thread.currentThread().isInterrupted());
        });
        closer.start();
        while (!dispatcher.isClosed()) // the closer is at, or about to start, its wait
        {
            Thread.onSpinWait();
        }
        closer.interrupt();
        closer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertFalse(closer.isAlive(), "close(10 minutes) ignored the interrupt");
        assertEquals(Boolean.FALSE, closed.get());
        assertTrue(keptFlag.get(), "the interrupt flag was swallowed");
        release.countDown();
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
    }

    @Test
    void shouldNotWaitInCloseWhenCalledWithTheFlagSetAndAJobHangs() throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.withWorkers(1);
        final CountDownLatch entered = new CountDownLatch(1);
        dispatcher.execute(() -> {
            entered.countDown();
            awaitRelease();
        });
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS));
        Thread.currentThread().interrupt();
        try
        {
            assertFalse(dispatcher.close(Duration.ofMinutes(10)));
            assertTrue(Thread.currentThread().isInterrupted());
        }
        finally
        {
            Thread.interrupted();
        }
        release.countDown();
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = "INLINE", mode = EnumSource.Mode.EXCLUDE)
    void shouldWaitThroughAnInterruptInCloseAndReassertIt(final Kind kind) throws Exception
    {
        final Dispatcher dispatcher = kind.create(pool);
        final AtomicBoolean jobDone = new AtomicBoolean();
        final AtomicBoolean doneWhenCloseReturned = new AtomicBoolean();
        final AtomicBoolean keptFlag = new AtomicBoolean();
        dispatcher.execute(() -> {
            awaitRelease();
            jobDone.set(true);
        });
        final Thread closer = new Thread(() -> {
            Thread.currentThread().interrupt();
            dispatcher.close();
            doneWhenCloseReturned.set(jobDone.get());
            keptFlag.set(Thread.currentThread().isInterrupted());
        });
        closer.start();
        while (!dispatcher.isClosed())
        {
            Thread.onSpinWait();
        }
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertFalse(closer.isAlive());
        assertTrue(doneWhenCloseReturned.get(), "close() returned before the job it accepted had run");
        assertTrue(keptFlag.get(), "close() did not re-assert the interrupt");
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = "INLINE", mode = EnumSource.Mode.EXCLUDE)
    void shouldRunTheRestAndReturnFalseWhenClosedFromItsOwnJob(final Kind kind) throws Exception
    {
        final Dispatcher dispatcher = kind.create(pool);
        final AtomicReference<Boolean> closedFromJob = new AtomicReference<>();
        final CountDownLatch go = new CountDownLatch(1);
        final CountDownLatch behind = new CountDownLatch(1);
        dispatcher.execute(() -> {
            awaitUninterruptibly(go);
            closedFromJob.set(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
        });
        dispatcher.execute(behind::countDown);
        go.countDown();
        assertTrue(behind.await(WAIT_SECONDS, TimeUnit.SECONDS), "the job accepted before close ran");
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
        assertEquals(Boolean.FALSE, closedFromJob.get(), "a job cannot see its own dispatcher finished");
        assertThrows(RejectedExecutionException.class, () -> dispatcher.execute(() -> {}));
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"TWO_WORKERS", "EXECUTOR"})
    void shouldNotDeadlockWhenTwoJobsCloseTheirDispatcherAtOnce(final Kind kind) throws Exception
    {
        final Dispatcher dispatcher = kind.create(pool);
        final CyclicBarrier bothRunning = new CyclicBarrier(2);
        final CountDownLatch bothClosed = new CountDownLatch(2);
        for (int i = 0; i < 2; i++)
        {
            dispatcher.execute(() -> {
                try
                {
                    bothRunning.await(WAIT_SECONDS, TimeUnit.SECONDS);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
                dispatcher.close(); // each waits for the other job, which is itself waiting in close
                bothClosed.countDown();
            });
        }
        assertTrue(bothClosed.await(WAIT_SECONDS, TimeUnit.SECONDS), "the two closing jobs waited for each other");
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"ONE_WORKER", "TWO_WORKERS", "EXECUTOR"})
    void shouldRunEveryAcceptedJobWhenCloseRacesWithAProducer(final Kind kind) throws Exception
    {
        for (int round = 0; round < 100; round++)
        {
            final Dispatcher dispatcher = kind.create(pool);
            final AtomicInteger ran = new AtomicInteger();
            final AtomicInteger accepted = new AtomicInteger();
            final Thread producer = new Thread(() -> {
                try
                {
                    while (true)
                    {
                        dispatcher.execute(ran::incrementAndGet);
                        accepted.incrementAndGet();
                    }
                }
                catch (final RejectedExecutionException expected)
                {
                    // closed: every job accepted before this must still run
                }
            });
            producer.start();
            while (accepted.get() < 10)
            {
                Thread.onSpinWait();
            }
            assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
            producer.join();
            assertEquals(accepted.get(), ran.get(), "round " + round + ": an accepted job was stranded");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldRejectJobsAfterClose(final Kind kind)
    {
        final Dispatcher dispatcher = kind.create(pool);
        assertFalse(dispatcher.isClosed());
        dispatcher.close();
        assertTrue(dispatcher.isClosed());
        assertThrows(RejectedExecutionException.class, () -> dispatcher.execute(() -> {}));
        dispatcher.close(); // idempotent
        assertThrows(NullPointerException.class, () -> dispatcher.execute(null));
    }

    // ---------------------------------------------------------------- many producers

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldRunEveryJobExactlyOnceFromManyProducers(final Kind kind) throws Exception
    {
        final int producers = 4;
        final int jobsEach = 5_000;
        final Dispatcher dispatcher = kind.create(pool);
        final AtomicIntegerArray runs = new AtomicIntegerArray(producers * jobsEach);
        final CountDownLatch allRan = new CountDownLatch(producers * jobsEach);
        final CyclicBarrier start = new CyclicBarrier(producers);
        final Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++)
        {
            final int first = p * jobsEach;
            threads[p] = new Thread(() -> {
                try
                {
                    start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
                for (int i = first; i < first + jobsEach; i++)
                {
                    final int slot = i;
                    dispatcher.execute(() -> {
                        runs.incrementAndGet(slot);
                        allRan.countDown();
                    });
                }
            });
            threads[p].start();
        }
        assertTrue(allRan.await(WAIT_SECONDS, TimeUnit.SECONDS), allRan.getCount() + " jobs never ran");
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
        for (int i = 0; i < runs.length(); i++)
        {
            assertEquals(1, runs.get(i), "job " + i);
        }
    }

    // ---------------------------------------------------------------- kinds

    @Test
    void shouldRunInlineJobsOnTheCallingThread()
    {
        final Dispatcher dispatcher = new Dispatcher();
        assertTrue(dispatcher.isInline());
        assertEquals(0, dispatcher.workerCount());
        final AtomicReference<Thread> ranOn = new AtomicReference<>();
        dispatcher.execute(() -> ranOn.set(Thread.currentThread()));
        assertSame(Thread.currentThread(), ranOn.get());
        assertThrows(IllegalStateException.class, () -> dispatcher.execute(() -> {
            throw new IllegalStateException("propagates to the caller");
        }));
        assertTrue(dispatcher.close(Duration.ZERO));
    }

    @Test
    void shouldRunJobsOnNamedDaemonWorkers() throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.withWorkers(3);
        assertFalse(dispatcher.isInline());
        assertEquals(3, dispatcher.workerCount());
        final AtomicReference<Thread> ranOn = new AtomicReference<>();
        final CountDownLatch ran = new CountDownLatch(1);
        dispatcher.execute(() -> {
            ranOn.set(Thread.currentThread());
            ran.countDown();
        });
        assertTrue(ran.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(ranOn.get().getName().startsWith("orchestrator-worker-"), ranOn.get().getName());
        assertTrue(ranOn.get().isDaemon());
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
        ranOn.get().join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertFalse(ranOn.get().isAlive(), "the worker thread ended after close");
    }

    @Test
    void shouldRefuseFewerThanOneWorker()
    {
        assertThrows(IllegalArgumentException.class, () -> Dispatcher.withWorkers(0));
        assertThrows(NullPointerException.class, () -> Dispatcher.of(null));
    }

    @Test
    void shouldRunJobsOnTheGivenExecutor() throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.of(pool);
        assertFalse(dispatcher.isInline());
        assertEquals(0, dispatcher.workerCount());
        final Set<String> threadNames = ConcurrentHashMap.newKeySet();
        final CountDownLatch ran = new CountDownLatch(100);
        for (int i = 0; i < 100; i++)
        {
            dispatcher.execute(() -> {
                threadNames.add(Thread.currentThread().getName());
                ran.countDown();
            });
        }
        assertTrue(ran.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(threadNames.stream().allMatch(name -> name.startsWith("user-pool-")), threadNames.toString());
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
    }

    @Test
    void shouldWaitForHandedOverJobsButLeaveTheExecutorRunning() throws Exception
    {
        final Dispatcher dispatcher = Dispatcher.of(pool);
        final CountDownLatch entered = new CountDownLatch(1);
        final AtomicBoolean jobDone = new AtomicBoolean();
        dispatcher.execute(() -> {
            entered.countDown();
            awaitRelease();
            jobDone.set(true);
        });
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertFalse(dispatcher.close(Duration.ofMillis(50)), "the handed-over job is still running");
        release.countDown();
        assertTrue(dispatcher.close(Duration.ofSeconds(WAIT_SECONDS)));
        assertTrue(jobDone.get(), "close returned only after the job finished");
        assertFalse(pool.isShutdown(), "the caller's executor is the caller's to shut down");
        assertEquals("still running", pool.submit(() -> "still running").get(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void shouldPassOnAnExecutorsRefusalAndNotWaitForTheRefusedJob()
    {
        final Dispatcher refusing = Dispatcher.of(job -> {
            throw new RejectedExecutionException("full");
        });
        assertEquals("full", assertThrows(RejectedExecutionException.class, () -> refusing.execute(() -> {}))
            .getMessage());
        assertTrue(refusing.close(Duration.ZERO), "a refused job is not in flight");

        final IllegalStateException cause = new IllegalStateException("broken");
        final Dispatcher broken = Dispatcher.of(job -> {
            throw cause;
        });
        assertSame(cause, assertThrows(RejectedExecutionException.class, () -> broken.execute(() -> {})).getCause());
        assertTrue(broken.close(Duration.ZERO));
    }

    @Test
    void shouldPassOnWhatAJobThrowsOnAnExecutorThatRunsItOnTheCaller()
    {
        final Dispatcher direct = Dispatcher.of(Runnable::run);
        final IllegalStateException boom = new IllegalStateException("boom");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> direct.execute(() -> {
            throw boom;
        })));
        assertTrue(direct.close(Duration.ZERO), "the job that threw is counted as finished, once");
    }

    @Test
    void shouldCountNestedJobsOfACallerRunningExecutorWhenClosedFromTheInnerOne()
    {
        final Dispatcher direct = Dispatcher.of(Runnable::run);
        final AtomicReference<Boolean> closedFromInner = new AtomicReference<>();
        final long start = System.nanoTime();
        direct.execute(() -> direct.execute(() -> closedFromInner.set(direct.close(Duration.ofSeconds(WAIT_SECONDS)))));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(WAIT_SECONDS / 2),
            "the inner close waited for the outer job, which runs on its own thread");
        assertEquals(Boolean.FALSE, closedFromInner.get(), "both jobs on this thread were still running");
        assertTrue(direct.close(Duration.ZERO));
    }

    private void awaitRelease()
    {
        awaitUninterruptibly(release);
    }

}
