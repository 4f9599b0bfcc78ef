using System.Numerics;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// Finds every stored 64-bit hash within Hamming distance k of a query without comparing against all of them:
/// multi-index hashing (Norouzi, Punjani and Fleet, CVPR 2012). The 64 bits are cut into m chunks of about
/// log2(n) bits and each chunk gets a table from chunk value to hashes. If two hashes differ in at most k bits,
/// then by the pigeonhole principle some chunk differs in at most ⌊k/m⌋ bits, so probing each table at every
/// value within that radius of the query's chunk finds all candidates; each is then checked on all 64 bits.
/// Memory is 8 bytes per hash for the hashes plus 12 bytes per hash per chunk (id and hash, in chunk order) plus the chunk tables.
/// Read-only after <see cref="Build"/>, so searches may run on many threads.
/// </summary>
public sealed class HammingIndex
{
    private readonly ulong[] _hashes;
    private readonly HammingChunkLayout _layout;
    private readonly Chunk[] _chunks;

    private HammingIndex(ulong[] hashes, HammingChunkLayout layout, Chunk[] chunks)
    {
        _hashes = hashes;
        _layout = layout;
        _chunks = chunks;
    }

    /// <summary>Number of hashes indexed.</summary>
    public int Count => _hashes.Length;

    /// <summary>Number of chunks (tables) the hashes are cut into.</summary>
    public int Chunks => _chunks.Length;

    /// <summary>Bytes held by the index: hashes, chunk tables and their id lists.</summary>
    public long MemoryBytes => (8L * _hashes.Length) + _chunks.Sum(c => (4L * (c.Starts.Length + c.Ids.Length)) + (8L * c.Hashes.Length));

    /// <summary>The hash at <paramref name="index"/>, as given to <see cref="Build"/>.</summary>
    public ulong this[int index] => _hashes[index];

    /// <summary>Indexes <paramref name="hashes"/>; a match's <see cref="HammingMatch.Index"/> is a position in it.</summary>
    /// <param name="hashes">The hashes (copied).</param>
    /// <param name="chunkBits">Bits per chunk; by default about log2 of the count, between 8 and 24.</param>
    public static HammingIndex Build(ReadOnlySpan<ulong> hashes, int? chunkBits = null)
    {
        var layout = HammingChunkLayout.For(hashes.Length, chunkBits);
        var copy = hashes.ToArray();
        var chunks = new Chunk[layout.Count];
        for (var c = 0; c < chunks.Length; c++)
        {
            chunks[c] = Chunk.Build(copy, layout, c);
        }

        return new HammingIndex(copy, layout, chunks);
    }

    /// <summary>Appends every indexed hash within <paramref name="maxDistance"/> bits of <paramref name="query"/> to <paramref name="results"/>, each once.</summary>
    public void Search(ulong query, int maxDistance, List<HammingMatch> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDistance);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDistance, 64);

        // The query's chunk values, computed once: every candidate is checked against the earlier ones.
        Span<uint> queryChunks = stackalloc uint[_chunks.Length];
        _layout.ValuesOf(query, queryChunks);
        var search = new Probe(query, maxDistance, _layout.Radius(maxDistance), results);
        for (var c = 0; c < _chunks.Length; c++)
        {
            ProbeAll(c, queryChunks[c], 0, search.Radius, queryChunks, in search);
        }
    }

    /// <summary>Visits every chunk value within <paramref name="remaining"/> flips of <paramref name="value"/>, flipping only bits at or after <paramref name="fromBit"/>.</summary>
    private void ProbeAll(int c, uint value, int fromBit, int remaining, ReadOnlySpan<uint> queryChunks, in Probe search)
    {
        Visit(c, value, queryChunks, in search);
        if (remaining == 0)
        {
            return;
        }

        for (var bit = fromBit; bit < _layout.Width(c); bit++)
        {
            ProbeAll(c, value ^ (1u << bit), bit + 1, remaining - 1, queryChunks, in search);
        }
    }

    private void Visit(int c, uint value, ReadOnlySpan<uint> queryChunks, in Probe search)
    {
        var chunk = _chunks[c];
        var end = chunk.Starts[value + 1];
        for (var i = chunk.Starts[value]; i < end; i++)
        {
            var hash = chunk.Hashes[i];
            var distance = BitOperations.PopCount(hash ^ search.Query);
            if (distance <= search.MaxDistance && !_layout.FoundInEarlierChunk(c, hash, queryChunks, search.Radius))
            {
                search.Results.Add(new HammingMatch(chunk.Ids[i], distance));
            }
        }
    }

    /// <summary>One search's fixed inputs: the query, the distance limit, the per-chunk radius and where matches go.</summary>
    private readonly record struct Probe(ulong Query, int MaxDistance, int Radius, List<HammingMatch> Results);

    /// <summary>
    /// One table: ids of the hashes sorted by this chunk's value, the hashes themselves in the same order (so a
    /// probe reads one run of memory instead of jumping to each candidate's hash), and where each value's run starts.
    /// </summary>
    private sealed class Chunk(int[] starts, int[] ids, ulong[] hashes)
    {
        public int[] Starts { get; } = starts;

        public int[] Ids { get; } = ids;

        public ulong[] Hashes { get; } = hashes;

        public static Chunk Build(ulong[] hashes, HammingChunkLayout layout, int c)
        {
            var (starts, ids, sorted) = layout.Table(c, layout.Width(c), [], hashes);
            return new Chunk(starts, ids, sorted);
        }
    }
}
