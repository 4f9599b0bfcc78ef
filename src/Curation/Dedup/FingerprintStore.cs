using Microsoft.Win32.SafeHandles;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// The fingerprints of every sample, by position, in a temporary file of fixed-size records, so that the resolvers
/// hold ~100 bytes a sample in memory rather than the 1.7 KB of a fingerprint, and verification reads only the pairs
/// it compares (from the page cache for all but the largest stores). Append everything first, then read.
/// </summary>
public sealed class FingerprintStore : IDisposable
{
    private const int RecordSize = 1 + 4 + 4 + ImageFingerprint.ColourLength + ImageFingerprint.GreyLength + ImageFingerprint.ChromaLength;
    private readonly FileStream _stream;
    private SafeFileHandle? _handle;

    /// <summary>A store in a new file in <paramref name="folder"/>, deleted when the store is disposed.</summary>
    public FingerprintStore(string folder)
    {
        Directory.CreateDirectory(folder);
        _stream = new FileStream(
            Path.Combine(folder, $"fingerprints-{Guid.NewGuid():N}.bin"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose);
    }

    /// <summary>Fingerprints appended.</summary>
    public long Count { get; private set; }

    /// <summary>Appends the next sample's fingerprint (null when it has none).</summary>
    public void Append(ImageFingerprint? fingerprint)
    {
        if (_handle is not null)
        {
            throw new InvalidOperationException("the fingerprint store is being read; append every fingerprint first");
        }

        Span<byte> record = stackalloc byte[RecordSize];
        record.Clear();
        if (fingerprint is not null)
        {
            record[0] = 1;
            BitConverter.TryWriteBytes(record[1..], fingerprint.Width);
            BitConverter.TryWriteBytes(record[5..], fingerprint.Height);
            fingerprint.Colour.CopyTo(record[9..]);
            fingerprint.Grey.CopyTo(record[(9 + ImageFingerprint.ColourLength)..]);
            fingerprint.Chroma.CopyTo(record[(9 + ImageFingerprint.ColourLength + ImageFingerprint.GreyLength)..]);
        }

        _stream.Write(record);
        Count++;
    }

    /// <summary>The fingerprint of the sample at <paramref name="position"/>, or null.</summary>
    public ImageFingerprint? Read(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, Count);
        if (_handle is null)
        {
            _stream.Flush();
            _handle = _stream.SafeFileHandle;
        }

        var record = new byte[RecordSize];
        if (RandomAccess.Read(_handle, record, position * RecordSize) != RecordSize)
        {
            throw new InvalidDataException($"fingerprint {position} is truncated in {_stream.Name}");
        }

        return record[0] == 0
            ? null
            : new ImageFingerprint(
                BitConverter.ToInt32(record, 1), BitConverter.ToInt32(record, 5),
                record[9..(9 + ImageFingerprint.ColourLength)], record[(9 + ImageFingerprint.ColourLength)..(9 + ImageFingerprint.ColourLength + ImageFingerprint.GreyLength)],
                record[(9 + ImageFingerprint.ColourLength + ImageFingerprint.GreyLength)..]);
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
