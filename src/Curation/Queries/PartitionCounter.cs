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
    private readonly Dictionary<long, long> _pairs = [];
    private long[] _counts = new long[1 << 12];

    /// <summary>Counts into <paramref name="buckets"/> hash buckets, spilling at <paramref name="maxEntries"/> distinct keys.</summary>
    public PartitionCounter(int buckets, int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _buckets = buckets;
        _maxEntries = maxEntries;
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Words counted.</summary>
    public long Tokens { get; private set; }

    /// <summary>Adjacent word pairs counted (the bigram total).</summary>
    public long Pairs { get; private set; }

    /// <summary>Runs spilled so far.</summary>
    public int Runs { get; private set; }

    /// <summary>Whether the distinct keys held reached the limit, so the caller should spill.</summary>
    public bool IsFull => _ids.Count + _pairs.Count >= _maxEntries;

    /// <summary>The bucket a key belongs to: the same in every process.</summary>
    public static int BucketOf(ReadOnlySpan<char> key, int buckets) =>
        (int)(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key)) % (ulong)buckets);

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
                CollectionsMarshal.GetValueRefOrAddDefault(_pairs, ((long)previous << 32) | (uint)current, out _)++;
                Pairs++;
            }

            previous = current;
        }
    }

    /// <summary>
    /// Writes what is held as run <see cref="Runs"/> into <paramref name="folder"/>: for every bucket, a words run and
    /// a bigrams run (possibly empty), then forgets it.
    /// </summary>
    public void Spill(string folder)
    {
        var words = NewBuckets();
        for (var id = 0; id < _words.Count; id++)
        {
            words[BucketOf(_words[id], _buckets)].Add(new(_words[id], _counts[id]));
        }

        var pairs = NewBuckets();
        foreach (var (key, count) in _pairs)
        {
            var bigram = string.Concat(_words[(int)(key >> 32)], " ", _words[(int)(key & 0xFFFFFFFF)]);
            pairs[BucketOf(bigram, _buckets)].Add(new(bigram, count));
        }

        for (var b = 0; b < _buckets; b++)
        {
            words[b].Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
            CountRunWriter.Write(Path.Combine(folder, QueryPaths.WordRun(b, Runs)), words[b]);
            pairs[b].Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
            CountRunWriter.Write(Path.Combine(folder, QueryPaths.BigramRun(b, Runs)), pairs[b]);
        }

        Runs++;
        _ids.Clear();
        _words.Clear();
        _pairs.Clear();
        Array.Clear(_counts);
    }

    private List<KeyValuePair<string, long>>[] NewBuckets()
    {
        var buckets = new List<KeyValuePair<string, long>>[_buckets];
        for (var b = 0; b < _buckets; b++)
        {
            buckets[b] = [];
        }

        return buckets;
    }
}
