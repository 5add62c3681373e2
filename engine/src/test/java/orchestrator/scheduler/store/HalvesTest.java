package orchestrator.scheduler.store;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HalvesTest
{
    private static final Path FILE = Path.of("snapshot.dat");

    @Test
    void shouldRunEveryIndexOnceOverBothHalves()
    {
        final int count = Halves.PARALLEL_TASKS * 2 + 3;
        final AtomicIntegerArray runs = new AtomicIntegerArray(count);
        Halves.run(FILE, count, (from, to) ->
        {
            for (int i = from; i < to; i++)
            {
                runs.incrementAndGet(i);
            }
        });
        for (int i = 0; i < count; i++)
        {
            assertEquals(1, runs.get(i), "index " + i);
        }
    }

    @Test
    void shouldThrowTheSecondHalfsRuntimeException()
    {
        final IllegalStateException thrown = new IllegalStateException("damaged");
        assertSame(thrown, assertThrows(IllegalStateException.class, () -> Halves.run(FILE, Halves.PARALLEL_TASKS * 2,
            (from, to) -> failIn(from, thrown))));
    }

    /** An error on the second thread (an assertion, a stack overflow on a deep record) fails the open too. */
    @Test
    void shouldThrowTheSecondHalfsError()
    {
        final StackOverflowError thrown = new StackOverflowError("deep record");
        assertSame(thrown, assertThrows(StackOverflowError.class, () -> Halves.run(FILE, Halves.PARALLEL_TASKS * 2,
            (from, to) -> failIn(from, thrown))));
    }

    @Test
    void shouldThrowTheFirstHalfsFailureBeforeTheSecondsOne()
    {
        final IllegalStateException first = new IllegalStateException("at a lower offset");
        assertSame(first, assertThrows(IllegalStateException.class, () -> Halves.run(FILE, Halves.PARALLEL_TASKS * 2,
            (from, to) ->
            {
                throw from == 0 ? first : new IllegalStateException("at a higher offset");
            })));
    }

    private static void failIn(final int from, final RuntimeException thrown)
    {
        if (from > 0)
        {
            throw thrown;
        }
    }

    private static void failIn(final int from, final Error thrown)
    {
        if (from > 0)
        {
            throw thrown;
        }
    }
}
