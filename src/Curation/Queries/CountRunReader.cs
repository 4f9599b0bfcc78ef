using System.IO.Compression;
using System.Text;

namespace Pipeline.Curation.Queries;

/// <summary>Reads a run written by <see cref="CountRunWriter"/>, checking its order and its end marker.</summary>
public sealed class CountRunReader : IDisposable
{
    private readonly string _path;
    private readonly BinaryReader _reader;
    private long _read;
    private bool _done;

    /// <summary>Opens a run.</summary>
    /// <exception cref="InvalidDataException">The file is not a count run.</exception>
    public CountRunReader(string path)
    {
        _path = path;
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        // Buffered: inflate does a native call per read, and records are read a few bytes at a time.
        _reader = new BinaryReader(new BufferedStream(new DeflateStream(file, CompressionMode.Decompress), 1 << 16), Encoding.UTF8);
        try
        {
            if (_reader.ReadInt32() != CountRunWriter.Magic)
            {
                throw new InvalidDataException($"{path}: not a count run");
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException)
        {
            _reader.Dispose();
            throw new InvalidDataException($"{path}: not a count run ({ex.Message})", ex);
        }
    }

    /// <summary>The current key.</summary>
    public string Key { get; private set; } = "";

    /// <summary>The current count.</summary>
    public long Count { get; private set; }

    /// <summary>Reads every record of a run, for tests and small runs.</summary>
    public static IEnumerable<KeyValuePair<string, long>> ReadAll(string path)
    {
        using var reader = new CountRunReader(path);
        while (reader.MoveNext())
        {
            yield return new(reader.Key, reader.Count);
        }
    }

    /// <summary>Moves to the next record; false after the last.</summary>
    /// <exception cref="InvalidDataException">The run is truncated, corrupt or out of order; the message names the file and record.</exception>
    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        try
        {
            var key = _reader.ReadString();
            if (key.Length == 0)
            {
                var expected = _reader.ReadInt64();
                if (expected != _read)
                {
                    throw new InvalidDataException($"records: {_read:N0}, but the run's end says {expected:N0}");
                }

                _done = true;
                return false;
            }

            if (_read > 0 && string.CompareOrdinal(Key, key) >= 0)
            {
                throw new InvalidDataException($"key '{key}' does not come after '{Key}'");
            }

            Key = key;
            Count = _reader.Read7BitEncodedInt64();
            _read++;
            return true;
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException or FormatException)
        {
            throw new InvalidDataException($"{_path}: count run unreadable at record {_read:N0}: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _reader.Dispose();
}
