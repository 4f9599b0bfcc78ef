using System.Buffers.Binary;
using System.IO.Hashing;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Counting;

/// <summary>
/// Exact match counts per entry id. Counts from disjoint parts of a pool add up (<see cref="Merge"/>), so each
/// partition's counts are saved on their own and merged afterwards in any order and on any machine.
/// </summary>
/// <remarks>
/// File format (little-endian): the 8 bytes <c>PLCOUNT1</c>, int32 entry count, int32 number of non-zero
/// entries, then (int32 id, int64 count) for each non-zero entry in ascending id order, then the XXH64 of all
/// preceding bytes. Sparse, because most entries of a 500k list never occur in one partition.
/// </remarks>
public sealed class EntryCounts
{
    private static readonly byte[] Magic = "PLCOUNT1"u8.ToArray();
    private readonly long[] _counts;

    /// <summary>All-zero counts for <paramref name="entries"/> entries.</summary>
    public EntryCounts(int entries) => _counts = new long[entries];

    /// <summary>Number of entries (ids run from 0 to this minus one).</summary>
    public int EntryCount => _counts.Length;

    /// <summary>The count of one entry.</summary>
    public long this[int id] => _counts[id];

    /// <summary>Sum over entries: the number of (pair, entry) matches.</summary>
    public long Total => _counts.Sum();

    /// <summary>Entries counted at least once.</summary>
    public int NonZero => _counts.Count(c => c > 0);

    /// <summary>The counts as a read-only span indexed by entry id.</summary>
    public ReadOnlySpan<long> AsSpan() => _counts;

    /// <summary>Counts one pair that matched <paramref name="ids"/>. Not thread-safe: give each thread its own counts and merge.</summary>
    public void Add(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        for (var i = 0; i < ids.Count; i++)
        {
            _counts[ids[i]]++;
        }
    }

    /// <summary>Adds <paramref name="count"/> to one entry.</summary>
    public void Add(int id, long count) => _counts[id] += count;

    /// <summary>Adds another part's counts into these.</summary>
    /// <exception cref="ArgumentException">The counts are over a different number of entries.</exception>
    public void Merge(EntryCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.EntryCount != EntryCount)
        {
            throw new ArgumentException($"counts over {other.EntryCount} entries cannot merge into counts over {EntryCount}", nameof(other));
        }

        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
    }

    /// <summary>Whether both hold the same counts for the same entries.</summary>
    public bool SameAs(EntryCounts other) => other is not null && _counts.AsSpan().SequenceEqual(other._counts);

    /// <summary>Writes the counts atomically (temporary file, fsync, rename).</summary>
    public Task SaveAsync(string path, CancellationToken cancellationToken) =>
        AtomicFile.WriteAllBytesAsync(path, ToBytes(), cancellationToken);

    /// <summary>The file format's bytes.</summary>
    public byte[] ToBytes()
    {
        var nonZero = NonZero;
        var bytes = new byte[8 + 4 + 4 + (nonZero * 12) + 8];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), _counts.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), nonZero);
        var at = 16;
        for (var id = 0; id < _counts.Length; id++)
        {
            if (_counts[id] != 0)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), id);
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at + 4), _counts[id]);
                at += 12;
            }
        }

        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), XxHash64.HashToUInt64(bytes.AsSpan(0, at)));
        return bytes;
    }

    /// <summary>Reads a counts file.</summary>
    /// <exception cref="InvalidDataException">The file is not a counts file or is damaged; the message names the file and what is wrong.</exception>
    public static async Task<EntryCounts> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        try
        {
            return FromBytes(bytes);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Parses the file format.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid counts file.</exception>
    public static EntryCounts FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 24 || !bytes[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a counts file (no PLCOUNT1 header)");
        }

        var entries = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var nonZero = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        if (entries < 0 || nonZero < 0 || nonZero > entries || bytes.Length != 16 + (nonZero * 12L) + 8)
        {
            throw new InvalidDataException($"{bytes.Length} bytes do not fit {nonZero} counts over {entries} entries: truncated or damaged");
        }

        var end = 16 + (nonZero * 12);
        if (XxHash64.HashToUInt64(bytes[..end]) != BinaryPrimitives.ReadUInt64LittleEndian(bytes[end..]))
        {
            throw new InvalidDataException("checksum mismatch: damaged");
        }

        var counts = new EntryCounts(entries);
        for (var at = 16; at < end; at += 12)
        {
            var id = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            if ((uint)id >= (uint)entries)
            {
                throw new InvalidDataException($"entry id {id} at byte {at} is outside 0..{entries - 1}");
            }

            counts._counts[id] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(at + 4)..]);
        }

        return counts;
    }
}
