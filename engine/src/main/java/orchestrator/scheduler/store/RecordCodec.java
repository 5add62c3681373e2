package orchestrator.scheduler.store;

import orchestrator.scheduler.InterruptedFirePolicy;
import orchestrator.scheduler.MisfirePolicy;
import orchestrator.scheduler.OverlapPolicy;
import orchestrator.scheduler.TaskState;
import orchestrator.scheduler.cron.CronDialect;
import orchestrator.scheduler.cron.DstPolicy;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Arrays;

/**
 * Thread safe (stateless): the bodies of journal records, big-endian. Strings are {@code i32 length | UTF-8}, with
 * length -1 for null; enums are stored by name, so reordering a Java enum never changes a stored meaning.
 * <pre>
 * UPSERT:   name | schedule | dialect | zone | dst gap | dst overlap | misfire | handler | record id i64 |
 *           record version i64 | payload (i32 length, -1 for none) | progress | on restart | overlap |
 *           timeout ms i64 | interrupt on timeout u8 (the last four optional: older journals end before them)
 * REMOVE:   name
 * PROGRESS_COMPACT: see ProgressCodec
 * progress: name | state | next fire i64 | runs i64 | missed i64 | failures i64 | running fire i64
 * </pre>
 * A snapshot of format 1 holds an UPSERT per task; format 2's records are {@link SnapshotRows}'.
 */
final class RecordCodec
{
    private RecordCodec()
    {
    }

    static byte[] upsert(final StoredTask task)
    {
        return new RecordWriter().begin().upsert(task).body();
    }

    static StoredTask readUpsert(final ByteBuffer in)
    {
        return readUpsert(in, new Repeats());
    }

    /**
     * Reads an upsert, taking the strings it shares with the upsert read before it (schedule, zone, handler...) and
     * what is parsed from them from {@code repeats} instead of decoding them again: a million tasks of a few
     * schedules cost a million names, not eight million strings.
     */
    static StoredTask readUpsert(final ByteBuffer in, final Repeats repeats)
    {
        return readUpsert(in, repeats, null);
    }

    /**
     * As {@link #readUpsert(ByteBuffer, Repeats)}; given the row {@link #readRow} read from the same body, its name
     * object and its progress (which replay may have changed since) take the place of those stored.
     */
    static StoredTask readUpsert(final ByteBuffer in, final Repeats repeats, final StoreState.Row row)
    {
        final String name = row == null ? getString(in) : skip(in, row.name);
        final Definition schedule = readSchedule(in, repeats);
        final long recordId = in.getLong();
        final long recordVersion = in.getLong();
        final byte[] payload = repeats.payload(in); // copied by StoredTask, so read into a reused array
        final TaskProgress progress = row == null ? repeats.progressOf(in, name) : skipProgress(in, row);
        final InterruptedFirePolicy onRestart =
            in.hasRemaining() ? repeats.constant(in, 7, InterruptedFirePolicy.class) : InterruptedFirePolicy.RUN_AGAIN;
        final OverlapPolicy overlapPolicy =
            in.hasRemaining() ? repeats.constant(in, 9, OverlapPolicy.class) : OverlapPolicy.SKIP;
        final long timeoutMs = in.hasRemaining() ? in.getLong() : 0;
        final boolean interrupt = in.hasRemaining() && in.get() == 1;
        return new StoredTask(name, schedule.schedule(), schedule.dialect(), schedule.zone(), schedule.dst(),
            schedule.misfire(), schedule.handler(), recordId, recordVersion, payload, progress, onRestart, overlapPolicy,
            timeoutMs, interrupt);
    }

    /**
     * Reads an upsert's name and progress into a row whose task is decoded later, skipping the rest: a snapshot's
     * tasks are found by name and replayed into first, then decoded whole once, with their final progress.
     *
     * @param at the offset of the body in its array, kept in the row with the body's length.
     */
    static StoreState.Row readRow(final ByteBuffer in, final Repeats repeats, final int at)
    {
        final int length = in.remaining();
        final String name = getString(in);
        for (int field = 0; field < 7; field++) // schedule, dialect, zone, dst gap, dst overlap, misfire, handler
        {
            skip(in, null);
        }
        in.getLong(); // record id
        in.getLong(); // record version
        skip(in, null); // payload
        skip(in, name);
        final TaskState state = repeats.constant(in, 8, TaskState.class);
        final StoreState.Row row = new StoreState.Row(name, (byte)state.ordinal(), in.getLong(), in.getLong(),
            in.getLong(), in.getLong(), in.getLong(), at, length);
        in.position(in.limit()); // the optional fields after the progress are read with the rest
        return row;
    }

    /** What the tasks of one definition share, read once from a snapshot of format 2. */
    record Definition(String schedule, CronDialect dialect, ZoneId zone, DstPolicy dst, MisfirePolicy misfire,
        String handler, InterruptedFirePolicy onRestart, OverlapPolicy overlap, long timeoutMs, boolean interrupt)
    {
    }

    /**
     * Reads what an upsert and a definition begin with: schedule, dialect, zone, DST policy, misfire policy and
     * handler, as a definition whose other fields are defaults; the same object as the last one read while every part
     * repeats, so that a million upserts of one schedule allocate none.
     */
    static Definition readSchedule(final ByteBuffer in, final Repeats repeats)
    {
        final String schedule = repeats.string(in, 0);
        final CronDialect dialect = repeats.constant(in, 1, CronDialect.class);
        final ZoneId zone = repeats.zone(repeats.string(in, 2));
        final DstPolicy.Gap gap = repeats.constant(in, 3, DstPolicy.Gap.class);
        final DstPolicy.Overlap overlap = repeats.constant(in, 4, DstPolicy.Overlap.class);
        final MisfirePolicy misfire = repeats.misfire(repeats.string(in, 5));
        final String handler = repeats.string(in, 6);
        final DstPolicy dst = gap == null ? null : DstPolicy.of(gap, overlap);
        final Definition last = repeats.schedule;
        if (last != null && last.schedule() == schedule && last.dialect() == dialect && last.zone() == zone &&
            last.dst() == dst && last.misfire() == misfire && last.handler() == handler)
        {
            return last;
        }
        repeats.schedule = new Definition(schedule, dialect, zone, dst, misfire, handler,
            InterruptedFirePolicy.RUN_AGAIN, OverlapPolicy.SKIP, 0, false);
        return repeats.schedule;
    }

    static long unZigZag(final long value)
    {
        return value >>> 1 ^ -(value & 1);
    }

    /**
     * Skips a string or a byte array; when {@code name} is given, the string must spell it (a task's progress carries
     * the task's own name).
     *
     * @return {@code name}.
     */
    private static String skip(final ByteBuffer in, final String name)
    {
        final int length = in.getInt();
        if (length > in.remaining())
        {
            throw new BufferUnderflowException();
        }
        final int from = in.arrayOffset() + in.position();
        if (name != null && !spells(in.array(), from, length, name))
        {
            throw new IllegalArgumentException("progress of '" + (length < 0 ? null :
                new String(in.array(), from, length, StandardCharsets.UTF_8)) + "' given for task '" + name + "'");
        }
        in.position(in.position() + Math.max(0, length));
        return name;
    }

    /** @return whether {@code b[from, from + length)} is {@code name} in UTF-8 ({@code length} -1: null, never). */
    private static boolean spells(final byte[] b, final int from, final int length, final String name)
    {
        boolean same = length == name.length();
        for (int i = 0; same && i < length; i++)
        {
            same = b[from + i] == name.charAt(i); // ASCII only: any other byte is negative, never a char
        }
        return same || length >= 0 && name.equals(new String(b, from, length, StandardCharsets.UTF_8));
    }

    /** @return the row's progress, past the stored one, which {@link #readRow} read. */
    private static TaskProgress skipProgress(final ByteBuffer in, final StoreState.Row row)
    {
        skip(in, null); // the name, which readRow checked
        skip(in, null); // the state
        in.position(in.position() + 5 * Long.BYTES);
        return row.progress();
    }

    /** NOT thread safe: one per recovery. The last string read in each field of an upsert, with its bytes. */
    static final class Repeats
    {
        private final byte[][] bytes = new byte[10][];
        private final Enum<?>[] constants = new Enum<?>[10]; // what the string last read in the field names
        private final String[] strings = new String[10];
        private String zoneText;
        private ZoneId zone;
        private String misfireText;
        private MisfirePolicy misfire;
        private Definition schedule; // the last one readSchedule returned

        String string(final ByteBuffer in, final int field)
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
            final int from = in.arrayOffset() + in.position();
            in.position(in.position() + length);
            final byte[] last = bytes[field];
            if (last != null && Arrays.equals(last, 0, last.length, in.array(), from, from + length))
            {
                return strings[field];
            }
            bytes[field] = Arrays.copyOfRange(in.array(), from, from + length);
            strings[field] = new String(bytes[field], StandardCharsets.UTF_8);
            return strings[field];
        }

        /** @return the constant named by the field's string, not looked up again while the string repeats; or null. */
        <E extends Enum<E>> E constant(final ByteBuffer in, final int field, final Class<E> type)
        {
            final String last = strings[field];
            final String text = string(in, field);
            if (text == null)
            {
                return null;
            }
            if (text != last || constants[field] == null || constants[field].getDeclaringClass() != type)
            {
                constants[field] = Enum.valueOf(type, text);
            }
            return type.cast(constants[field]);
        }

        private byte[] payload = new byte[0];

        /** @return the payload read into an array reused while lengths repeat, or null for none. */
        byte[] payload(final ByteBuffer in)
        {
            final int length = in.getInt();
            return length < 0 ? null : payload(in, length);
        }

        /** @return the next {@code length} bytes read into an array reused while lengths repeat. */
        byte[] payload(final ByteBuffer in, final long length)
        {
            if (length > in.remaining())
            {
                throw new BufferUnderflowException();
            }
            if (payload.length != length)
            {
                payload = new byte[(int)length];
            }
            in.get(payload);
            return payload;
        }

        /** Reads a task's progress, whose name is the task's own: not decoded again when its bytes spell it. */
        TaskProgress progressOf(final ByteBuffer in, final String name)
        {
            final int length = in.getInt();
            if (length < 0 || length > in.remaining())
            {
                throw new BufferUnderflowException();
            }
            final byte[] b = in.array();
            final int from = in.arrayOffset() + in.position();
            final String progressName =
                spells(b, from, length, name) ? name : new String(b, from, length, StandardCharsets.UTF_8);
            in.position(in.position() + length);
            return new TaskProgress(progressName, constant(in, 8, TaskState.class), in.getLong(), in.getLong(),
                in.getLong(), in.getLong(), in.getLong());
        }

        ZoneId zone(final String text)
        {
            if (text != zoneText)
            {
                zone = ZoneId.of(text);
                zoneText = text;
            }
            return zone;
        }

        MisfirePolicy misfire(final String text)
        {
            if (text != misfireText)
            {
                misfire = RecordCodec.misfire(text);
                misfireText = text;
            }
            return misfire;
        }
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
