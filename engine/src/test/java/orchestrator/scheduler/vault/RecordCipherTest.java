package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static orchestrator.scheduler.vault.SealedRecord.NONCE_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_HEADER_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_OVERHEAD;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The vault's ciphers against a reference: Bouncy Castle's own AEAD class for the same algorithm, on random keys,
 * nonces, associated data and payloads, and the published test vectors.
 */
class RecordCipherTest
{
    private static final int BODY = SEALED_HEADER_LENGTH + NONCE_LENGTH;

    @ParameterizedTest
    @EnumSource(Aead.class)
    void shouldMatchBouncyCastleAeadOnRandomInputs(final Aead aead) throws InvalidCipherTextException
    {
        final SplittableRandom random = new SplittableRandom(8439);
        final RecordCipher cipher = aead.newRecordCipher();
        byte[] key = null;
        for (int n = 0; n < 600; n++)
        {
            if (n % 7 == 0) // a new key now and then; in between, the cipher keeps its key as a pooled one does
            {
                key = bytes(random, 32);
                cipher.setKey(key.clone());
            }
            final byte[] nonce = bytes(random, NONCE_LENGTH);
            final byte[] ad = bytes(random, random.nextInt(0, 90));
            final byte[] payload = bytes(random, n < 300 ? n : random.nextInt(0, 2_100));

            final byte[] reference = referenceSeal(aead, key, nonce, ad, payload);
            final byte[] record = record(nonce, payload.length);
            use(cipher, ad);
            cipher.seal(payload, record);
            assertArrayEquals(reference, Arrays.copyOfRange(record, SEALED_HEADER_LENGTH, record.length), "seal " + n);

            use(cipher, ad);
            assertArrayEquals(payload, cipher.open(record), "open " + n);

            final byte[] altered = record.clone();
            altered[SEALED_HEADER_LENGTH + random.nextInt(altered.length - SEALED_HEADER_LENGTH)] ^=
                (byte)(1 << random.nextInt(8));
            use(cipher, ad);
            assertNull(cipher.open(altered), "altered " + n);
            if (ad.length > 0)
            {
                final byte[] otherAd = ad.clone();
                otherAd[random.nextInt(ad.length)] ^= 1;
                use(cipher, otherAd);
                assertNull(cipher.open(record), "other associated data " + n);
            }
        }
    }

    /** RFC 8439, section 2.8.2. */
    @Test
    void shouldMatchRfc8439TestVector()
    {
        final byte[] key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        final byte[] nonce = hex("070000004041424344454647");
        final byte[] ad = hex("50515253c0c1c2c3c4c5c6c7");
        final byte[] plain = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
            + "future, sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        final byte[] expected = hex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca96712"
            + "82fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b"
            + "4831d7bc3ff4def08e4b7a9de576d26586cec64b6116" + "1ae10b594f09e26a7e902ecbd0600691");
        assertVector(Aead.CHACHA20_POLY1305, key, nonce, ad, plain, expected);
    }

    /** The GCM specification's test case 16 (McGrew and Viega): AES-256, 96-bit IV, 20 bytes of AAD. */
    @Test
    void shouldMatchGcmSpecificationTestCase16()
    {
        final byte[] key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        final byte[] nonce = hex("cafebabefacedbaddecaf888");
        final byte[] ad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        final byte[] plain = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        final byte[] expected = hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7"
            + "b08b1056828838c5f61e6393ba7a0abcc9f662" + "76fc6ece0f4e1768cddf8853bb2d551b");
        assertVector(Aead.AES_256_GCM, key, nonce, ad, plain, expected);
    }

    private static void assertVector(
        final Aead aead, final byte[] key, final byte[] nonce, final byte[] ad, final byte[] plain,
        final byte[] expected)
    {
        final RecordCipher cipher = aead.newRecordCipher();
        cipher.setKey(key);
        final byte[] record = record(nonce, plain.length);
        use(cipher, ad);
        cipher.seal(plain, record);
        assertArrayEquals(expected, Arrays.copyOfRange(record, BODY, record.length));
        use(cipher, ad);
        assertArrayEquals(plain, cipher.open(record));
    }

    /** nonce | ciphertext | tag, by Bouncy Castle's AEAD class. */
    private static byte[] referenceSeal(
        final Aead aead, final byte[] key, final byte[] nonce, final byte[] ad, final byte[] payload)
        throws InvalidCipherTextException
    {
        final AEADCipher reference = aead.newCipher();
        reference.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        reference.processAADBytes(ad, 0, ad.length);
        final byte[] out = new byte[NONCE_LENGTH + payload.length + SealedRecord.TAG_LENGTH];
        System.arraycopy(nonce, 0, out, 0, NONCE_LENGTH);
        final int n = reference.processBytes(payload, 0, payload.length, out, NONCE_LENGTH);
        reference.doFinal(out, NONCE_LENGTH + n);
        return out;
    }

    /** An empty record with a header and this nonce, with room for a payload of {@code length} bytes. */
    private static byte[] record(final byte[] nonce, final int length)
    {
        final byte[] record = new byte[SEALED_OVERHEAD + length];
        record[0] = SealedRecord.FORMAT_SEALED;
        System.arraycopy(nonce, 0, record, SEALED_HEADER_LENGTH, NONCE_LENGTH);
        return record;
    }

    private static void use(final RecordCipher cipher, final byte[] ad)
    {
        cipher.associated = ad.clone();
        cipher.associatedLength = ad.length;
    }

    private static byte[] bytes(final SplittableRandom random, final int length)
    {
        final byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    private static byte[] hex(final String hex)
    {
        return HexFormat.of().parseHex(hex);
    }
}
