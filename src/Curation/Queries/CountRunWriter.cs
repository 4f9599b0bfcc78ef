using System.IO.Compression;
using System.Text;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Writes a count run: (key, count) records in ordinal key order, deflate-compressed, ending with a marker and
/// the record count so that a truncated run is detected when it is read back.
/// </summary>
public static class CountRunWriter
{
    /// <summary>The bytes every run starts with.</summary>
    internal const int Magic = 0x314E5552; // "RUN1"

    /// <summary>Writes <paramref name="records"/>, which must be in ordinal key order with distinct, non-empty keys; returns how many.</summary>
    public static long Write(string path, IEnumerable<KeyValuePair<string, long>> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var deflate = new DeflateStream(file, CompressionLevel.Fastest);
        using var writer = new BinaryWriter(deflate, Encoding.UTF8);
        writer.Write(Magic);
        long count = 0;
        string? previous = null;
        foreach (var (key, value) in records)
        {
            if (key.Length == 0 || (previous is not null && string.CompareOrdinal(previous, key) >= 0))
            {
                throw new ArgumentException($"{path}: keys must be non-empty, distinct and in ordinal order ('{previous}' then '{key}')", nameof(records));
            }

            writer.Write(key);
            writer.Write7BitEncodedInt64(value);
            previous = key;
            count++;
        }

        writer.Write(string.Empty);
        writer.Write(count);
        return count;
    }
}
