package orchestrator.scheduler.vault;

import org.bouncycastle.crypto.engines.ChaChaEngine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.util.Pack;

import java.util.Arrays;

import static orchestrator.scheduler.vault.SealedRecord.NONCE_LENGTH;
import static orchestrator.scheduler.vault.SealedRecord.SEALED_HEADER_LENGTH;

/**
 * NOT thread safe (see {@link RecordCipher}): ChaCha20-Poly1305 (RFC 8439, section 2.8) from Bouncy Castle's ChaCha
 * core and Poly1305 MAC; allocates nothing per message.
 */
final class ChaCha20Poly1305Cipher extends EncryptThenMacCipher
{
    /*
     * State: "expand 32-byte k" | key (8 words) | block counter | nonce (3 words), little-endian words.
     * The one-time Poly1305 key is the first 32 bytes of block 0; the payload is XORed with blocks 1, 2, ...
     * Tag = Poly1305(A | pad16 | C | pad16 | length(A) (64, LE) | length(C) (64, LE)).
     */
    private static final int ROUNDS = 20;
    private static final int BLOCK = 64;
    private static final int COUNTER = 12;
    private static final byte[] ZEROS = new byte[16];

    private final int[] state = new int[16];
    private final int[] words = new int[16];
    private final byte[] stream = new byte[BLOCK];
    private final Poly1305 mac = new Poly1305();
    /** Reused for every message: Bouncy Castle's KeyParameter hands out its own array, which is overwritten here. */
    private final KeyParameter macKey = new KeyParameter(new byte[32]);
    private final byte[] lengths = new byte[16];

    @Override
    void setKey(final byte[] key)
    {
        state[0] = 0x61707865;
        state[1] = 0x3320646e;
        state[2] = 0x79622d32;
        state[3] = 0x6b206574;
        Pack.littleEndianToInt(key, 0, state, 4, 8);
        keyed = true;
    }

    @Override
    void scrub()
    {
        Arrays.fill(state, 0);
        Arrays.fill(macKey.getKey(), (byte)0);
        mac.init(macKey); // replaces the last one-time key held by the MAC
        clear();
        keyed = false;
    }

    /** Sets the nonce, keys the MAC with block 0 and leaves the counter at 1. */
    @Override
    void start(final byte[] record)
    {
        final int[] s = state;
        s[COUNTER] = 0;
        Pack.littleEndianToInt(record, SEALED_HEADER_LENGTH, s, COUNTER + 1, NONCE_LENGTH / 4);
        ChaChaEngine.chachaCore(ROUNDS, s, words);
        final byte[] oneTimeKey = macKey.getKey();
        Pack.intToLittleEndian(words, 0, 8, oneTimeKey, 0);
        mac.init(macKey);
        Arrays.fill(oneTimeKey, (byte)0);
        s[COUNTER] = 1;
    }

    /** {@code out = in XOR key stream}, from the current block counter. */
    @Override
    void crypt(final byte[] in, final int inOffset, final int length, final byte[] out, final int outOffset)
    {
        final int[] s = state;
        final byte[] ks = stream;
        for (int done = 0; done < length; done += BLOCK)
        {
            ChaChaEngine.chachaCore(ROUNDS, s, words);
            s[COUNTER]++;
            Pack.intToLittleEndian(words, ks, 0);
            final int n = Math.min(BLOCK, length - done);
            final int from = inOffset + done;
            final int to = outOffset + done;
            for (int i = 0; i < n; i++)
            {
                out[to + i] = (byte)(in[from + i] ^ ks[i]);
            }
        }
    }

    /** Leaves the tag of the associated data and {@code length} bytes of ciphertext in {@link #tag}. */
    @Override
    void authenticate(final byte[] ciphertext, final int offset, final int length)
    {
        final int adLength = associatedLength;
        mac.update(associated, 0, adLength);
        mac.update(ZEROS, 0, -adLength & 15);
        mac.update(ciphertext, offset, length);
        mac.update(ZEROS, 0, -length & 15);
        Pack.longToLittleEndian(adLength, lengths, 0);
        Pack.longToLittleEndian(length, lengths, 8);
        mac.update(lengths, 0, lengths.length);
        mac.doFinal(tag, 0); // also resets the MAC
    }

    @Override
    void clearMessage()
    {
        Arrays.fill(words, 0);
        Arrays.fill(stream, (byte)0);
        Arrays.fill(state, COUNTER, 16, 0);
    }
}
