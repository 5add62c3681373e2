package orchestrator.scheduler.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Thread safe as its delegate: a file channel on a disk that fills up. Writes beyond a shared byte budget write
 * what fits and throw "No space left on device"; once {@code failForce} is set, {@code force} throws instead. Each
 * write call writes at most {@code piece} bytes (a short write, as the channel contract allows). A gated channel's
 * writes wait while its gate holds a latch that is not yet counted down (a disk that stalls).
 */
final class FailingChannel extends FileChannel
{
    private final FileChannel delegate;
    private final AtomicLong budget;
    private final AtomicBoolean failForce;
    private final int piece;
    private final AtomicReference<CountDownLatch> gate;
    private AtomicBoolean throwError = new AtomicBoolean();
    private AtomicInteger forces = new AtomicInteger();

    FailingChannel(final FileChannel delegate, final AtomicLong budget, final AtomicBoolean failForce,
        final int piece, final AtomicReference<CountDownLatch> gate)
    {
        this.delegate = delegate;
        this.budget = budget;
        this.failForce = failForce;
        this.piece = piece;
        this.gate = gate;
    }

    /** A factory whose channels share {@code budget} bytes of free space. */
    static JournalOptions.ChannelFactory factory(final AtomicLong budget, final AtomicBoolean failForce)
    {
        return file -> new FailingChannel(JournalOptions.openForWrite(file), budget, failForce, Integer.MAX_VALUE,
            new AtomicReference<>());
    }

    /** A factory of channels whose writes wait while {@code gate} holds a latch not yet counted down. */
    static JournalOptions.ChannelFactory gated(final AtomicReference<CountDownLatch> gate)
    {
        return file -> new FailingChannel(JournalOptions.openForWrite(file), new AtomicLong(Long.MAX_VALUE),
            new AtomicBoolean(), Integer.MAX_VALUE, gate);
    }

    /** A factory whose snapshot files' writes wait while {@code gate} holds a latch not yet counted down. */
    static JournalOptions.ChannelFactory gatedSnapshots(final AtomicReference<CountDownLatch> gate)
    {
        final JournalOptions.ChannelFactory gated = gated(gate);
        return file -> JournalFiles.SNAPSHOT_TMP.equals(file.getFileName().toString()) ? gated.open(file) :
            JournalOptions.openForWrite(file);
    }

    /**
     * A factory of channels whose writes throw {@code OutOfMemoryError("Direct buffer memory")} while {@code armed}
     * is set, as a write of a heap buffer may when the JVM cannot get the direct buffer it copies through.
     */
    static JournalOptions.ChannelFactory erring(final AtomicBoolean armed)
    {
        return file ->
        {
            final FailingChannel channel = new FailingChannel(JournalOptions.openForWrite(file),
                new AtomicLong(Long.MAX_VALUE), new AtomicBoolean(), Integer.MAX_VALUE, new AtomicReference<>());
            channel.throwError = armed;
            return channel;
        };
    }

    /** A factory of channels that never fill up and count their forces in {@code forces}. */
    static JournalOptions.ChannelFactory counting(final AtomicInteger forces)
    {
        return file ->
        {
            final FailingChannel channel = new FailingChannel(JournalOptions.openForWrite(file),
                new AtomicLong(Long.MAX_VALUE), new AtomicBoolean(), Integer.MAX_VALUE, new AtomicReference<>());
            channel.forces = forces;
            return channel;
        };
    }

    /** A factory of channels that never fill up and write at most {@code piece} bytes per call. */
    static JournalOptions.ChannelFactory splitting(final int piece)
    {
        return file -> new FailingChannel(JournalOptions.openForWrite(file), new AtomicLong(Long.MAX_VALUE),
            new AtomicBoolean(), piece, new AtomicReference<>());
    }

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        final CountDownLatch closed = gate.get();
        if (closed != null)
        {
            try
            {
                closed.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted at a closed gate", ex);
            }
        }
        if (throwError.get())
        {
            throw new OutOfMemoryError("Direct buffer memory");
        }
        final long left = Math.min(budget.get(), piece);
        if (left <= 0)
        {
            throw new IOException("No space left on device");
        }
        if (src.remaining() > left)
        {
            final ByteBuffer part = src.duplicate();
            part.limit(part.position() + (int)left);
            final int written = delegate.write(part);
            src.position(src.position() + written);
            budget.addAndGet(-written);
            return written; // the caller writes the rest, or finds no space
        }
        final int written = delegate.write(src);
        budget.addAndGet(-written);
        return written;
    }

    @Override
    public void force(final boolean metaData) throws IOException
    {
        if (failForce.get())
        {
            throw new IOException("Input/output error (fsync)");
        }
        forces.incrementAndGet();
        delegate.force(metaData);
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        return delegate.read(dst);
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        long total = 0;
        for (int i = offset; i < offset + length; i++)
        {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public long position() throws IOException
    {
        return delegate.position();
    }

    @Override
    public FileChannel position(final long newPosition) throws IOException
    {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException
    {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(final long size) throws IOException
    {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(final long position, final long count, final WritableByteChannel target)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public long transferFrom(final ReadableByteChannel src, final long position, final long count)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read(final ByteBuffer dst, final long position) throws IOException
    {
        return delegate.read(dst, position);
    }

    @Override
    public int write(final ByteBuffer src, final long position)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(final MapMode mode, final long position, final long size)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(final long position, final long size, final boolean shared)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public FileLock tryLock(final long position, final long size, final boolean shared)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    protected void implCloseChannel() throws IOException
    {
        delegate.close();
    }
}
