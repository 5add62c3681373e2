package orchestrator.scheduler;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.Supplier;

/**
 * Thread safe as the supplier it is given: clocks for tests that make a clock fail or stall.
 */
final class TestClocks
{
    private TestClocks()
    {
    }

    /**
     * @return a UTC clock whose every read asks {@code now}, which may throw.
     */
    static Clock utc(final Supplier<Instant> now)
    {
        return new Clock()
        {
            @Override
            public Instant instant()
            {
                return now.get();
            }

            @Override
            public ZoneId getZone()
            {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(final ZoneId zone)
            {
                return this;
            }
        };
    }
}
