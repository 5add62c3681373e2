package orchestrator.scheduler.store;

import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.TaskState;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * NOT thread safe: one per writing thread. Encodes journal records (the layouts of {@link RecordCodec}) into a
 * growable array, strings of ASCII characters without an intermediate array, so that a snapshot of a million tasks
 * writes them straight from the store's rows.
 */
final class RecordWriter
{
    private static final TaskState[] STATES = TaskState.values();
    private static final byte[][] STATE_NAMES = new byte[STATES.length][];

    static
    {
        for (final TaskState state : STATES)
        {
            STATE_NAMES[state.ordinal()] = state.name().getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
        ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BIG_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BIG_INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private byte[] b = new byte[256];
    private int p;
    private int frameStart; // where the frame being written starts: 0 after begin(), later after appendFrame()
    private MisfirePolicy misfire; // the last policy written, with its text
    private String misfireText;
    // the string fields of an upsert that tasks usually share (schedule, zone, handler, policies): the last value of
    // each, with its encoding, copied as bytes when the next task's is equal (a snapshot of a million tasks); the
    // seven that follow the name are one run, copied at once when all are equal
    private static final int RUN_FIELDS = 7;
    private final String[] runValues = new String[RUN_FIELDS];
    private byte[] runBytes = new byte[64];
    private int runLength = -1;
    private static final int SHARED_FIELDS = 2;
    private final String[] shared = new String[SHARED_FIELDS];
    private final byte[][] sharedBytes = new byte[SHARED_FIELDS][16];
    private final int[] sharedLength = new int[SHARED_FIELDS];

    /** Starts a frame: its header is filled in by {@link #frame}. */
    RecordWriter begin()
    {
        frameStart = 0;
        p = Frames.HEADER;
        return this;
    }

    /**
     * Starts a frame after those already written since {@link #clear}, so that a run of frames is encoded in place,
     * without a copy each: seal it with {@link #endFrame}, write the run out with {@link #writeTo}.
     */
    RecordWriter appendFrame()
    {
        frameStart = p;
        ensure(Frames.HEADER);
        p += Frames.HEADER;
        return this;
    }

    /**
     * Seals the frame of {@code type} started by {@link #appendFrame}.
     *
     * @return the frame's length.
     */
    int endFrame(final byte type)
    {
        Frames.sealInPlace(type, b, frameStart, p - frameStart - Frames.HEADER);
        return p - frameStart;
    }

    /** Drops whatever was written: the next {@link #appendFrame} starts at 0. */
    RecordWriter clear()
    {
        frameStart = 0;
        p = 0;
        return this;
    }

    /** @return the bytes of the frames appended since {@link #clear} (or since the last {@link #writeTo}). */
    int appended()
    {
        return p;
    }

    /** @return the array written into; valid until the next write, which may grow it. */
    byte[] array()
    {
        return b;
    }

    /** Lets go of an array grown past {@code bytes} (after a very large batch), for a small one. */
    void trim(final int bytes)
    {
        if (b.length > bytes)
        {
            b = new byte[256];
            frameStart = 0;
            p = 0;
        }
    }

    /** Writes the frames appended since {@link #clear} to {@code out} and clears. */
    void writeTo(final FileChannel out) throws IOException
    {
        JournalFiles.writeFully(out, ByteBuffer.wrap(b, 0, p));
        clear();
    }

    /** @return the frame of {@code type} whose body was written since {@link #begin}. */
    byte[] frame(final byte type)
    {
        return Frames.seal(type, b, p - Frames.HEADER);
    }

    /** @return the body written since {@link #begin}. */
    byte[] body()
    {
        return Arrays.copyOfRange(b, Frames.HEADER, p);
    }

    /** Writes an upsert body: the task's definition with the given progress in place of its own. */
    RecordWriter upsert(final StoredTask task, final byte state, final long nextFire, final long runs,
        final long missed, final long failures, final long runningFire)
    {
        final int nameAt = p;
        string(task.name());
        final int nameLength = p - nameAt;
        definition(task);
        putLong(task.recordId());
        putLong(task.recordVersion());
        final byte[] payload = task.payload();
        putInt(payload == null ? -1 : payload.length);
        if (payload != null)
        {
            ensure(payload.length);
            System.arraycopy(payload, 0, b, p, payload.length);
            p += payload.length;
        }
        ensure(nameLength); // the progress: name (as written above), state, next fire, counters, running fire
        System.arraycopy(b, nameAt, b, p, nameLength);
        p += nameLength;
        final byte[] stateName = STATE_NAMES[state];
        putInt(stateName.length);
        ensure(stateName.length);
        System.arraycopy(stateName, 0, b, p, stateName.length);
        p += stateName.length;
        putLong(nextFire);
        putLong(runs);
        putLong(missed);
        putLong(failures);
        putLong(runningFire);
        shared(0, task.onRestart().name()); // optional on read, as what follows: journals written before them open
        shared(1, task.overlap().name());
        putLong(task.timeoutMs());
        putByte((byte)(task.interruptOnTimeout() ? 1 : 0));
        return this;
    }

    static long zigZag(final long value)
    {
        return value << 1 ^ value >> 63;
    }

    /** Writes an upsert body of the task with its own progress. */
    RecordWriter upsert(final StoredTask task)
    {
        final TaskProgress progress = task.progress();
        return upsert(task, (byte)progress.state().ordinal(), progress.nextFire(), progress.runs(), progress.missed(),
            progress.failures(), progress.runningFire());
    }

    private String misfireText(final MisfirePolicy policy)
    {
        if (policy != misfire)
        {
            misfire = policy;
            misfireText = policy.toString();
        }
        return misfireText;
    }

    /** Raw bytes. */
    RecordWriter bytes(final byte[] value)
    {
        ensure(value.length);
        System.arraycopy(value, 0, b, p, value.length);
        p += value.length;
        return this;
    }

    /** A string as {@code i32 length | UTF-8}, -1 for null. */
    RecordWriter string(final String value)
    {
        if (value == null)
        {
            return putInt(-1);
        }
        ensure(4 + value.length());
        if (ascii(value, p + 4))
        {
            writeInt(p, value.length());
            p += 4 + value.length();
            return this;
        }
        final byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        return putInt(utf8.length).bytes(utf8);
    }

    /**
     * The task's schedule (expression, dialect, zone, DST policy), misfire policy and handler, each as {@link #string};
     * copied as the last task's bytes when all seven are equal to its.
     */
    void definition(final StoredTask task)
    {
        final String schedule = task.schedule();
        final String dialect = task.dialect() == null ? null : task.dialect().name();
        final String zone = task.zone().getId();
        final String gap = task.dst() == null ? null : task.dst().gap().name();
        final String overlap = task.dst() == null ? null : task.dst().overlap().name();
        final String misfire = misfireText(task.misfire());
        final String handler = task.handler();
        if (runLength >= 0 && same(0, schedule) && same(1, dialect) && same(2, zone) && same(3, gap) &&
            same(4, overlap) && same(5, misfire) && same(6, handler))
        {
            ensure(runLength);
            System.arraycopy(runBytes, 0, b, p, runLength);
            p += runLength;
            return;
        }
        final int from = p;
        string(schedule).string(dialect).string(zone).string(gap).string(overlap).string(misfire).string(handler);
        runLength = p - from;
        if (runBytes.length < runLength)
        {
            runBytes = new byte[Math.max(runLength, 2 * runBytes.length)];
        }
        System.arraycopy(b, from, runBytes, 0, runLength);
        runValues[0] = schedule;
        runValues[1] = dialect;
        runValues[2] = zone;
        runValues[3] = gap;
        runValues[4] = overlap;
        runValues[5] = misfire;
        runValues[6] = handler;
    }

    private boolean same(final int field, final String value)
    {
        final String last = runValues[field];
        return value == last || value != null && value.equals(last);
    }

    /** As {@link #string}, copying the last encoding of {@code field} when {@code value} equals its last value. */
    void shared(final int field, final String value)
    {
        if (value != null && value.equals(shared[field]))
        {
            final int length = sharedLength[field];
            ensure(length);
            System.arraycopy(sharedBytes[field], 0, b, p, length);
            p += length;
            return;
        }
        final int from = p;
        string(value);
        final int length = p - from;
        if (sharedBytes[field].length < length)
        {
            sharedBytes[field] = new byte[Math.max(length, 2 * sharedBytes[field].length)];
        }
        System.arraycopy(b, from, sharedBytes[field], 0, length);
        sharedLength[field] = length;
        shared[field] = value;
    }

    /** A string as {@code varint length | UTF-8}. */
    RecordWriter varString(final String value)
    {
        final int length = value.length();
        final int prefix = length < 1 << 7 ? 1 : length < 1 << 14 ? 2 : length < 1 << 21 ? 3 : length < 1 << 28 ? 4 : 5;
        ensure(prefix + length);
        if (ascii(value, p + prefix))
        {
            putVarLong(length); // takes exactly the prefix's bytes
            p += length;
            return this;
        }
        final byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        return putVarLong(utf8.length).bytes(utf8);
    }

    /**
     * A name packed by {@link StoreState.Row} as {@link #varString} writes it: its length (below 128, one byte), then
     * its {@code length} ASCII characters from the two little-endian longs.
     */
    RecordWriter packedString(final long lo, final long hi, final int length)
    {
        ensure(1 + 2 * Long.BYTES);
        b[p] = (byte)length;
        LONGS.set(b, p + 1, lo);
        LONGS.set(b, p + 1 + Long.BYTES, hi); // the bytes past the length are overwritten by what follows
        p += 1 + length;
        return this;
    }

    /**
     * Copies {@code value}'s characters to {@code b[at...]} if they are all ASCII (room ensured by the caller).
     *
     * @return false, with what was copied to be overwritten, at the first character that is not.
     */
    private boolean ascii(final String value, final int at)
    {
        for (int i = 0, length = value.length(); i < length; i++)
        {
            final char c = value.charAt(i);
            if (c >= 0x80)
            {
                return false;
            }
            b[at + i] = (byte)c;
        }
        return true;
    }

    /** An unsigned LEB128 varint: 7 bits a byte, low bits first. */
    RecordWriter putVarLong(final long value)
    {
        ensure(10);
        long v = value;
        while ((v & ~0x7FL) != 0)
        {
            b[p++] = (byte)((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte)v;
        return this;
    }

    RecordWriter putByte(final byte value)
    {
        ensure(1);
        b[p++] = value;
        return this;
    }

    /** @return the number of bytes written since {@link #begin}, header included. */
    int position()
    {
        return p;
    }

    /** Overwrites an int written earlier at {@code at}. */
    void putIntAt(final int at, final int value)
    {
        writeInt(at, value);
    }

    RecordWriter putInt(final int value)
    {
        ensure(4);
        writeInt(p, value);
        p += 4;
        return this;
    }

    RecordWriter putLong(final long value)
    {
        ensure(8);
        BIG_LONGS.set(b, p, value);
        p += 8;
        return this;
    }

    private void writeInt(final int at, final int value)
    {
        BIG_INTS.set(b, at, value);
    }

    private void ensure(final int bytes)
    {
        if (p + bytes > b.length)
        {
            b = Arrays.copyOf(b, Math.max(p + bytes, b.length * 2));
        }
    }
}
