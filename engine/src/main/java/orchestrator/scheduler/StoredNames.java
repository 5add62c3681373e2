package orchestrator.scheduler;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Stateless, so thread safe: the checks of names that a durable or shared store keeps. Its records hold names in UTF-8,
 * which has no form for an unpaired surrogate: stored as "?", a name would come back as another after a restart (the
 * task's counters would start afresh under its own name, and its row wait under the other). A shared store's rows
 * are keyed by task name and node id in PostgreSQL, whose text has no NUL and whose btree keys are bounded.
 */
final class StoredNames
{
    /**
     * The longest task name or node id a cluster stores, in UTF-8 bytes: the name is the primary key of its table, and
     * a PostgreSQL btree key holds at most 2,704 bytes (about 2,688 of text), so 1,024 characters of 3 bytes do not
     * fit.
     */
    static final int MAX_KEY_BYTES = 2048;

    private StoredNames()
    {
    }

    /**
     * @param what "task name" or "handler name", for the message.
     * @throws IllegalArgumentException when {@code name} holds an unpaired surrogate, naming it and its index.
     */
    static void requireWellFormed(final String what, final String name)
    {
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                throw new IllegalArgumentException(what + " has an unpaired surrogate (\\u" +
                    Integer.toHexString(c).toUpperCase(Locale.ROOT) + ") at index " + i + ": the task store keeps " +
                    "names in UTF-8, which cannot hold it");
            }
        }
    }

    /**
     * Checks that a task name or node id can key a row of the shared tables: no NUL character, no unpaired
     * surrogate, at most {@link #MAX_KEY_BYTES} bytes in UTF-8.
     *
     * @param what "task name" or "node id", for the message.
     * @throws IllegalArgumentException when it cannot (the message says why and where, never the key itself).
     */
    static void requireClusterKey(final String what, final String key)
    {
        final int nul = key.indexOf('\0');
        if (nul >= 0)
        {
            throw new IllegalArgumentException(what + " has a NUL character at index " + nul +
                ", which PostgreSQL's text cannot hold");
        }
        requireWellFormed(what, key);
        final int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES)
        {
            throw new IllegalArgumentException(what + " is " + bytes + " bytes long in UTF-8, over the cluster's " +
                "limit of " + MAX_KEY_BYTES + " bytes (the key of its row in PostgreSQL)");
        }
    }
}
