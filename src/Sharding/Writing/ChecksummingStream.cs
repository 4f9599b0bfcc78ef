using System.IO.Hashing;
using System.Security.Cryptography;
using Pipeline.Sharding.Manifest;

namespace Pipeline.Sharding.Writing;

/// <summary>
/// Passes writes through to an inner stream while hashing them: SHA-256 of everything, and XXH64 of each
/// segment between <see cref="CloseSegment"/> calls (one segment per row group, then the footer).
/// </summary>
internal sealed class ChecksummingStream(Stream inner) : Stream
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly XxHash64 _segment = new();
    private long _position;
    private long _segmentStart;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("shards are written forward only");
    }

    /// <summary>Ends the current segment and returns its range and hash.</summary>
    public ByteRange CloseSegment()
    {
        var range = new ByteRange(_segmentStart, _position - _segmentStart, Convert.ToHexStringLower(_segment.GetHashAndReset()));
        _segmentStart = _position;
        return range;
    }

    /// <summary>Hex SHA-256 of all bytes written.</summary>
    public string FinishSha256() => Convert.ToHexStringLower(_sha256.GetHashAndReset());

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Hash(buffer);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Hash(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Hash(ReadOnlySpan<byte> buffer)
    {
        _sha256.AppendData(buffer);
        _segment.Append(buffer);
        _position += buffer.Length;
    }
}
