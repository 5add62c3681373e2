package orchestrator.scheduler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Thread safe: any thread may read, advance or set the time. A virtual clock for tests: time stands still until
 * {@link #advance(Duration)} or {@link #set(Instant)} moves it, so a test drives a scheduler through days of
 * fires in milliseconds and without sleeping.
 * <p>
 * A scheduler whose driver thread ({@link Scheduler#start()}) runs on a {@code ManualClock} is woken each time the
 * clock moves, and runs what became due.
 */
public final class ManualClock extends Clock
{
    private final ZoneId zone;
    private final Shared shared;

    /**
     * Creates a clock in UTC.
     *
     * @param start the initial time.
     */
    public ManualClock(final Instant start)
    {
        this(start, ZoneOffset.UTC);
    }

    /**
     * Creates a clock in the given zone.
     *
     * @param start the initial time.
     * @param zone  the zone the clock reports.
     */
    public ManualClock(final Instant start, final ZoneId zone)
    {
        this(new Shared(Objects.requireNonNull(start, "start")), zone);
    }

    private ManualClock(final Shared shared, final ZoneId zone)
    {
        this.shared = shared;
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    /**
     * Moves the time forward (or back, for a negative duration).
     *
     * @param duration how far to move.
     */
    public void advance(final Duration duration)
    {
        Objects.requireNonNull(duration, "duration");
        synchronized (shared)
        {
            shared.now = shared.now.plus(duration);
        }
        notifyListeners();
    }

    /**
     * Sets the time, forward or back, as a wall clock step would.
     *
     * @param instant the new time.
     */
    public void set(final Instant instant)
    {
        Objects.requireNonNull(instant, "instant");
        synchronized (shared)
        {
            shared.now = instant;
        }
        notifyListeners();
    }

    @Override
    public Instant instant()
    {
        return shared.now;
    }

    @Override
    public long millis()
    {
        return shared.now.toEpochMilli();
    }

    @Override
    public ZoneId getZone()
    {
        return zone;
    }

    /**
     * Returns a view of this clock in another zone; it shares this clock's time and listeners.
     */
    @Override
    public ManualClock withZone(final ZoneId zone)
    {
        return new ManualClock(shared, zone);
    }

    void addListener(final Runnable listener)
    {
        shared.listeners.add(listener);
    }

    void removeListener(final Runnable listener)
    {
        shared.listeners.remove(listener);
    }

    private void notifyListeners()
    {
        for (final Runnable listener : shared.listeners)
        {
            listener.run();
        }
    }

    @Override
    public String toString()
    {
        return "ManualClock[" + shared.now + "," + zone + "]";
    }

    private static final class Shared
    {
        final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
        volatile Instant now;

        Shared(final Instant now)
        {
            this.now = now;
        }
    }
}
