namespace Pipeline.Curation.Dedup;

/// <summary>
/// Decides, over the signatures of every shard, which samples deduplication keeps. The order of preference,
/// which makes the choice deterministic and independent of how the input is partitioned: the most original
/// pixels, then the smallest key (ordinal), then the earlier position in the manifest. Steps, each over what
/// the previous kept:
/// <list type="number">
/// <item>undecodable images are dropped;</item>
/// <item>samples with the same canonical URL and normalized caption collapse to the preferred one;</item>
/// <item>samples with the same image bytes and normalized caption collapse to the preferred one;</item>
/// <item>near-duplicate images (whatever their captions): samples with equal hashes form a class, classes are
/// visited from the one holding the most preferred sample down, and a class within the distance limit of an
/// already kept class joins the nearest one (ties to the more preferred); otherwise it is kept. A kept class
/// keeps only its preferred sample. Every dropped sample names the kept sample it duplicates.</item>
/// </list>
/// Holds about 100 bytes per sample, all in the coordinator; <see cref="PartitionedDuplicateResolver"/> decides the
/// same in bounded memory for large stores.
/// </summary>
public sealed class DuplicateResolver : IDuplicateResolver
{
    private readonly List<SampleSignature> _added = [];
    private readonly List<int> _shardStarts = [0];
    private readonly Dictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private SampleSignature[] _samples = [];
    private DedupDecision?[] _decisions = [];
    private ulong[] _classes = [];
    private int[] _classBest = [];

    /// <summary>A resolver to add shards to.</summary>
    public DuplicateResolver()
    {
    }

    /// <summary>A resolver over <paramref name="shards"/>, in manifest order.</summary>
    public DuplicateResolver(IReadOnlyList<IReadOnlyList<SampleSignature>> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        foreach (var shard in shards)
        {
            AddShard(shard);
        }
    }

    /// <inheritdoc/>
    public long Count => _added.Count;

    /// <inheritdoc/>
    public int DistinctHashCount => _classes.Length;

    /// <summary>Samples dropped so far, by reason.</summary>
    public IReadOnlyDictionary<string, long> Dropped => _dropped;

    /// <summary>Distinct perceptual hashes among the samples left after the exact steps, ascending.</summary>
    public IReadOnlyList<ulong> DistinctHashes => _classes;

    /// <inheritdoc/>
    public int NearGroups { get; private set; }

    /// <inheritdoc/>
    public void AddShard(IReadOnlyList<SampleSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        _added.AddRange(signatures);
        _shardStarts.Add(_added.Count);
    }

    /// <inheritdoc/>
    public void ResolveExact()
    {
        _samples = [.. _added];
        _decisions = new DedupDecision?[_samples.Length];
        for (var g = 0; g < _samples.Length; g++)
        {
            if (_samples[g].PerceptualHash is null)
            {
                Drop(g, DedupReason.Undecodable, null, null, _samples[g].Problem);
            }
        }

        Collapse(s => s.UrlCaption, DedupReason.SameUrlAndCaption);
        Collapse(s => s.ImageCaption, DedupReason.SameImageAndCaption);

        var best = new Dictionary<ulong, int>();
        for (var g = 0; g < _samples.Length; g++)
        {
            if (_decisions[g] is null)
            {
                var hash = _samples[g].PerceptualHash!.Value;
                if (!best.TryGetValue(hash, out var b) || Prefer(g, b))
                {
                    best[hash] = g;
                }
            }
        }

        _classes = [.. best.Keys.Order()];
        _classBest = [.. _classes.Select(h => best[h])];
    }

    /// <inheritdoc/>
    public void WriteDistinctHashes(Stream stream) => NearPairFile.WriteHashes(stream, _classes);

    /// <inheritdoc/>
    public void ResolveNear(IReadOnlyList<NearPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var n = _classes.Length;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => Compare(_classBest[a], _classBest[b]));
        var (representative, distance) = NearClassGreedy.Resolve(n, pairs, order);
        NearGroups = representative.Where((r, c) => r != c).Distinct().Count();
        var classOf = new Dictionary<ulong, int>(n);
        for (var c = 0; c < n; c++)
        {
            classOf[_classes[c]] = c;
        }

        for (var g = 0; g < _samples.Length; g++)
        {
            if (_decisions[g] is not null)
            {
                continue;
            }

            var c = classOf[_samples[g].PerceptualHash!.Value];
            var keeper = _classBest[representative[c]];
            if (keeper != g)
            {
                Drop(g, DedupReason.NearDuplicate, _samples[keeper].Key, representative[c] == c ? 0 : distance[c], null);
            }
        }
    }

    /// <inheritdoc/>
    public IEnumerable<IReadOnlyList<DedupDecision>> DecisionsByShard() => Enumerable.Range(0, _shardStarts.Count - 1).Select(DecisionsFor);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <summary>The dropped samples of shard <paramref name="shard"/> (manifest position), by row.</summary>
    public IReadOnlyList<DedupDecision> DecisionsFor(int shard)
    {
        var list = new List<DedupDecision>();
        for (var g = _shardStarts[shard]; g < _shardStarts[shard + 1]; g++)
        {
            if (_decisions[g] is { } decision)
            {
                list.Add(decision);
            }
        }

        return list;
    }

    private void Collapse(Func<SampleSignature, UInt128> keyOf, string reason)
    {
        var keys = new UInt128[_samples.Length];
        var best = new Dictionary<UInt128, int>();
        for (var g = 0; g < _samples.Length; g++)
        {
            if (_decisions[g] is null)
            {
                keys[g] = keyOf(_samples[g]);
                if (!best.TryGetValue(keys[g], out var b) || Prefer(g, b))
                {
                    best[keys[g]] = g;
                }
            }
        }

        for (var g = 0; g < _samples.Length; g++)
        {
            if (_decisions[g] is null && best[keys[g]] is var keeper && keeper != g)
            {
                Drop(g, reason, _samples[keeper].Key, null, null);
            }
        }
    }

    private void Drop(int g, string reason, string? duplicateOf, int? distance, string? detail)
    {
        _decisions[g] = new DedupDecision(_samples[g].Row, reason, duplicateOf, distance, detail);
        _dropped[reason] = _dropped.GetValueOrDefault(reason) + 1;
    }

    private bool Prefer(int a, int b) => Compare(a, b) < 0;

    private int Compare(int a, int b)
    {
        var (x, y) = (_samples[a], _samples[b]);
        var c = y.Pixels.CompareTo(x.Pixels);
        if (c == 0)
        {
            c = string.CompareOrdinal(x.Key, y.Key);
        }

        return c != 0 ? c : a.CompareTo(b);
    }
}
