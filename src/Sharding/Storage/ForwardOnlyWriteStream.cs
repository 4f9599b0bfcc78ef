namespace Pipeline.Sharding.Storage;

/// <summary>
/// Base of the write-only, forward-only streams shards are written through: <see cref="Position"/> counts the
/// bytes written, and seeking or reading is refused. Subclasses implement the span and memory writes.
/// </summary>
public abstract class ForwardOnlyWriteStream : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Position;

    /// <summary>Bytes written so far.</summary>
    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException("shards are written forward only");
    }

    /// <summary>Bytes written so far; subclasses advance it.</summary>
    protected long Written { get; set; }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override abstract void Write(ReadOnlySpan<byte> buffer);

    public override abstract ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
