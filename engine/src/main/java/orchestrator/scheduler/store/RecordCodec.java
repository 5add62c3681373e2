package orchestrator.scheduler.store;

import orchestrator.scheduler.InterruptedFirePolicy;
import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.TaskState;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;

/**
 * Thread safe (stateless): the bodies of journal records, big-endian. Strings are {@code i32 length | UTF-8}, with
 * length -1 for null; enums are stored by name, so reordering a Java enum never changes a stored meaning.
 * <pre>
 * UPSERT:   name | schedule | dialect | zone | dst gap | dst overlap | misfire | handler | record id i64 |
 *           record version i64 | payload (i32 length, -1 for none) | progress
 * REMOVE:   name
 * PROGRESS: count i32 | progress * count
 * progress: name | state | next fire i64 | runs i64 | missed i64 | failures i64 | running fire i64
 * </pre>
 */
final class RecordCodec
{
    private RecordCodec()
    {
    }

    static byte[] upsert(final StoredTask task)
    {
        return encode(out ->
        {
            putString(out, task.name());
            putString(out, task.schedule());
            putString(out, task.dialect() == null ? null : task.dialect().name());
            putString(out, task.zone().getId());
            putString(out, task.dst() == null ? null : task.dst().gap().name());
            putString(out, task.dst() == null ? null : task.dst().overlap().name());
            putString(out, task.misfire().toString());
            putString(out, task.handler());
            out.writeLong(task.recordId());
            out.writeLong(task.recordVersion());
            final byte[] payload = task.payload();
            out.writeInt(payload == null ? -1 : payload.length);
            if (payload != null)
            {
                out.write(payload);
            }
            putProgress(out, task.progress());
            putString(out, task.onRestart().name()); // last, and optional on read: journals written before it open
        });
    }

    static byte[] remove(final String name)
    {
        return encode(out -> putString(out, name));
    }

    static StoredTask readUpsert(final ByteBuffer in)
    {
        final String name = getString(in);
        final String schedule = getString(in);
        final String dialect = getString(in);
        final ZoneId zone = ZoneId.of(getString(in));
        final String gap = getString(in);
        final String overlap = getString(in);
        final MisfirePolicy misfire = misfire(getString(in));
        final String handler = getString(in);
        final long recordId = in.getLong();
        final long recordVersion = in.getLong();
        final int payloadLength = in.getInt();
        final byte[] payload = payloadLength < 0 ? null : new byte[payloadLength];
        if (payload != null)
        {
            in.get(payload);
        }
        return new StoredTask(name, schedule, dialect == null ? null : CronDialect.valueOf(dialect), zone,
            gap == null ? null : DstPolicy.of(DstPolicy.Gap.valueOf(gap), DstPolicy.Overlap.valueOf(overlap)),
            misfire, handler, recordId, recordVersion, payload, getProgress(in),
            in.hasRemaining() ? InterruptedFirePolicy.valueOf(getString(in)) : InterruptedFirePolicy.RUN_AGAIN);
    }

    static String readRemove(final ByteBuffer in)
    {
        return getString(in);
    }

    /** Reverses {@link MisfirePolicy#toString()}: {@code FIRE_ONCE}, {@code SKIP} or {@code FIRE_ALL(cap)}. */
    static MisfirePolicy misfire(final String text)
    {
        if ("FIRE_ONCE".equals(text))
        {
            return MisfirePolicy.FIRE_ONCE;
        }
        if ("SKIP".equals(text))
        {
            return MisfirePolicy.SKIP;
        }
        if (text != null && text.startsWith("FIRE_ALL(") && text.endsWith(")"))
        {
            final int cap = Integer.parseInt(text.substring("FIRE_ALL(".length(), text.length() - 1));
            return cap == 100 ? MisfirePolicy.FIRE_ALL : MisfirePolicy.fireAll(cap);
        }
        throw new IllegalArgumentException("unknown misfire policy '" + text + "'");
    }

    /**
     * Runs {@code parse} over a body and checks nothing is left over; any malformation becomes an
     * {@link IllegalArgumentException} for the caller to report with the file and offset.
     */
    static <T> T parse(final byte[] b, final int offset, final int length, final Parser<T> parse)
    {
        final ByteBuffer in = ByteBuffer.wrap(b, offset, length);
        try
        {
            final T value = parse.parse(in);
            if (in.hasRemaining())
            {
                throw new IllegalArgumentException(in.remaining() + " bytes left over after the record");
            }
            return value;
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("record body cut short", ex);
        }
        catch (final RuntimeException ex)
        {
            throw ex instanceof IllegalArgumentException ? ex : new IllegalArgumentException(ex.toString(), ex);
        }
    }

    interface Parser<T>
    {
        T parse(ByteBuffer in);
    }

    private interface Writer
    {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] encode(final Writer writer)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes))
        {
            writer.write(out);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex); // a ByteArrayOutputStream never throws
        }
        return bytes.toByteArray();
    }

    private static void putProgress(final DataOutputStream out, final TaskProgress progress) throws IOException
    {
        putString(out, progress.name());
        putString(out, progress.state().name());
        out.writeLong(progress.nextFire());
        out.writeLong(progress.runs());
        out.writeLong(progress.missed());
        out.writeLong(progress.failures());
        out.writeLong(progress.runningFire());
    }

    private static TaskProgress getProgress(final ByteBuffer in)
    {
        return new TaskProgress(getString(in), TaskState.valueOf(getString(in)), in.getLong(), in.getLong(),
            in.getLong(), in.getLong(), in.getLong());
    }

    private static void putString(final DataOutputStream out, final String value) throws IOException
    {
        if (value == null)
        {
            out.writeInt(-1);
            return;
        }
        final byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String getString(final ByteBuffer in)
    {
        final int length = in.getInt();
        if (length < 0)
        {
            return null;
        }
        if (length > in.remaining())
        {
            throw new BufferUnderflowException();
        }
        final String value = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return value;
    }
}
