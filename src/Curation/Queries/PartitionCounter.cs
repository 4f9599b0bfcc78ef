using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Counts the words and bigrams of one dump partition. Words get small ids so a bigram is one 64-bit key; when
/// the distinct words plus bigrams reach the limit, everything is spilled as sorted runs, one per hash bucket,
/// and counting starts afresh, so memory stays bounded whatever the partition holds. Not thread-safe.
/// </summary>
public sealed class PartitionCounter
{
    private readonly int _buckets;
    private readonly int _maxEntries;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _words = [];
    private readonly PairCountTable _pairs;
    private long[] _counts = new long[1 << 12];

    /// <summary>Counts into <paramref name="buckets"/> hash buckets, spilling at <paramref name="maxEntries"/> distinct keys.</summary>
    public PartitionCounter(int buckets, int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _buckets = buckets;
        _maxEntries = maxEntries;
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

        // Sized up front: rehashing a table of millions of pairs as it grows costs more than the counting.
        _pairs = new PairCountTable(Math.Min(maxEntries, 1 << 21));
        _ids.EnsureCapacity(Math.Min(maxEntries, 1 << 18));
    }

    /// <summary>Words counted.</summary>
    public long Tokens { get; private set; }

    /// <summary>Adjacent word pairs counted (the bigram total).</summary>
    public long Pairs { get; private set; }

    /// <summary>Runs spilled so far.</summary>
    public int Runs { get; private set; }

    /// <summary>Whether the distinct keys held reached the limit, so the caller should spill.</summary>
    public bool IsFull => _ids.Count + _pairs.Count >= _maxEntries;

    /// <summary>The bucket a word belongs to: the same in every process.</summary>
    public static int BucketOf(ReadOnlySpan<char> word, int buckets) => (int)(WordHash(word) % (ulong)buckets);

    private static ulong WordHash(ReadOnlySpan<char> word) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(word));

    private static int BigramBucket(ulong first, ulong second, int buckets) =>
        (int)((((first * 0x9E3779B97F4A7C15UL) ^ second) * 0xC2B2AE3D27D4EB4FUL >> 16) % (ulong)buckets);

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
                _words.Add(word.ToString());
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
                _pairs.Increment(((long)previous << 32) | (uint)current);
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
        var rank = new int[_words.Count];
        var byRank = new int[_words.Count];
        for (var id = 0; id < byRank.Length; id++)
        {
            byRank[id] = id;
        }

        Array.Sort(byRank, (a, b) => string.CompareOrdinal(_words[a], _words[b]));
        for (var r = 0; r < byRank.Length; r++)
        {
            rank[byRank[r]] = r;
        }

        var wordBuckets = new List<int>[_buckets];
        var pairBuckets = new List<(long Key, long Count)>[_buckets];
        for (var b = 0; b < _buckets; b++)
        {
            wordBuckets[b] = [];
            pairBuckets[b] = [];
        }

        foreach (var id in byRank)
        {
            wordBuckets[BucketOf(_words[id], _buckets)].Add(id);
        }

        // A bigram's bucket comes from its words' hashes, so no bigram string is built to find it.
        var hashes = new ulong[_words.Count];
        for (var id = 0; id < hashes.Length; id++)
        {
            hashes[id] = WordHash(_words[id]);
        }

        _pairs.ForEach((key, count) =>
        {
            var (first, second) = ((int)(key >> 32), (int)(key & 0xFFFFFFFF));
            pairBuckets[BigramBucket(hashes[first], hashes[second], _buckets)].Add((((long)rank[first] << 32) | (uint)rank[second], count));
        });

        for (var b = 0; b < _buckets; b++)
        {
            using (var words = new CountRunWriter(Path.Combine(folder, QueryPaths.WordRun(b, Runs))))
            {
                foreach (var id in wordBuckets[b])
                {
                    words.Add(_words[id], [], _counts[id]);
                }

                words.Complete();
            }

            var pairs = pairBuckets[b];
            pairs.Sort(static (x, y) => x.Key.CompareTo(y.Key));
            using var bigrams = new CountRunWriter(Path.Combine(folder, QueryPaths.BigramRun(b, Runs)));
            foreach (var (ranks, count) in pairs)
            {
                bigrams.Add(_words[byRank[(int)(ranks >> 32)]], _words[byRank[(int)(ranks & 0xFFFFFFFF)]], count);
            }

            bigrams.Complete();
        }

        Runs++;
        _ids.Clear();
        _words.Clear();
        _pairs.Clear();
        Array.Clear(_counts);
    }
}
