namespace Pipeline.Curation.Dedup;

/// <summary>
/// How multi-index Hamming search cuts 64-bit hashes into chunks: m chunks of about log2(n) bits (at least 3),
/// spread as evenly as possible, so that two hashes within k bits agree within ⌊k/m⌋ bits in some chunk.
/// </summary>
public sealed class HammingChunkLayout
{
    private readonly int[] _shifts;
    private readonly int[] _widths;

    private HammingChunkLayout(int[] shifts, int[] widths)
    {
        _shifts = shifts;
        _widths = widths;
    }

    /// <summary>Number of chunks.</summary>
    public int Count => _widths.Length;

    /// <summary>The layout for <paramref name="hashCount"/> hashes.</summary>
    /// <param name="hashCount">How many hashes are searched.</param>
    /// <param name="chunkBits">Bits per chunk; by default about log2 of the count, between 8 and 24.</param>
    public static HammingChunkLayout For(long hashCount, int? chunkBits = null)
    {
        var bits = chunkBits ?? Math.Clamp((int)Math.Round(Math.Log2(Math.Max(hashCount, 2))), 8, 24);
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1, nameof(chunkBits));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 26, nameof(chunkBits));
        // Chunks at least `bits` wide (floor, not ceiling), so a table bucket holds about one hash whatever n: with
        // narrower chunks (4 of 16 bits from 90k to 3M hashes) buckets fill as n grows and the search turns quadratic.
        // At least 3 chunks, so no table exceeds 2^22 slots.
        var count = Math.Max(3, 64 / bits);
        var shifts = new int[count];
        var widths = new int[count];
        var shift = 64;
        for (var c = 0; c < count; c++)
        {
            // The first (64 mod m) chunks take one bit more.
            widths[c] = (64 / count) + (c < 64 % count ? 1 : 0);
            shift -= widths[c];
            shifts[c] = shift;
        }

        return new HammingChunkLayout(shifts, widths);
    }

    /// <summary>The width in bits of chunk <paramref name="chunk"/>.</summary>
    public int Width(int chunk) => _widths[chunk];

    /// <summary>The value of chunk <paramref name="chunk"/> of <paramref name="hash"/>.</summary>
    public uint ValueOf(int chunk, ulong hash) => (uint)((hash >> _shifts[chunk]) & ((1UL << _widths[chunk]) - 1));

    /// <summary>The per-chunk radius that finds every hash within <paramref name="maxDistance"/> bits: ⌊k/m⌋.</summary>
    public int Radius(int maxDistance) => maxDistance / Count;

    /// <summary>Writes every chunk value of <paramref name="hash"/> into <paramref name="values"/> (one per chunk).</summary>
    public void ValuesOf(ulong hash, Span<uint> values)
    {
        for (var c = 0; c < _widths.Length; c++)
        {
            values[c] = ValueOf(c, hash);
        }
    }

    /// <summary>
    /// A table of chunk <paramref name="chunk"/>: the hashes (and their ids, <paramref name="ids"/>, or their positions
    /// when empty) sorted by the low <paramref name="bits"/> bits of their chunk value, and where each value's run starts.
    /// A counting sort, so ids stay ascending within a value.
    /// </summary>
    internal (int[] Starts, int[] Ids, ulong[] Hashes) Table(int chunk, int bits, ReadOnlySpan<int> ids, ReadOnlySpan<ulong> hashes)
    {
        var mask = (1u << bits) - 1;
        var starts = new int[(1 << bits) + 1];
        foreach (var hash in hashes)
        {
            starts[(ValueOf(chunk, hash) & mask) + 1]++;
        }

        for (var v = 1; v < starts.Length; v++)
        {
            starts[v] += starts[v - 1];
        }

        var next = starts[..^1];
        var sortedIds = new int[hashes.Length];
        var sorted = new ulong[hashes.Length];
        for (var i = 0; i < hashes.Length; i++)
        {
            var at = next[(int)(ValueOf(chunk, hashes[i]) & mask)]++;
            sortedIds[at] = ids.IsEmpty ? i : ids[i];
            sorted[at] = hashes[i];
        }

        return (starts, sortedIds, sorted);
    }

    /// <summary>
    /// Whether a chunk before <paramref name="chunk"/> of <paramref name="hash"/> lies within <paramref name="radius"/>
    /// bits of the query's (<paramref name="queryValues"/>): then that chunk's probe reports the pair, and later ones skip it.
    /// </summary>
    public bool FoundInEarlierChunk(int chunk, ulong hash, ReadOnlySpan<uint> queryValues, int radius)
    {
        for (var j = 0; j < chunk; j++)
        {
            if (System.Numerics.BitOperations.PopCount(queryValues[j] ^ ValueOf(j, hash)) <= radius)
            {
                return true;
            }
        }

        return false;
    }
}
