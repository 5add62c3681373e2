package orchestrator.scheduler;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import org.HdrHistogram.Histogram;

/**
 * Thread safe (a lock; its figures are written only by the thread that holds it): a {@link ReentrantLock} that times
 * every hold, from the {@link #lock()} that takes it to the {@link #unlock()} that releases it (nested holds count
 * once), with {@link System#nanoTime()}, and keeps per phase a histogram, the longest hold and the code that made it,
 * the longest hold per thread, and, for a phase that asks for it, every hold's length in the order the holds ended
 * (so that repeated runs can be compared hold by hold). Given to a scheduler through
 * {@code Scheduler.Builder.registryLock}.
 * <p>
 * Each hold is also timed in the holder's CPU time ({@link ThreadMXBean#getCurrentThreadCpuTime()}): a hold during
 * which the thread was descheduled by the guest's kernel or stopped for a GC pause lasts longer on the wall clock
 * than on the CPU. The wall-clock figure is what a thread waiting for the lock sees. On a virtual machine the CPU
 * figure still counts the time the host took the virtual CPU away (a thread that only reads the clock sees gaps of
 * milliseconds in which its CPU time advances as much: {@link LockHoldMain}'s stall probe), so neither figure alone
 * is the engine's work; the per-hold minimum over repeated runs is.
 * <p>
 * Caveats: only {@code lock()} and {@code unlock()} are timed, which is all the engine calls. Reading the CPU time
 * costs about a microsecond, which lengthens every hold a little. Capturing the stack of a new longest hold
 * lengthens that hold after it has been measured.
 */
final class HoldTimingLock extends ReentrantLock
{
    private static final long MAX_NS = 60_000_000_000L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int STACK_FRAMES = 6;

    /**
     * NOT thread safe: written under the lock, read once the measured work is over. The holds of one phase.
     */
    static final class Phase
    {
        final String name;
        final Histogram histogram = new Histogram(MAX_NS, 3);
        final Map<String, Long> longestByThread = new LinkedHashMap<>();
        long longest;
        String longestAt = "";
        long longestOnCpu;
        String longestOnCpuAt = "";
        long[] holds;                  // every hold's wall-clock length in ns, in the order they ended, if kept
        int count;

        Phase(final String name, final int expectedHolds)
        {
            this.name = name;
            holds = expectedHolds > 0 ? new long[expectedHolds] : null;
        }
    }

    private volatile Phase phase = new Phase("none", 0);
    private long acquiredAt;    // written by the holder
    private long acquiredAtCpu; // written by the holder

    /**
     * Starts a new phase: the holds that begin after this call are recorded in it.
     *
     * @param name the phase's name.
     * @return the phase, to be read once its work is over.
     */
    Phase phase(final String name)
    {
        return phase(name, 0);
    }

    /**
     * As {@link #phase(String)}, keeping every hold's length ({@link Phase#holds}).
     *
     * @param expectedHolds room made ahead for the holds, so that the array rarely grows inside one.
     */
    Phase phase(final String name, final int expectedHolds)
    {
        final Phase next = new Phase(name, expectedHolds);
        phase = next;
        return next;
    }

    @Override
    public void lock()
    {
        super.lock();
        if (getHoldCount() == 1)
        {
            acquiredAtCpu = THREADS.getCurrentThreadCpuTime();
            acquiredAt = System.nanoTime();
        }
    }

    @Override
    public void unlock()
    {
        if (isHeldByCurrentThread() && getHoldCount() == 1)
        {
            final long heldNs = System.nanoTime() - acquiredAt;
            record(heldNs, THREADS.getCurrentThreadCpuTime() - acquiredAtCpu);
        }
        super.unlock();
    }

    private void record(final long heldNs, final long onCpuNs) // lock held
    {
        final Phase current = phase;
        current.histogram.recordValue(Math.min(heldNs, MAX_NS));
        if (current.holds != null)
        {
            if (current.count == current.holds.length)
            {
                current.holds = Arrays.copyOf(current.holds, current.count * 2); // inside a hold: size it ahead
            }
            current.holds[current.count++] = heldNs;
        }
        final String thread = Thread.currentThread().getName();
        final Long longest = current.longestByThread.get(thread);
        if (longest == null || heldNs > longest)
        {
            current.longestByThread.put(thread, heldNs);
        }
        if (heldNs > current.longest)
        {
            current.longest = heldNs;
            current.longestAt = caller();
        }
        if (onCpuNs > current.longestOnCpu)
        {
            current.longestOnCpu = onCpuNs;
            current.longestOnCpuAt = caller();
        }
    }

    /**
     * @return the engine frames that released the lock, innermost first, outside this class.
     */
    private static String caller()
    {
        final StringBuilder frames = new StringBuilder();
        int kept = 0;
        for (final StackTraceElement frame : new Throwable().getStackTrace())
        {
            if (frame.getClassName().equals(HoldTimingLock.class.getName()))
            {
                continue;
            }
            if (kept++ == STACK_FRAMES)
            {
                break;
            }
            final String cls = frame.getClassName();
            frames.append(kept == 1 ? "" : " < ").append(cls.substring(cls.lastIndexOf('.') + 1)).append('.')
                .append(frame.getMethodName()).append(':').append(frame.getLineNumber());
        }
        return frames.toString();
    }
}
