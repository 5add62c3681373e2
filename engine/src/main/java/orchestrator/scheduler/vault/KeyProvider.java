package orchestrator.scheduler.vault;

import javax.crypto.SecretKey;
import javax.security.auth.Destroyable;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * Thread safe: an immutable source of one 256-bit AEAD key for a {@link CallbackVault}; {@link #destroy()} may be
 * called from any thread.
 * <p>
 * The key bytes never leave this package: there is no public getter, {@link #toString()} names only the origin, and no
 * exception thrown here contains key material. A vault copies the key when it installs it, so a provider may be
 * {@linkplain #destroy() destroyed} once every vault that needs it has been built or rotated.
 * <p>
 * <b>Caveats:</b> the key bytes live on the Java heap (here and in the vault's copy) for as long as they are in use;
 * a full heap dump therefore contains them. See the "Security model" section of the README.
 */
public final class KeyProvider implements Destroyable
{
    /** Length of the key in bytes (AES-256). */
    public static final int KEY_LENGTH = 32;

    private final byte[] key;
    private final String origin;
    private volatile boolean destroyed;

    private KeyProvider(final byte[] key, final String origin)
    {
        this.key = key;
        this.origin = origin;
    }

    /**
     * A fresh random 256-bit key drawn from a {@link SecureRandom}; the default for production mode.
     */
    public static KeyProvider random()
    {
        final byte[] key = new byte[KEY_LENGTH];
        new SecureRandom().nextBytes(key);
        return new KeyProvider(key, "random");
    }

    /**
     * A key supplied as bytes. The array is copied; the caller may (and should) wipe its own copy afterwards.
     *
     * @throws IllegalArgumentException if {@code key} is not exactly {@value #KEY_LENGTH} bytes long.
     */
    public static KeyProvider ofBytes(final byte[] key)
    {
        Objects.requireNonNull(key, "key");
        if (key.length != KEY_LENGTH)
        {
            throw new IllegalArgumentException(
                "AES-256 key must be " + KEY_LENGTH + " bytes but was " + key.length + " bytes");
        }
        return new KeyProvider(key.clone(), "bytes");
    }

    /**
     * A key read from a secret-key entry of a {@link KeyStore} (for example a PKCS12 store holding an {@code AES}
     * entry). The encoded key is copied and the intermediate encoding wiped.
     *
     * @throws IllegalArgumentException if the alias does not name a 256-bit secret key, or the entry cannot be
     *                                  recovered (wrong password, unsupported protection); the cause is attached.
     */
    public static KeyProvider fromKeyStore(final KeyStore keyStore, final String alias, final char[] password)
    {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(alias, "alias");
        final Key entry;
        try
        {
            entry = keyStore.getKey(alias, password);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalArgumentException("cannot recover key store entry '" + alias + "'", ex);
        }
        if (!(entry instanceof SecretKey))
        {
            throw new IllegalArgumentException("key store has no secret key entry under alias '" + alias + "'");
        }
        final byte[] encoded = entry.getEncoded();
        if (encoded == null || encoded.length != KEY_LENGTH)
        {
            if (encoded != null)
            {
                Arrays.fill(encoded, (byte)0);
            }
            throw new IllegalArgumentException(
                "key store entry '" + alias + "' is not a " + (KEY_LENGTH * 8) + "-bit secret key");
        }
        return new KeyProvider(encoded, "keystore:" + alias);
    }

    /**
     * Copies the key into a new array owned by the caller, who must wipe it when done.
     *
     * @throws IllegalStateException if this provider has been destroyed.
     */
    byte[] copyKey()
    {
        if (destroyed)
        {
            throw new IllegalStateException("key provider (" + origin + ") has been destroyed");
        }
        return key.clone();
    }

    /**
     * Overwrites the key with zeros; vaults that already installed it keep their own copy.
     */
    @Override
    public void destroy()
    {
        destroyed = true;
        Arrays.fill(key, (byte)0);
    }

    @Override
    public boolean isDestroyed()
    {
        return destroyed;
    }

    /**
     * @return whether the key exists only in this process ({@link #random()}): records sealed under it cannot be opened
     * after a restart, so a durable task store refuses it.
     */
    public boolean isEphemeral()
    {
        return "random".equals(origin);
    }

    /** Names the origin of the key ({@code random}, {@code bytes} or {@code keystore:alias}), never the key. */
    @Override
    public String toString()
    {
        return "KeyProvider[" + origin + (destroyed ? ", destroyed]" : "]");
    }
}
