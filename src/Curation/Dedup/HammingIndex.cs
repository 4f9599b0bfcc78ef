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
    private readonly Chunk[] _chunks;

    private HammingIndex(ulong[] hashes, Chunk[] chunks)
    {
        _hashes = hashes;
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
        var bits = chunkBits ?? Math.Clamp((int)Math.Round(Math.Log2(Math.Max(hashes.Length, 2))), 8, 24);
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1, nameof(chunkBits));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 26, nameof(chunkBits));
        var copy = hashes.ToArray();
        // Chunks at least `bits` wide (floor, not ceiling), so a table bucket holds about one hash whatever n: with
        // narrower chunks (4 of 16 bits from 90k to 3M hashes) buckets fill as n grows and the search turns quadratic.
        // At least 3 chunks, so no table exceeds 2^22 slots.
        var count = Math.Max(3, 64 / bits);
        var chunks = new Chunk[count];
        var shift = 64;
        for (var c = 0; c < count; c++)
        {
            // Spread the 64 bits as evenly as possible: the first (64 mod m) chunks take one bit more.
            var width = (64 / count) + (c < 64 % count ? 1 : 0);
            shift -= width;
            chunks[c] = Chunk.Build(copy, shift, width);
        }

        return new HammingIndex(copy, chunks);
    }

    /// <summary>Appends every indexed hash within <paramref name="maxDistance"/> bits of <paramref name="query"/> to <paramref name="results"/>, each once.</summary>
    public void Search(ulong query, int maxDistance, List<HammingMatch> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDistance);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDistance, 64);

        // The query's chunk values, computed once: every candidate is checked against the earlier ones.
        Span<uint> queryChunks = stackalloc uint[_chunks.Length];
        for (var c = 0; c < _chunks.Length; c++)
        {
            queryChunks[c] = _chunks[c].ValueOf(query);
        }

        var search = new Probe(query, maxDistance, maxDistance / _chunks.Length, results);
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

        for (var bit = fromBit; bit < _chunks[c].Width; bit++)
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
            var id = chunk.Ids[i];
            var hash = chunk.Hashes[i];
            var distance = BitOperations.PopCount(hash ^ search.Query);
            if (distance <= search.MaxDistance && !FoundInEarlierChunk(c, hash, queryChunks, search.Radius))
            {
                search.Results.Add(new HammingMatch(id, distance));
            }
        }
    }

    // A hash close enough in an earlier chunk was (or will be) reported by that chunk's probe; report it once.
    private bool FoundInEarlierChunk(int c, ulong hash, ReadOnlySpan<uint> queryChunks, int radius)
    {
        for (var j = 0; j < c; j++)
        {
            if (BitOperations.PopCount(queryChunks[j] ^ _chunks[j].ValueOf(hash)) <= radius)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One search's fixed inputs: the query, the distance limit, the per-chunk radius and where matches go.</summary>
    private readonly record struct Probe(ulong Query, int MaxDistance, int Radius, List<HammingMatch> Results);

    /// <summary>
    /// One table: ids of the hashes sorted by this chunk's value, the hashes themselves in the same order (so a
    /// probe reads one run of memory instead of jumping to each candidate's hash), and where each value's run starts.
    /// </summary>
    private sealed class Chunk(int shift, int width, int[] starts, int[] ids, ulong[] hashes)
    {
        public int Width { get; } = width;

        public int[] Starts { get; } = starts;

        public int[] Ids { get; } = ids;

        public ulong[] Hashes { get; } = hashes;

        public uint ValueOf(ulong hash) => (uint)((hash >> shift) & ((1UL << Width) - 1));

        public static Chunk Build(ulong[] hashes, int shift, int width)
        {
            var starts = new int[(1 << width) + 1];
            var mask = (1UL << width) - 1;
            foreach (var hash in hashes)
            {
                starts[((hash >> shift) & mask) + 1]++;
            }

            for (var v = 1; v < starts.Length; v++)
            {
                starts[v] += starts[v - 1];
            }

            // Counting sort: ids land in ascending order within each value's run.
            var next = starts[..^1];
            var ids = new int[hashes.Length];
            var sorted = new ulong[hashes.Length];
            for (var id = 0; id < hashes.Length; id++)
            {
                var at = next[(int)((hashes[id] >> shift) & mask)]++;
                ids[at] = id;
                sorted[at] = hashes[id];
            }

            return new Chunk(shift, width, starts, ids, sorted);
        }
    }
}
