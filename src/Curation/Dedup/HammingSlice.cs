using System.Numerics;
using System.Runtime.InteropServices;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// One table of multi-index Hamming search (see <see cref="HammingIndex"/>) cut to one slice: the hashes whose
/// value in one chunk starts with the slice's prefix, indexed by the rest of that chunk. A query probes the slice only
/// at the chunk values within the radius that carry the prefix, so the slices of a chunk together visit exactly what
/// the whole table would, while each holds about n / 2^sliceBits hashes (12 bytes each plus its table).
/// </summary>
public sealed class HammingSlice
{
    private readonly HammingChunkLayout _layout;
    private readonly int _chunk;
    private readonly int _lowBits;
    private readonly uint _prefix;
    private readonly int[] _starts;
    private readonly int[] _ids;
    private readonly ulong[] _hashes;

    private HammingSlice(HammingChunkLayout layout, int chunk, int lowBits, uint prefix, int[] starts, int[] ids, ulong[] hashes)
    {
        _layout = layout;
        _chunk = chunk;
        _lowBits = lowBits;
        _prefix = prefix;
        _starts = starts;
        _ids = ids;
        _hashes = hashes;
    }

    /// <summary>Number of hashes in the slice.</summary>
    public int Count => _ids.Length;

    /// <summary>Bytes held: ids, hashes and the table.</summary>
    public long MemoryBytes => (4L * (_starts.Length + _ids.Length)) + (8L * _hashes.Length);

    /// <summary>
    /// The slice <paramref name="slice"/> of chunk <paramref name="chunk"/> cut <paramref name="sliceBits"/> bits deep,
    /// taking its members from <paramref name="batches"/> (hashes, each batch with the position of its first: a
    /// match's <see cref="HammingMatch.Index"/> is that position).
    /// </summary>
    public static HammingSlice Build(HammingChunkLayout layout, int chunk, int sliceBits, int slice, IEnumerable<(int Start, ulong[] Hashes)> batches)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentOutOfRangeException.ThrowIfNegative(sliceBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sliceBits, layout.Width(chunk));
        ArgumentOutOfRangeException.ThrowIfNegative(slice);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slice, 1 << sliceBits);
        var lowBits = layout.Width(chunk) - sliceBits;
        var members = new List<int>();
        var memberHashes = new List<ulong>();
        foreach (var (start, hashes) in batches)
        {
            for (var i = 0; i < hashes.Length; i++)
            {
                if (layout.ValueOf(chunk, hashes[i]) >> lowBits == (uint)slice)
                {
                    members.Add(start + i);
                    memberHashes.Add(hashes[i]);
                }
            }
        }

        var (starts, ids, sorted) = layout.Table(chunk, lowBits, CollectionsMarshal.AsSpan(members), CollectionsMarshal.AsSpan(memberHashes));
        return new HammingSlice(layout, chunk, lowBits, (uint)slice, starts, ids, sorted);
    }

    /// <summary>
    /// Appends the slice's hashes within <paramref name="maxDistance"/> bits of <paramref name="query"/> that no earlier
    /// chunk's probe reports, so that over every slice of every chunk each match is reported once.
    /// </summary>
    /// <param name="query">The query hash.</param>
    /// <param name="queryValues">The query's chunk values (<see cref="HammingChunkLayout.ValuesOf"/>).</param>
    /// <param name="maxDistance">The distance limit.</param>
    /// <param name="results">Where matches go.</param>
    public void Search(ulong query, ReadOnlySpan<uint> queryValues, int maxDistance, List<HammingMatch> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var radius = _layout.Radius(maxDistance);
        var value = queryValues[_chunk];
        // Flips spent on the prefix leave fewer for the low bits; a prefix too far away is not probed at all.
        var prefixFlips = BitOperations.PopCount((value >> _lowBits) ^ _prefix);
        if (prefixFlips > radius)
        {
            return;
        }

        var probe = new Probe(query, maxDistance, radius, results);
        ProbeAll(value & ((1u << _lowBits) - 1), 0, radius - prefixFlips, queryValues, in probe);
    }

    private void ProbeAll(uint low, int fromBit, int remaining, ReadOnlySpan<uint> queryValues, in Probe probe)
    {
        var end = _starts[low + 1];
        for (var i = _starts[low]; i < end; i++)
        {
            var hash = _hashes[i];
            var distance = BitOperations.PopCount(hash ^ probe.Query);
            if (distance <= probe.MaxDistance && !_layout.FoundInEarlierChunk(_chunk, hash, queryValues, probe.Radius))
            {
                probe.Results.Add(new HammingMatch(_ids[i], distance));
            }
        }

        if (remaining == 0)
        {
            return;
        }

        for (var bit = fromBit; bit < _lowBits; bit++)
        {
            ProbeAll(low ^ (1u << bit), bit + 1, remaining - 1, queryValues, in probe);
        }
    }

    /// <summary>One search's fixed inputs.</summary>
    private readonly record struct Probe(ulong Query, int MaxDistance, int Radius, List<HammingMatch> Results);
}
