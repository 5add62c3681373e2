package orchestrator.scheduler;

import orchestrator.scheduler.vault.KeyProvider;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static orchestrator.scheduler.StressFixtures.FIRST_FIRE;
import static orchestrator.scheduler.StressFixtures.START;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Shared by two actor threads at once, then read by an arbiter alone (jcstress's protocol for a state).
 * <p>
 * In production mode, one thread rotates the key while another runs a due handler task, which opens its sealed
 * record: the record opens, with its own payload, whether it was collected before the rotation (and so its fire holds
 * a pin on the old key) or after it (and so was re-sealed under the new key); a second task, due later, opens under
 * the new key.
 * <p>
 * What could go wrong: a rotation re-seals every stored record, a chunk of tasks per lock hold, and retires the old
 * key. If it wiped the old key while a collected fire still held a pin on it, or swapped a record between the pin and
 * the open, the handler would get an open failure (the task FAILED) or another record's bytes; if the re-seal skipped
 * a record, the later task could no longer be opened.
 * <p>
 * Outcome: (handlers started by the running thread, or -1 if it threw; the rotation: 1, or -1 if it threw; handler
 * runs that received their own payload, after the arbiter also ran the later task; failures in {@code tasks()} plus
 * handler runs that received wrong bytes).
 */
@JCStressTest
@Outcome(id = "1, 1, 2, 0", expect = ACCEPTABLE, desc = "Both records opened with their own payload, before or after the rotation.")
@Outcome(id = "1, 1, 1, .*", expect = FORBIDDEN, desc = "One record did not open or opened to wrong bytes across the rotation.")
@Outcome(id = "0, 1, 1, .*", expect = FORBIDDEN, desc = "The due task was not run: its fire was lost around the rotation.")
@Outcome(expect = FORBIDDEN, desc = "Any other result: no record opened, a run failed, or a call threw (-1).")
@State
public class KeyRotationVersusOpen
{
    private static final byte[] OLD_KEY = key(1);
    private static final byte[] NEW_KEY = key(2);
    private static final byte[] NOW_PAYLOAD = "due now".getBytes(StandardCharsets.UTF_8);
    private static final byte[] LATER_PAYLOAD = "due one second later".getBytes(StandardCharsets.UTF_8);

    private final ManualClock clock = new ManualClock(START);
    private final Scheduler scheduler = Scheduler.builder().clock(clock).zone(ZoneOffset.UTC)
        .keyProvider(KeyProvider.ofBytes(OLD_KEY)).build();
    private final AtomicInteger good = new AtomicInteger();
    private final AtomicInteger wrong = new AtomicInteger();

    public KeyRotationVersusOpen()
    {
        scheduler.registerHandler("check", this::check);
        scheduler.registerOnce("now", START, "check", NOW_PAYLOAD);
        scheduler.registerOnce("later", FIRST_FIRE, "check", LATER_PAYLOAD);
    }

    private static byte[] key(final int seed)
    {
        final byte[] key = new byte[KeyProvider.KEY_LENGTH];
        Arrays.fill(key, (byte)seed);
        return key;
    }

    private void check(final byte[] payload)
    {
        if (Arrays.equals(payload, NOW_PAYLOAD) || Arrays.equals(payload, LATER_PAYLOAD))
        {
            good.incrementAndGet();
        }
        else
        {
            wrong.incrementAndGet();
        }
    }

    @Actor
    public void runner(final IIII_Result r)
    {
        r.r1 = StressFixtures.runPending(scheduler);
    }

    @Actor
    public void rotator(final IIII_Result r)
    {
        try
        {
            scheduler.rotateKey(KeyProvider.ofBytes(NEW_KEY));
            r.r2 = 1;
        }
        catch (final RuntimeException ex)
        {
            r.r2 = StressFixtures.THREW;
        }
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        clock.advance(Duration.ofSeconds(1));
        StressFixtures.runPending(scheduler);
        r.r3 = good.get();
        long failures = wrong.get();
        for (final TaskInfo info : scheduler.tasks())
        {
            failures += info.failures() + (info.state() == TaskState.COMPLETED ? 0 : 1);
        }
        r.r4 = (int)failures;
    }
}
