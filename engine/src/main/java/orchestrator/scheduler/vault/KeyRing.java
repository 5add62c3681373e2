package orchestrator.scheduler.vault;

/**
 * Immutable and thread safe: a snapshot of which key seals new records and which keys (and whether plain records) may
 * be opened. A vault replaces its ring as a whole, so a reader sees one consistent snapshot.
 */
final class KeyRing
{
    /** Seals new records; {@code null} in test (plain) mode. */
    final VaultKey sealKey;
    /** Every key that may open records, including {@link #sealKey}. Small: one, or a few during a rotation. */
    final VaultKey[] openKeys;
    /** Whether plain records may be opened: in test mode, and while converting from test mode to production mode. */
    final boolean acceptPlain;

    KeyRing(final VaultKey sealKey, final VaultKey[] openKeys, final boolean acceptPlain)
    {
        this.sealKey = sealKey;
        this.openKeys = openKeys;
        this.acceptPlain = acceptPlain;
    }

    VaultKey lookup(final int keyId)
    {
        for (final VaultKey key : openKeys)
        {
            if (key.id == keyId)
            {
                return key;
            }
        }
        return null;
    }

    boolean isRotating()
    {
        return openKeys.length > (sealKey == null ? 0 : 1) || (sealKey != null && acceptPlain);
    }
}
