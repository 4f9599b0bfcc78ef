using System.IO.Hashing;
using System.Security.Cryptography;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;

namespace Pipeline.Sharding.Writing;

/// <summary>
/// Passes writes through to an inner stream while hashing them: SHA-256 of everything, and XXH64 of each
/// segment between <see cref="CloseSegment"/> calls (one segment per row group, then the footer).
/// </summary>
internal sealed class ChecksummingStream(Stream inner) : ForwardOnlyWriteStream
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly XxHash64 _segment = new();
    private long _segmentStart;

    /// <summary>Ends the current segment and returns its range and hash.</summary>
    public ByteRange CloseSegment()
    {
        var range = new ByteRange(_segmentStart, Written - _segmentStart, Convert.ToHexStringLower(_segment.GetHashAndReset()));
        _segmentStart = Written;
        return range;
    }

    /// <summary>Hex SHA-256 of all bytes written.</summary>
    public string FinishSha256() => Convert.ToHexStringLower(_sha256.GetHashAndReset());

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Hash(buffer);
        inner.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Hash(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

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
        Written += buffer.Length;
    }
}
