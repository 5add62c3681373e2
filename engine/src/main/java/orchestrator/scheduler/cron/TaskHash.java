package orchestrator.scheduler.cron;

/**
 * Stateless, safe from any thread: the hash that binds Jenkins-style {@code H} fields to a task name.
 */
final class TaskHash
{
    /* The hash must give the same values on every JVM and every run, so it is defined here rather than taken from
     * an implementation: FNV-1a (64 bit) over the UTF-16 code units of the name, low byte then high byte, then
     * each H atom gets its own value by mixing in the field ordinal and the atom's position with the SplitMix64
     * finaliser. Values are picked as lo + (hash mod width), unsigned. Changing any of this moves every H task. */

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private TaskHash()
    {
    }

    /** @return FNV-1a 64 of the name's UTF-16 code units. */
    static long of(final String taskName)
    {
        long h = FNV_OFFSET;
        for (int i = 0, n = taskName.length(); i < n; i++)
        {
            final char c = taskName.charAt(i);
            h = (h ^ (c & 0xFF)) * FNV_PRIME;
            h = (h ^ (c >>> 8)) * FNV_PRIME;
        }
        return h;
    }

    /** @return the value for one H atom: the task hash mixed with the field and the atom position. */
    static long forAtom(final long taskHash, final int fieldOrdinal, final int atomIndex)
    {
        return mix(taskHash + GOLDEN * (fieldOrdinal * 16L + atomIndex + 1));
    }

    private static long mix(final long seed)
    {
        long z = seed;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
