package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.BlockCipher;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.gcm.GCMMultiplier;
import org.bouncycastle.crypto.modes.gcm.Tables4kGCMMultiplier;
import org.bouncycastle.crypto.params.KeyParameter;

import java.util.Arrays;

import static orchestrator.scheduler.vault.SealedRecord.NONCE_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_HEADER_LENGTH;

/**
 * NOT thread safe (see {@link RecordCipher}): AES-256-GCM (NIST SP 800-38D) with a 96-bit nonce and a 128-bit tag,
 * from Bouncy Castle's AES engine and GHASH multiplier; allocates nothing per message.
 */
final class AesGcmCipher extends EncryptThenMacCipher
{
    /*
     * J0 = nonce | 0^31 | 1. Ciphertext = plaintext XOR E(inc32(J0)), E(inc32^2(J0)), ...
     * Tag = E(J0) XOR GHASH_H(A | pad | C | pad | bitlength(A) (64) | bitlength(C) (64)), H = E(0^128).
     * The AES key schedule and the GHASH table (Bouncy Castle's default 4 KiB table) are computed once per key.
     */
    private static final int BLOCK = 16;

    private final BlockCipher aes = AESEngine.newInstance();
    private final GCMMultiplier multiplier = new Tables4kGCMMultiplier();
    private final byte[] j0 = new byte[BLOCK];
    private final byte[] counter = new byte[BLOCK];
    /** One block of key stream. */
    private final byte[] stream = new byte[BLOCK];
    /** The GHASH accumulator. */
    private final byte[] hash = new byte[BLOCK];

    @Override
    void setKey(final byte[] key)
    {
        final KeyParameter param = new KeyParameter(key);
        aes.init(true, param);
        Arrays.fill(param.getKey(), (byte)0);
        Arrays.fill(hash, (byte)0);
        aes.processBlock(hash, 0, hash, 0);
        multiplier.init(hash);
        Arrays.fill(hash, (byte)0);
        keyed = true;
    }

    @Override
    void scrub()
    {
        aes.init(true, new KeyParameter(new byte[KeyProvider.KEY_LENGTH])); // BC clears the previous key schedule
        multiplier.init(new byte[BLOCK]); // overwrites the GHASH table in place (H = 0)
        clear();
        keyed = false;
    }

    @Override
    void start(final byte[] record)
    {
        System.arraycopy(record, SEALED_HEADER_LENGTH, j0, 0, NONCE_LENGTH);
        j0[12] = 0;
        j0[13] = 0;
        j0[14] = 0;
        j0[15] = 1;
    }

    /** GCTR from inc32(J0): {@code out = in XOR key stream}. */
    @Override
    void crypt(final byte[] in, final int inOffset, final int length, final byte[] out, final int outOffset)
    {
        final byte[] ctr = counter;
        final byte[] ks = stream;
        System.arraycopy(j0, 0, ctr, 0, BLOCK);
        for (int done = 0; done < length; done += BLOCK)
        {
            increment(ctr);
            aes.processBlock(ctr, 0, ks, 0);
            final int n = Math.min(BLOCK, length - done);
            final int from = inOffset + done;
            final int to = outOffset + done;
            for (int i = 0; i < n; i++)
            {
                out[to + i] = (byte)(in[from + i] ^ ks[i]);
            }
        }
    }

    /** Leaves the tag E(J0) XOR GHASH of {@code length} bytes of ciphertext at {@code offset} in {@link #tag}. */
    @Override
    void authenticate(final byte[] ciphertext, final int offset, final int length)
    {
        final byte[] h = hash;
        Arrays.fill(h, (byte)0);
        absorb(associated, 0, associatedLength);
        absorb(ciphertext, offset, length);
        xorLong(h, 0, (long)associatedLength << 3);
        xorLong(h, 8, (long)length << 3);
        multiplier.multiplyH(h);
        final byte[] t = tag;
        aes.processBlock(j0, 0, t, 0);
        for (int i = 0; i < BLOCK; i++)
        {
            t[i] ^= h[i];
        }
    }

    /** GHASH over {@code length} bytes, the last block padded with zeros. */
    private void absorb(final byte[] data, final int offset, final int length)
    {
        final byte[] h = hash;
        for (int done = 0; done < length; done += BLOCK)
        {
            final int n = Math.min(BLOCK, length - done);
            final int from = offset + done;
            for (int i = 0; i < n; i++)
            {
                h[i] ^= data[from + i];
            }
            multiplier.multiplyH(h);
        }
    }

    @Override
    void clearMessage()
    {
        Arrays.fill(counter, (byte)0);
        Arrays.fill(stream, (byte)0);
        Arrays.fill(hash, (byte)0);
    }

    /** inc32: adds one to the last 32 bits, big-endian, modulo 2^32. */
    private static void increment(final byte[] block)
    {
        final int c = SealedRecord.readInt(block, 12) + 1;
        SealedRecord.writeInt(block, 12, c);
    }

    private static void xorLong(final byte[] block, final int offset, final long value)
    {
        for (int i = 0; i < 8; i++)
        {
            block[offset + i] ^= (byte)(value >>> (56 - 8 * i));
        }
    }
}
