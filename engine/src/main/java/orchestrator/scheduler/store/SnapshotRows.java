package orchestrator.scheduler.store;

import orchestrator.scheduler.InterruptedFirePolicy;
import orchestrator.scheduler.OverlapPolicy;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Thread safe (stateless): the records of a snapshot of format 2, written and read. Varints are unsigned LEB128
 * ({@code varint}) or zigzag ({@code zvarint}); a definition is encoded as in an upsert ({@link RecordCodec}).
 * <pre>
 * SNAPSHOT_ROW: name (varint length | UTF-8) | definition number varint (0: a definition follows) | record id varint |
 *               record version varint | payload (varint length + 1, 0 for none) | state u8 (0x80 set: running) |
 *               next fire zvarint | runs varint | missed varint | failures varint | running fire zvarint (if running)
 * DEFINITION:   number varint | definition
 * definition:   schedule | dialect | zone | dst gap | dst overlap | misfire | handler | on restart | overlap |
 *               timeout ms i64 | interrupt on timeout u8
 * </pre>
 * A snapshot holds a row per task, then the definitions its rows share, numbered from 1 in order.
 */
final class SnapshotRows
{
    /** The flag of a row's state byte that says a running fire follows the counters. */
    static final int RUNNING_FLAG = 0x80;

    private SnapshotRows()
    {
    }

    /**
     * Writes a row body into {@code out}: the task's name, the number of its definition in the snapshot or 0 and
     * the definition itself, its record id and version, payload and the given progress, in varints.
     */
    static RecordWriter writeRow(final RecordWriter out, final StoredTask task, final int definition,
        final byte state, final long nextFire, final long runs, final long missed, final long failures,
        final long runningFire)
    {
        out.varString(task.name()).putVarLong(definition);
        if (definition == 0)
        {
            writeDefinition(out, task);
        }
        out.putVarLong(task.recordId()).putVarLong(task.recordVersion());
        final byte[] payload = task.payload();
        out.putVarLong(payload == null ? 0 : payload.length + 1L);
        if (payload != null)
        {
            out.bytes(payload);
        }
        final boolean running = runningFire != TaskProgress.NOT_RUNNING;
        out.putByte((byte)(state | (running ? RUNNING_FLAG : 0)));
        out.putVarLong(RecordWriter.zigZag(nextFire)).putVarLong(runs).putVarLong(missed).putVarLong(failures);
        return running ? out.putVarLong(RecordWriter.zigZag(runningFire)) : out;
    }

    /**
     * Writes into {@code out} what tasks of one definition share: schedule, dialect, zone, DST policy, misfire policy and
     * handler as in an upsert, then on restart and overlap policy, timeout and interrupt on timeout.
     */
    static RecordWriter writeDefinition(final RecordWriter out, final StoredTask task)
    {
        out.definition(task);
        out.shared(0, task.onRestart().name());
        out.shared(1, task.overlap().name());
        out.putLong(task.timeoutMs());
        return out.putByte((byte)(task.interruptOnTimeout() ? 1 : 0));
    }

    /** Reads a DEFINITION body, which must carry {@code number}. */
    static RecordCodec.Definition readDefinition(final ByteBuffer in, final int number, final RecordCodec.Repeats repeats)
    {
        final long stored = varLong(in);
        if (stored != number)
        {
            throw new IllegalArgumentException("definition " + stored + " where definition " + number + " belongs");
        }
        return readDefinition(in, repeats);
    }

    private static RecordCodec.Definition readDefinition(final ByteBuffer in, final RecordCodec.Repeats repeats)
    {
        final RecordCodec.Definition schedule = RecordCodec.readSchedule(in, repeats);
        final InterruptedFirePolicy onRestart = repeats.constant(in, 7, InterruptedFirePolicy.class);
        final OverlapPolicy overlapPolicy = repeats.constant(in, 9, OverlapPolicy.class);
        return new RecordCodec.Definition(schedule.schedule(), schedule.dialect(), schedule.zone(), schedule.dst(),
            schedule.misfire(), schedule.handler(), onRestart, overlapPolicy, in.getLong(), in.get() == 1);
    }

    /**
     * Reads a SNAPSHOT_ROW's name and progress into a row whose task is decoded later ({@link #readTask}).
     *
     * @param at the offset of the body in its array, kept in the row with the body's length.
     */
    static StoreState.Row readRow(final ByteBuffer in, final int at)
    {
        final int length = in.remaining();
        final String name = getVarString(in);
        if (varLong(in) == 0)
        {
            readDefinition(in, new RecordCodec.Repeats()); // rare: past the snapshot's shared definitions
        }
        varLong(in); // record id
        varLong(in); // record version
        skipPayload(in);
        final int flags = in.get() & 0xFF;
        final int state = flags & ~RUNNING_FLAG;
        if (state >= StoreState.STATE_COUNT)
        {
            throw new IllegalArgumentException("unknown task state " + state);
        }
        final long nextFire = RecordCodec.unZigZag(varLong(in));
        final long runs = varLong(in);
        final long missed = varLong(in);
        final long failures = varLong(in);
        final long running = (flags & RUNNING_FLAG) != 0 ? RecordCodec.unZigZag(varLong(in)) :
            TaskProgress.NOT_RUNNING;
        return new StoreState.Row(name, (byte)state, nextFire, runs, missed, failures, running, at, length);
    }

    /**
     * Decodes the task of a SNAPSHOT_ROW that {@link #readRow} read into {@code row}, with the row's name
     * object and progress (which replay may have changed since), and its definition from {@code definitions}.
     */
    static StoredTask readTask(final ByteBuffer in, final RecordCodec.Definition[] definitions, final RecordCodec.Repeats repeats,
        final StoreState.Row row)
    {
        skipBytes(in, varLong(in)); // the name, which readRow read
        final long number = varLong(in);
        if (number > definitions.length)
        {
            throw new IllegalArgumentException("definition " + number + " of a snapshot that holds " +
                definitions.length);
        }
        final RecordCodec.Definition definition = number == 0 ? readDefinition(in, repeats) : definitions[(int)number - 1];
        final long recordId = varLong(in);
        final long recordVersion = varLong(in);
        final long payloadLength = varLong(in);
        final byte[] payload = payloadLength == 0 ? null : repeats.payload(in, payloadLength - 1);
        in.position(in.limit()); // the progress, which readRow read
        return new StoredTask(row.name, definition.schedule(), definition.dialect(), definition.zone(),
            definition.dst(), definition.misfire(), definition.handler(), recordId, recordVersion, payload,
            row.progress(), definition.onRestart(), definition.overlap(), definition.timeoutMs(),
            definition.interrupt());
    }

    private static void skipPayload(final ByteBuffer in)
    {
        final long length = varLong(in);
        if (length > 0)
        {
            skipBytes(in, length - 1);
        }
    }

    /** @return where the {@code length} bytes skipped start. */
    private static int skipBytes(final ByteBuffer in, final long length)
    {
        if (length < 0 || length > in.remaining())
        {
            throw new BufferUnderflowException();
        }
        final int from = in.position();
        in.position(from + (int)length);
        return from;
    }

    private static String getVarString(final ByteBuffer in)
    {
        final int from = skipBytes(in, varLong(in));
        return new String(in.array(), in.arrayOffset() + from, in.position() - from, StandardCharsets.UTF_8);
    }

    /** Reads an unsigned LEB128 varint as {@link RecordWriter#putVarLong} writes it. */
    static long varLong(final ByteBuffer in)
    {
        long value = 0;
        for (int shift = 0; shift < Long.SIZE; shift += 7)
        {
            final byte b = in.get();
            value |= (long)(b & 0x7F) << shift;
            if (b >= 0)
            {
                return value;
            }
        }
        throw new IllegalArgumentException("a varint longer than 10 bytes");
    }
}
