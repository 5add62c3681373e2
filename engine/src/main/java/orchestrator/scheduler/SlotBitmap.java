package orchestrator.scheduler;

/**
 * NOT thread safe: owned by one {@link TimerWheel}. A three-level occupancy bitmap over a power-of-two number of slots
 * (at most 2^18), so that the next occupied slot is found with at most three bit scans however many empty slots lie
 * in between.
 * <p>
 * Caveats: the caller keeps the bitmap in step with its slots; setting a set bit or clearing a clear one is harmless.
 */
final class SlotBitmap
{
    /** Largest number of slots: the top word summarises at most 64 summary words of 64 words of 64 bits. */
    static final int MAX_SLOTS = 1 << 18;

    private final long[] words;   // bit i % 64 of words[i / 64]: slot i is occupied
    private final long[] summary; // bit w % 64 of summary[w / 64]: words[w] != 0
    private final int mask;
    private long top;             // bit s: summary[s] != 0

    /**
     * @param slots a power of two, 64 .. {@link #MAX_SLOTS}.
     */
    SlotBitmap(final int slots)
    {
        if (slots < Long.SIZE || slots > MAX_SLOTS || Integer.bitCount(slots) != 1)
        {
            throw new IllegalArgumentException("slots must be a power of two in [64, 2^18]: " + slots);
        }
        final int wordCount = slots >>> 6;
        words = new long[wordCount];
        summary = new long[Math.max(1, wordCount >>> 6)];
        mask = slots - 1;
    }

    /**
     * @param slot the slot to mark occupied.
     */
    void set(final int slot)
    {
        final int word = slot >>> 6;
        final long bits = words[word];
        words[word] = bits | (1L << slot);
        if (bits == 0) // the summaries change only when a word does from empty
        {
            final int s = word >>> 6;
            final long summaryBits = summary[s];
            summary[s] = summaryBits | (1L << word);
            if (summaryBits == 0)
            {
                top |= 1L << s;
            }
        }
    }

    /**
     * @param slot the slot to mark empty.
     */
    void clear(final int slot)
    {
        final int word = slot >>> 6;
        final long bits = words[word] & ~(1L << slot);
        words[word] = bits;
        if (bits == 0)
        {
            final int s = word >>> 6;
            final long summaryBits = summary[s] & ~(1L << word);
            summary[s] = summaryBits;
            if (summaryBits == 0)
            {
                top &= ~(1L << s);
            }
        }
    }

    /**
     * Marks the slot of {@code position} empty and finds the next occupied one, reusing the word in hand.
     *
     * @param position an absolute position on the ring, its residue the slot to clear.
     * @return the absolute position after {@code position} of the next occupied slot, within one lap, or
     *         {@code Long.MAX_VALUE} when every slot is empty.
     */
    long clearAndNext(final long position)
    {
        final int slot = (int)position & mask;
        final int word = slot >>> 6;
        final long bits = words[word] & ~(1L << slot);
        words[word] = bits;
        final long above = bits & (-2L << slot); // the shift is taken mod 64: none above bit 63
        if (above != 0)
        {
            return position + Long.numberOfTrailingZeros(above) - (slot & 63);
        }
        if (bits == 0)
        {
            clear(slot);
        }
        return nextPosition(position + 1);
    }

    /**
     * @param slot a slot.
     * @return true when the slot is marked occupied.
     */
    boolean isSet(final int slot)
    {
        return (words[slot >>> 6] & (1L << slot)) != 0;
    }

    /**
     * @return true when no slot is occupied.
     */
    boolean isEmpty()
    {
        return top == 0;
    }

    /**
     * @param from an absolute position on the ring (a time, a bucket number), its residue the slot to start from.
     * @return the absolute position at or after {@code from} of the first occupied slot, going round the ring once,
     *         or {@code Long.MAX_VALUE} when every slot is empty.
     */
    long nextPosition(final long from)
    {
        final int start = (int)from & mask;
        final int slot = nextCircular(start);
        return slot < 0 ? Long.MAX_VALUE : from + ((slot - start) & mask);
    }

    /**
     * @param from a slot.
     * @return the first occupied slot at or after {@code from} going round the ring, or -1 when every slot is empty.
     */
    int nextCircular(final int from)
    {
        final int slot = next(from & mask);
        return slot >= 0 || from == 0 ? slot : next(0);
    }

    /**
     * @param from a slot.
     * @return the first occupied slot at or after {@code from}, or -1.
     */
    int next(final int from)
    {
        int word = from >>> 6;
        final long bits = words[word] & (-1L << from);
        if (bits != 0)
        {
            return (word << 6) | Long.numberOfTrailingZeros(bits);
        }
        word++;
        if (word == words.length)
        {
            return -1;
        }
        int s = word >>> 6;
        long summaryBits = summary[s] & (-1L << word);
        if (summaryBits == 0)
        {
            s++;
            if (s == summary.length)
            {
                return -1;
            }
            final long topBits = top & (-1L << s);
            if (topBits == 0)
            {
                return -1;
            }
            s = Long.numberOfTrailingZeros(topBits);
            summaryBits = summary[s];
        }
        word = (s << 6) | Long.numberOfTrailingZeros(summaryBits);
        return (word << 6) | Long.numberOfTrailingZeros(words[word]);
    }
}
