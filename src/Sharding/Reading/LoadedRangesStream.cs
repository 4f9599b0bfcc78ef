namespace Pipeline.Sharding.Reading;

/// <summary>
/// A read-only, seekable view of a file of which only some byte ranges were fetched (the footer, one row group):
/// Parquet.Net seeks and reads as if it had the whole file, and a read outside what was fetched is an error,
/// which for a checksummed shard means the footer points somewhere it should not.
/// </summary>
internal sealed class LoadedRangesStream(long length) : Stream
{
    private readonly List<(long Offset, byte[] Bytes)> _ranges = [];
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public void Add(long offset, byte[] bytes) => _ranges.Add((offset, bytes));

    public void Remove(long offset) => _ranges.RemoveAll(r => r.Offset == offset);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }

        foreach (var (start, bytes) in _ranges)
        {
            if (_position >= start && _position < start + bytes.Length)
            {
                var from = (int)(_position - start);
                var count = Math.Min(buffer.Length, bytes.Length - from);
                bytes.AsSpan(from, count).CopyTo(buffer);
                _position += count;
                return count;
            }
        }

        throw new InvalidDataException($"read at byte {_position} falls outside the checksummed ranges of the file");
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
