package orchestrator.scheduler.vault;

import java.util.Arrays;

import static orchestrator.scheduler.vault.KeyRing.NO_KEYS;

/**
 * Thread safe: the key ring of one {@link CallbackVault} and every change to it. Readers take the current
 * {@link KeyRing} with one volatile read; the changes ({@code begin...}, {@link #finishRotation}, {@link #close}) are
 * serialised by one lock and each publishes a new ring.
 */
final class KeyRotation
{
    /*
     * One rotation or mode switch at a time: a begin while another is in progress is refused, so "the production key"
     * is always the sealing key of the last completed change to production mode.
     *
     * Returning from test mode. beginPlainMode() copies the sealing key's bytes into productionKey before that key is
     * retired; beginSealedMode() installs a new key (a new id) from a copy of them. So the vault returns to the key of
     * the last completed rotation, never to the KeyProvider it was built with (which may have been destroyed, or
     * rotated away from). The copy is kept only while the vault is not sealing under it: the finishRotation() that
     * completes a return to production mode wipes it, and so does close().
     *
     * Retired keys. finishRotation() retires every key but the sealing key; a retired key stays in the ring's
     * retiredKeys until it is wiped (its last pin released), so a pin token can still find it. Every new ring drops
     * the keys wiped by then.
     */
    private final Aead aead;
    private final Object lock = new Object();
    private volatile KeyRing ring; // replaced whole under lock
    private int nextKeyId = 1; // guarded by lock
    private byte[] productionKey; // guarded by lock; the latest production key while in test mode, else null

    /** A ring sealing under {@code initial} with id {@code firstKeyId}, or plain records if it is {@code null}. */
    KeyRotation(final Aead aead, final KeyProvider initial, final int firstKeyId)
    {
        this.aead = aead;
        synchronized (lock)
        {
            nextKeyId = firstKeyId;
            if (initial == null)
            {
                ring = new KeyRing(null, NO_KEYS, true, NO_KEYS, false);
            }
            else
            {
                final VaultKey key = install(initial.copyKey());
                ring = new KeyRing(key, new VaultKey[] {key}, false, NO_KEYS, false);
            }
        }
    }

    /** The current ring. */
    KeyRing ring()
    {
        return ring;
    }

    /** See {@link CallbackVault#beginRotation}. */
    void beginRotation(final KeyProvider next)
    {
        synchronized (lock)
        {
            final KeyRing current = requireIdle();
            final VaultKey key = install(next.copyKey());
            // publishes the new key before any seal can use it
            ring = new KeyRing(key, append(current.openKeys, key), current.acceptPlain, live(current.retiredKeys),
                false);
        }
    }

    /** See {@link CallbackVault#beginPlainMode}. */
    void beginPlainMode()
    {
        synchronized (lock)
        {
            final KeyRing current = requireIdle();
            if (current.sealKey == null)
            {
                return;
            }
            wipeProductionKey();
            productionKey = current.sealKey.copyKey(); // the seal key of an idle ring is live: not wiped
            ring = new KeyRing(null, current.openKeys, true, live(current.retiredKeys), false);
        }
    }

    /** See {@link CallbackVault#beginSealedMode}. */
    void beginSealedMode()
    {
        synchronized (lock)
        {
            final KeyRing current = requireIdle();
            if (current.sealKey != null)
            {
                return;
            }
            if (productionKey == null)
            {
                throw new IllegalStateException(
                    "this vault has never sealed under a production key: switch with beginRotation(KeyProvider)");
            }
            final VaultKey key = install(productionKey.clone());
            ring = new KeyRing(key, append(current.openKeys, key), true, live(current.retiredKeys), false);
        }
    }

    /** See {@link CallbackVault#finishRotation}. */
    void finishRotation()
    {
        synchronized (lock)
        {
            final KeyRing current = requireOpen();
            if (!current.isRotating())
            {
                return;
            }
            final VaultKey keep = current.sealKey;
            VaultKey[] retired = live(current.retiredKeys);
            for (final VaultKey key : current.openKeys)
            {
                if (key != keep)
                {
                    key.retire();
                    if (!key.isWiped())
                    {
                        retired = append(retired, key);
                    }
                }
            }
            if (keep == null)
            {
                ring = new KeyRing(null, NO_KEYS, true, retired, false);
            }
            else
            {
                ring = new KeyRing(keep, new VaultKey[] {keep}, false, retired, false);
                wipeProductionKey(); // back in production mode: the sealing key holds the bytes
            }
        }
    }

    /** See {@link CallbackVault#close}. */
    void close()
    {
        synchronized (lock)
        {
            final KeyRing current = ring;
            VaultKey[] retired = live(current.retiredKeys);
            for (final VaultKey key : current.openKeys)
            {
                key.retire();
                if (!key.isWiped())
                {
                    retired = append(retired, key);
                }
            }
            ring = new KeyRing(null, NO_KEYS, false, retired, true);
            wipeProductionKey();
        }
    }

    private KeyRing requireOpen()
    {
        final KeyRing current = ring;
        if (current.closed)
        {
            throw new IllegalStateException("vault is closed");
        }
        return current;
    }

    private KeyRing requireIdle()
    {
        final KeyRing current = requireOpen();
        if (current.isRotating())
        {
            throw new IllegalStateException("a rotation or mode switch is in progress: finish it first");
        }
        return current;
    }

    private VaultKey install(final byte[] keyBytes)
    {
        return new VaultKey(nextKeyId++, aead, keyBytes);
    }

    private void wipeProductionKey()
    {
        if (productionKey != null)
        {
            Arrays.fill(productionKey, (byte)0);
            productionKey = null;
        }
    }

    private static VaultKey[] append(final VaultKey[] keys, final VaultKey key)
    {
        final VaultKey[] out = Arrays.copyOf(keys, keys.length + 1);
        out[keys.length] = key;
        return out;
    }

    /** The keys not yet wiped. */
    private static VaultKey[] live(final VaultKey[] keys)
    {
        int n = 0;
        for (final VaultKey key : keys)
        {
            n += key.isWiped() ? 0 : 1;
        }
        if (n == keys.length)
        {
            return keys;
        }
        final VaultKey[] out = new VaultKey[n];
        int i = 0;
        for (final VaultKey key : keys)
        {
            if (!key.isWiped())
            {
                out[i++] = key;
            }
        }
        return out;
    }
}
