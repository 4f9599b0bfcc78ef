using System.IO.Compression;
using System.Text;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Writes a count run: (key, count) records in ordinal key order, deflate-compressed, ending with a marker and
/// the record count so that a truncated run is detected when it is read back. A key is written as
/// <see cref="BinaryWriter.Write(string)"/> writes a string, so a bigram can be written from its two words
/// without building its string.
/// </summary>
public sealed class CountRunWriter : IDisposable
{
    /// <summary>The bytes every run starts with.</summary>
    internal const int Magic = 0x314E5552; // "RUN1"

    private readonly string _path;
    private readonly BinaryWriter _writer;
    private byte[] _bytes = new byte[256];
    private char[] _key = new char[64];
    private char[] _previous = new char[64];
    private int _previousLength = -1;

    /// <summary>Creates (or replaces) the run at <paramref name="path"/>.</summary>
    public CountRunWriter(string path)
    {
        _path = path;
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);

        // Buffered: deflate does a native call per write, and records are small.
        _writer = new BinaryWriter(new BufferedStream(new DeflateStream(file, CompressionLevel.Fastest), 1 << 16), Encoding.UTF8);
        _writer.Write(Magic);
    }

    /// <summary>Records written.</summary>
    public long Count { get; private set; }

    /// <summary>Writes <paramref name="records"/>, which must be in ordinal key order with distinct, non-empty keys; returns how many.</summary>
    public static long Write(string path, IEnumerable<KeyValuePair<string, long>> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var writer = new CountRunWriter(path);
        foreach (var (key, value) in records)
        {
            writer.Add(key, [], value);
        }

        writer.Complete();
        return writer.Count;
    }

    /// <summary>
    /// Adds the record whose key is <paramref name="first"/>, or <c>first + ' ' + second</c> when
    /// <paramref name="second"/> is not empty. Keys must come in ordinal order, distinct and non-empty.
    /// </summary>
    public void Add(ReadOnlySpan<char> first, ReadOnlySpan<char> second, long count)
    {
        var length = first.Length + (second.IsEmpty ? 0 : 1 + second.Length);
        if (_key.Length < length)
        {
            _key = new char[Math.Max(length, _key.Length * 2)];
            _previous = new char[_key.Length];
            _previousLength = Math.Min(_previousLength, 0);
        }

        var key = _key.AsSpan(0, length);
        first.CopyTo(key);
        if (!second.IsEmpty)
        {
            key[first.Length] = ' ';
            second.CopyTo(key[(first.Length + 1)..]);
        }

        if (length == 0 || (_previousLength > 0 && key.SequenceCompareTo(_previous.AsSpan(0, _previousLength)) <= 0))
        {
            throw new ArgumentException($"{_path}: keys must be non-empty, distinct and in ordinal order ('{_previous.AsSpan(0, Math.Max(0, _previousLength))}' then '{key}')");
        }

        var bytes = Encoding.UTF8.GetMaxByteCount(length);
        if (_bytes.Length < bytes)
        {
            _bytes = new byte[Math.Max(bytes, _bytes.Length * 2)];
        }

        var written = Encoding.UTF8.GetBytes(key, _bytes);
        _writer.Write7BitEncodedInt(written);
        _writer.Write(_bytes, 0, written);
        _writer.Write7BitEncodedInt64(count);
        (_key, _previous) = (_previous, _key);
        _previousLength = length;
        Count++;
    }

    /// <summary>Writes the end marker; a run disposed without it reads back as truncated.</summary>
    public void Complete()
    {
        _writer.Write(string.Empty);
        _writer.Write(Count);
    }

    /// <inheritdoc/>
    public void Dispose() => _writer.Dispose();
}
