package orchestrator.scheduler.cron;

import java.time.ZoneId;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Thread safe: a bounded cache of parsed schedules keyed by (expression, dialect, zone, policy), so that
 * registering many tasks with the same few expressions parses each expression once.
 * <p>
 * Caveats: bounded by memory through its two limits: at most {@link #MAX_ENTRIES} entries, each holding an
 * expression of at most {@link CronSchedule#MAX_EXPRESSION_LENGTH} characters (checked before the cache is asked),
 * so the expressions it keeps total at most 4 Mi characters.
 */
final class ScheduleCache
{
    /* A ConcurrentHashMap bounded by evicting an arbitrary entry when full. Parsing the same expression twice
     * under a race is harmless (both results are equal and immutable), so no per-key locking is needed. Invalid
     * expressions throw and are never cached. */

    static final int MAX_ENTRIES = 4096;

    private final ConcurrentHashMap<Key, CronSchedule> map = new ConcurrentHashMap<>();

    private record Key(String expression, CronDialect dialect, ZoneId zone, DstPolicy policy)
    {
    }

    CronSchedule get(final String expression, final CronDialect dialect, final ZoneId zone, final DstPolicy policy)
    {
        final Key key = new Key(expression, dialect, zone, policy);
        final CronSchedule cached = map.get(key);
        if (cached != null)
        {
            return cached;
        }
        final CronSchedule parsed = CronSchedule.parseUncached(expression, dialect, zone, policy);
        if (map.size() >= MAX_ENTRIES)
        {
            final Iterator<Key> it = map.keySet().iterator();
            if (it.hasNext())
            {
                map.remove(it.next());
            }
        }
        final CronSchedule raced = map.putIfAbsent(key, parsed);
        return raced != null ? raced : parsed;
    }

    int size()
    {
        return map.size();
    }

    void clear()
    {
        map.clear();
    }
}
