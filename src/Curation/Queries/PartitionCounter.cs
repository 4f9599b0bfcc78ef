using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Counts the words and bigrams of one dump partition. Words get small ids; each bigram occurrence is appended as
/// one 64-bit key (first id high, second low) and the buffer is radix-sorted and combined into counts when it
/// fills, which streams through memory where a hash table would miss the cache on every pair. When the distinct
/// words plus bigrams reach the limit, everything is spilled as sorted runs, one per hash bucket, and counting
/// starts afresh, so memory stays bounded whatever the partition holds. Not thread-safe.
/// </summary>
public sealed class PartitionCounter
{
    private readonly int _buckets;
    private readonly int _maxEntries;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _words = [];
    private long[] _counts = new long[1 << 12];

    // Bigram keys and counts: [0, _combined) sorted and distinct, [_combined, _filled) appended since, count 1 each.
    private long[] _pairKeys;
    private long[] _pairCounts;
    private long[] _scratchKeys;
    private long[] _scratchCounts;
    private int _combined;
    private int _filled;

    /// <summary>
    /// Counts into <paramref name="buckets"/> hash buckets, spilling at <paramref name="maxEntries"/> distinct keys; the
    /// bigram buffer holds that many occurrences (32 bytes each with its sort scratch).
    /// </summary>
    public PartitionCounter(int buckets, int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _buckets = buckets;
        _maxEntries = maxEntries;
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        var capacity = Math.Max(1024, maxEntries);
        _pairKeys = new long[capacity];
        _pairCounts = new long[capacity];
        _scratchKeys = new long[capacity];
        _scratchCounts = new long[capacity];
    }

    /// <summary>Words counted.</summary>
    public long Tokens { get; private set; }

    /// <summary>Adjacent word pairs counted (the bigram total).</summary>
    public long Pairs { get; private set; }

    /// <summary>Runs spilled so far.</summary>
    public int Runs { get; private set; }

    /// <summary>Whether the caller should spill: the distinct words and bigrams held reached the limit, or the bigrams half the buffer.</summary>
    public bool IsFull => _ids.Count + _combined >= _maxEntries || _combined > _pairKeys.Length / 2;

    /// <summary>The bucket a word belongs to: the same in every process.</summary>
    public static int BucketOf(ReadOnlySpan<char> word, int buckets) => (int)(WordHash(word) % (ulong)buckets);

    /// <summary>Counts the words and bigrams of one text (a page); bigrams do not cross texts.</summary>
    public void Add(ReadOnlySpan<char> text)
    {
        var previous = -1;
        foreach (var token in new WordTokenizer(text))
        {
            var word = text.Slice(token.Start, token.Length);
            ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, word, out var exists);
            if (!exists)
            {
                id = _words.Count;

                // The table made the key's string as it added it; keep that one rather than make another.
                _lookup.TryGetValue(word, out var key, out _);
                _words.Add(key!);
                if (id == _counts.Length)
                {
                    Array.Resize(ref _counts, _counts.Length * 2);
                }
            }

            var current = id;
            _counts[current]++;
            Tokens++;
            if (token.FollowsWord && previous >= 0)
            {
                if (_filled == _pairKeys.Length)
                {
                    Combine();
                }

                _pairKeys[_filled] = ((long)previous << 32) | (uint)current;
                _pairCounts[_filled++] = 1;
                Pairs++;
            }

            previous = current;
        }
    }

    /// <summary>
    /// Writes what is held as run <see cref="Runs"/> into <paramref name="folder"/>: for every bucket, a words run and
    /// a bigrams run (possibly empty), then forgets it. Words are ranked once in ordinal order; since a space sorts
    /// before every word character, a bigram's order is that of its words' ranks, so bigram strings are never built.
    /// </summary>
    public void Spill(string folder)
    {
        Combine();
        var rank = new int[_words.Count];
        var byRank = new int[_words.Count];
        for (var id = 0; id < byRank.Length; id++)
        {
            byRank[id] = id;
        }

        Array.Sort(byRank, (a, b) => string.CompareOrdinal(_words[a], _words[b]));
        var hashes = new ulong[_words.Count];
        for (var r = 0; r < byRank.Length; r++)
        {
            rank[byRank[r]] = r;
            hashes[byRank[r]] = WordHash(_words[byRank[r]]);
        }

        // Place each bigram in its bucket's slice, keyed by its words' ranks; its bucket comes from the words' hashes.
        var bucketOf = new int[_combined];
        var starts = new int[_buckets + 1];
        for (var i = 0; i < _combined; i++)
        {
            var (first, second) = ((int)(_pairKeys[i] >> 32), (int)(_pairKeys[i] & 0xFFFFFFFF));
            bucketOf[i] = BigramBucket(hashes[first], hashes[second], _buckets);
            starts[bucketOf[i] + 1]++;
        }

        for (var b = 0; b < _buckets; b++)
        {
            starts[b + 1] += starts[b];
        }

        var next = starts[.._buckets];
        for (var i = 0; i < _combined; i++)
        {
            var (first, second) = ((int)(_pairKeys[i] >> 32), (int)(_pairKeys[i] & 0xFFFFFFFF));
            var at = next[bucketOf[i]]++;
            _scratchKeys[at] = ((long)rank[first] << 32) | (uint)rank[second];
            _scratchCounts[at] = _pairCounts[i];
        }

        (_pairKeys, _scratchKeys, _pairCounts, _scratchCounts) = (_scratchKeys, _pairKeys, _scratchCounts, _pairCounts);
        for (var b = 0; b < _buckets; b++)
        {
            using (var words = new CountRunWriter(Path.Combine(folder, QueryPaths.WordRun(b, Runs))))
            {
                foreach (var id in byRank)
                {
                    if ((int)(hashes[id] % (ulong)_buckets) == b)
                    {
                        words.Add(_words[id], [], _counts[id]);
                    }
                }

                words.Complete();
            }

            var (start, end) = (starts[b], starts[b + 1]);
            RadixSorter.Sort(_pairKeys.AsSpan(start, end - start), _pairCounts.AsSpan(start, end - start), _scratchKeys, _scratchCounts);
            using var bigrams = new CountRunWriter(Path.Combine(folder, QueryPaths.BigramRun(b, Runs)));
            for (var i = start; i < end; i++)
            {
                bigrams.Add(_words[byRank[(int)(_pairKeys[i] >> 32)]], _words[byRank[(int)(_pairKeys[i] & 0xFFFFFFFF)]], _pairCounts[i]);
            }

            bigrams.Complete();
        }

        Runs++;
        _ids.Clear();
        _words.Clear();
        Array.Clear(_counts);
        (_combined, _filled) = (0, 0);
    }

    private static ulong WordHash(ReadOnlySpan<char> word) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(word));

    private static int BigramBucket(ulong first, ulong second, int buckets) =>
        (int)((((first * 0x9E3779B97F4A7C15UL) ^ second) * 0xC2B2AE3D27D4EB4FUL >> 16) % (ulong)buckets);

    private void Combine()
    {
        _combined = RadixSorter.SortAndCombine(_pairKeys, _pairCounts, _filled, _scratchKeys, _scratchCounts);
        _filled = _combined;

        // Distinct pairs that leave no room to go on (one huge page): grow; the caller spills after the page, as IsFull says.
        if (_filled > _pairKeys.Length / 4 * 3)
        {
            var size = _pairKeys.Length * 2;
            Array.Resize(ref _pairKeys, size);
            Array.Resize(ref _pairCounts, size);
            _scratchKeys = new long[size];
            _scratchCounts = new long[size];
        }
    }
}
