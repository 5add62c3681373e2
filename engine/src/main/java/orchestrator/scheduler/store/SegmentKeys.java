package orchestrator.scheduler.store;

import java.util.Arrays;

/**
 * NOT thread safe: owned by a {@link ReplayProgress}. What each key of a keyed progress record
 * ({@link Frames#PROGRESS_KEYED}) stands for in the segment being read: the replay slot its last named entry found, or,
 * when the state did not hold that name, the name itself. A key named in an earlier segment stands for nothing.
 */
final class SegmentKeys
{
    private int segment = 1;                // the stamp of the segment being read
    private int[] namedIn = new int[0];     // per key: the stamp of the segment that named it
    private int[] slots = new int[0];       // its replay slot, or -1 for a name the state did not hold
    private String[] names = new String[0]; // the name it stands for, when the state did not hold it

    /** A new segment starts: no key stands for anything yet. */
    void segment()
    {
        segment++;
    }

    /** Key {@code key} stands for replay slot {@code slot} or, when that is -1, for {@code name}. */
    void name(final int key, final int slot, final String name)
    {
        if (key >= namedIn.length)
        {
            final int capacity = Math.max(key + 1, 2 * namedIn.length);
            namedIn = Arrays.copyOf(namedIn, capacity);
            slots = Arrays.copyOf(slots, capacity);
            names = Arrays.copyOf(names, capacity);
        }
        namedIn[key] = segment;
        slots[key] = slot;
        names[key] = slot < 0 ? name : null;
    }

    /**
     * @return the replay slot key {@code key} stands for, or -1 when it stands for a name the state did not hold.
     * @throws IllegalArgumentException for a key that no entry of the segment named.
     */
    int slot(final int key)
    {
        if (key < 0 || key >= namedIn.length || namedIn[key] != segment)
        {
            throw new IllegalArgumentException("progress key " + key + " was not named earlier in its segment");
        }
        return slots[key];
    }

    /** @return the name key {@code key} stands for when {@link #slot} is -1. */
    String name(final int key)
    {
        return names[key];
    }
}
