package orchestrator.scheduler.vault;

/**
 * Immutable and thread safe: a snapshot of which key seals new records, which keys (and whether plain records) may
 * be opened, and which retired keys may still hold pins. A vault replaces its ring as a whole, so a reader sees one
 * consistent snapshot.
 */
final class KeyRing
{
    static final VaultKey[] NO_KEYS = new VaultKey[0];

    /** Seals new records; {@code null} in test (plain) mode and once closed. */
    final VaultKey sealKey;
    /** Every key that may open records, including {@link #sealKey}. Small: one, or two during a rotation. */
    final VaultKey[] openKeys;
    /** Whether plain records may be opened: in test mode, and while converting from test mode to production mode. */
    final boolean acceptPlain;
    /** Retired keys not yet wiped: they may hold pins taken before they retired, so pin tokens are looked up here. */
    final VaultKey[] retiredKeys;
    final boolean closed;

    KeyRing(
        final VaultKey sealKey, final VaultKey[] openKeys, final boolean acceptPlain, final VaultKey[] retiredKeys,
        final boolean closed)
    {
        this.sealKey = sealKey;
        this.openKeys = openKeys;
        this.acceptPlain = acceptPlain;
        this.retiredKeys = retiredKeys;
        this.closed = closed;
    }

    /** The key with this id that may open records, or {@code null}. */
    VaultKey lookup(final int keyId)
    {
        return find(openKeys, keyId);
    }

    /** The key with this id that may hold a pin (open or retired and not wiped), or {@code null}. */
    VaultKey pinnable(final int keyId)
    {
        final VaultKey key = find(openKeys, keyId);
        return key != null ? key : find(retiredKeys, keyId);
    }

    boolean isRotating()
    {
        return openKeys.length > (sealKey == null ? 0 : 1) || (sealKey != null && acceptPlain);
    }

    private static VaultKey find(final VaultKey[] keys, final int keyId)
    {
        for (final VaultKey key : keys)
        {
            if (key.id == keyId)
            {
                return key;
            }
        }
        return null;
    }
}
