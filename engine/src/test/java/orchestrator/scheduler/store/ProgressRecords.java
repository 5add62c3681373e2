package orchestrator.scheduler.store;

import orchestrator.scheduler.TaskState;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Thread safe (stateless; a keyed read updates the caller's map): a plain decoder of {@link ProgressCodec}'s progress
 * records, keyed and compact, entry by entry into a {@link ProgressBatch}, the reference the tests hold the journal's
 * own reader ({@link ReplayProgress}) and encoder to.
 */
final class ProgressRecords
{
    private ProgressRecords()
    {
    }

    /** Reads one compact progress body. */
    static ProgressBatch read(final ByteBuffer in)
    {
        return read(in, null);
    }

    /**
     * Reads one keyed progress body; {@code named} holds, per key, the name the segment's last entry with a name gave
     * it, and is updated by the entries read. Each entry's slot is the key's.
     */
    static ProgressBatch readKeyed(final ByteBuffer in, final Map<Integer, String> named)
    {
        return read(in, named);
    }

    private static ProgressBatch read(final ByteBuffer in, final Map<Integer, String> named)
    {
        final int count = in.getInt();
        if (count < 0 || count > in.remaining())
        {
            throw new IllegalArgumentException("impossible progress count " + count);
        }
        final long base = in.getLong();
        final ProgressBatch batch = new ProgressBatch(count);
        final TaskState[] states = TaskState.values();
        for (int i = 0; i < count; i++)
        {
            final long key = named == null ? 1 : getVarLong(in);
            final int slot = (int)(key >>> 1) - 1;
            final String name;
            if ((key & 1) != 0)
            {
                final long length = getVarLong(in);
                if (length < 0 || length > in.remaining())
                {
                    throw new BufferUnderflowException();
                }
                name = new String(in.array(), in.arrayOffset() + in.position(), (int)length, StandardCharsets.UTF_8);
                in.position(in.position() + (int)length);
                if (slot >= 0)
                {
                    named.put(slot, name);
                }
            }
            else
            {
                name = named.get(slot);
                if (name == null)
                {
                    throw new IllegalArgumentException("key " + slot + " never named");
                }
            }
            final int state = in.get();
            if (state < 0 || state >= states.length)
            {
                throw new IllegalArgumentException("unknown task state " + state);
            }
            final long next = base + unZigZag(getVarLong(in));
            final long runs = getVarLong(in);
            final long missed = getVarLong(in);
            final long failures = getVarLong(in);
            final long running = getVarLong(in);
            batch.add(slot, name, states[state], next, runs, missed, failures,
                running == 0 ? TaskProgress.NOT_RUNNING : base + unZigZag(running - 1));
        }
        return batch;
    }

    /**
     * @return the body of a compact progress record ({@link Frames#PROGRESS_COMPACT}, written before the keyed one) for
     *         {@code entries}, encoded plainly, as journals written before the keyed record hold them.
     */
    static byte[] compactBody(final List<TaskProgress> entries)
    {
        final long base = entries.isEmpty() ? 0 : entries.get(0).nextFire();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(12).putInt(entries.size()).putLong(base).array());
        for (final TaskProgress entry : entries)
        {
            final byte[] name = entry.name().getBytes(StandardCharsets.UTF_8);
            putVarLong(out, name.length);
            out.writeBytes(name);
            out.write(entry.state().ordinal());
            putVarLong(out, zigZag(entry.nextFire() - base));
            putVarLong(out, entry.runs());
            putVarLong(out, entry.missed());
            putVarLong(out, entry.failures());
            putVarLong(out, entry.runningFire() == TaskProgress.NOT_RUNNING ? 0 :
                1 + zigZag(entry.runningFire() - base));
        }
        return out.toByteArray();
    }

    private static void putVarLong(final ByteArrayOutputStream out, final long value)
    {
        long v = value;
        while ((v & ~0x7FL) != 0)
        {
            out.write((int)(v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int)v);
    }

    private static long zigZag(final long value)
    {
        return (value << 1) ^ (value >> 63);
    }

    private static long getVarLong(final ByteBuffer in)
    {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            final byte b = in.get();
            value |= (long)(b & 0x7F) << shift;
            if (b >= 0)
            {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    private static long unZigZag(final long value)
    {
        return (value >>> 1) ^ -(value & 1);
    }

}
