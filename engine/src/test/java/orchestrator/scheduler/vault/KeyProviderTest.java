package orchestrator.scheduler.vault;

import org.junit.jupiter.api.Test;

import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import static orchestrator.scheduler.vault.CallbackVaultTest.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyProviderTest
{
    @Test
    void shouldDrawDistinctRandomKeys()
    {
        assertFalse(Arrays.equals(KeyProvider.random().copyKey(), KeyProvider.random().copyKey()));
        assertEquals(KeyProvider.KEY_LENGTH, KeyProvider.random().copyKey().length);
    }

    @Test
    void shouldCopySuppliedBytes()
    {
        final byte[] key = randomBytes(32);
        final byte[] original = key.clone();
        final KeyProvider provider = KeyProvider.ofBytes(key);
        Arrays.fill(key, (byte)0);
        assertArrayEquals(original, provider.copyKey());
    }

    @Test
    void shouldRejectKeyOfWrongLength()
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> KeyProvider.ofBytes(new byte[16]));
        assertEquals("AES-256 key must be 32 bytes but was 16 bytes", ex.getMessage());
    }

    @Test
    void shouldReadSecretKeyFromKeyStore() throws Exception
    {
        final byte[] key = randomBytes(32);
        final KeyStore store = keyStoreWith("vault", key, "pw".toCharArray());
        final KeyProvider provider = KeyProvider.fromKeyStore(store, "vault", "pw".toCharArray());
        assertArrayEquals(key, provider.copyKey());
        assertEquals("KeyProvider[keystore:vault]", provider.toString());

        final SealedRecord record = CallbackVault.production(KeyProvider.ofBytes(key)).seal(1, "t", 1, new byte[3]);
        assertArrayEquals(new byte[3], CallbackVault.production(provider).open(record, 1, "t", 1));
    }

    @Test
    void shouldRejectMissingAliasAndWrongPassword() throws Exception
    {
        final KeyStore store = keyStoreWith("vault", randomBytes(32), "pw".toCharArray());
        assertEquals("key store has no secret key entry under alias 'other'",
            assertThrows(IllegalArgumentException.class,
                () -> KeyProvider.fromKeyStore(store, "other", "pw".toCharArray())).getMessage());
        final IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
            () -> KeyProvider.fromKeyStore(store, "vault", "not-it".toCharArray()));
        assertEquals("cannot recover key store entry 'vault'", wrong.getMessage());
        assertFalse(wrong.getMessage().contains("not-it"));
    }

    @Test
    void shouldRejectKeyStoreEntryOfWrongSize() throws Exception
    {
        final KeyStore store = keyStoreWith("short", randomBytes(16), "pw".toCharArray());
        assertEquals("key store entry 'short' is not a 256-bit secret key",
            assertThrows(IllegalArgumentException.class,
                () -> KeyProvider.fromKeyStore(store, "short", "pw".toCharArray())).getMessage());
    }

    @Test
    void shouldRefuseDestroyedProvider()
    {
        final KeyProvider provider = KeyProvider.random();
        final CallbackVault vault = CallbackVault.production(provider);
        provider.destroy();
        assertTrue(provider.isDestroyed());
        assertEquals("KeyProvider[random, destroyed]", provider.toString());
        assertThrows(IllegalStateException.class, () -> CallbackVault.production(provider));
        final SealedRecord record = vault.seal(1, "t", 1, new byte[4]);
        assertArrayEquals(new byte[4], vault.open(record, 1, "t", 1), "the vault keeps its own copy");
    }

    /**
     * Collects every message and description the vault can produce around a known key and checks that none contains
     * the key in hex (either case) or Base64, nor the payload.
     */
    @Test
    void shouldNeverPutKeyMaterialInMessagesOrDescriptions() throws Exception
    {
        final byte[] key = randomBytes(32);
        final byte[] payload = randomBytes(32);
        final List<String> texts = new ArrayList<>();
        final KeyProvider provider = KeyProvider.ofBytes(key);
        final CallbackVault vault = CallbackVault.production(provider);
        final SealedRecord record = vault.seal(9, "secret-task", 1, payload);
        texts.add(provider.toString());
        texts.add(vault.toString());
        texts.add(record.toString());
        collect(texts, () -> vault.unpin(77));
        final long token = vault.pin(record);
        collect(texts, () -> vault.runOpened(SealedRecord.fromBytes(new byte[0]), token, 9, "secret-task", 1,
            (Object c, byte[] p) -> { }, null));
        texts.add(KeyProvider.fromKeyStore(keyStoreWith("k", key, "pw".toCharArray()), "k", "pw".toCharArray())
            .toString());

        final byte[] flipped = record.toBytes();
        flipped[flipped.length - 1] ^= 1;
        collect(texts, () -> vault.open(SealedRecord.fromBytes(flipped), 9, "secret-task", 1));
        collect(texts, () -> vault.open(record, 9, "secret-task", 2));
        collect(texts, () -> CallbackVault.production(KeyProvider.random()).open(record, 9, "secret-task", 1));
        collect(texts, () -> KeyProvider.ofBytes(Arrays.copyOf(key, 31)));
        collect(texts, () -> KeyProvider.fromKeyStore(keyStoreWith("k", key, "pw".toCharArray()), "k",
            "wrong".toCharArray()));
        vault.beginRotation(KeyProvider.random());
        vault.finishRotation();
        collect(texts, () -> vault.open(record, 9, "secret-task", 1));
        texts.add(vault.toString());
        provider.destroy();
        collect(texts, () -> CallbackVault.production(provider));

        assertTrue(texts.size() >= 18, "every source collected");
        final List<String> forbidden = List.of(
            HexFormat.of().formatHex(key), HexFormat.of().withUpperCase().formatHex(key),
            Base64.getEncoder().encodeToString(key), Base64.getUrlEncoder().encodeToString(key),
            new String(key, StandardCharsets.ISO_8859_1), HexFormat.of().formatHex(payload),
            Base64.getEncoder().encodeToString(payload), HexFormat.of().formatHex(record.toBytes(), 6, 18));
        for (final String text : texts)
        {
            final String lower = text.toLowerCase(Locale.ROOT);
            for (final String secret : forbidden)
            {
                assertFalse(text.contains(secret) || lower.contains(secret.toLowerCase(Locale.ROOT)), text);
            }
            // no 8-byte window of the key in hex either
            for (int i = 0; i + 8 <= key.length; i++)
            {
                assertFalse(lower.contains(HexFormat.of().formatHex(key, i, i + 8)), text);
            }
        }
    }

    private static void collect(final List<String> texts, final org.junit.jupiter.api.function.Executable action)
    {
        final Throwable thrown = assertThrows(Throwable.class, action);
        for (Throwable t = thrown; t != null; t = t.getCause())
        {
            texts.add(t.toString());
            final java.io.StringWriter trace = new java.io.StringWriter();
            t.printStackTrace(new java.io.PrintWriter(trace));
            texts.add(trace.toString());
        }
    }

    static KeyStore keyStoreWith(final String alias, final byte[] key, final char[] password) throws Exception
    {
        final KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setEntry(alias, new KeyStore.SecretKeyEntry(new SecretKeySpec(key, "AES")),
            new KeyStore.PasswordProtection(password));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.store(out, password);
        final KeyStore loaded = KeyStore.getInstance("PKCS12");
        loaded.load(new ByteArrayInputStream(out.toByteArray()), password);
        return loaded;
    }
}
