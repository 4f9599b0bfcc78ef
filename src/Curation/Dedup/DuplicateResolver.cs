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
/// <item>near-duplicate images (whatever their captions): samples whose near-duplicate hashes are equal or within
/// the distance limit are candidates, and <see cref="NearSampleGreedy"/> keeps a sample unless the verifier takes it
/// for the same picture as a more preferred kept candidate. Every dropped sample names the kept sample it duplicates,
/// the hash distance and the verification figures.</item>
/// </list>
/// Holds about 100 bytes per sample, all in the coordinator, and the fingerprints in a temporary file;
/// <see cref="PartitionedDuplicateResolver"/> decides the same in bounded memory for large stores.
/// </summary>
/// <param name="verifier">Compares candidate pairs.</param>
/// <param name="maxComparisons">Most candidates compared per sample.</param>
public sealed class DuplicateResolver(DuplicateVerifier verifier, int maxComparisons) : IDuplicateResolver
{
    private readonly FingerprintStore _fingerprints = new(Path.GetTempPath());
    private readonly List<SampleSignature> _added = [];
    private readonly List<int> _shardStarts = [0];
    private readonly Dictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private SampleSignature[] _samples = [];
    private DedupDecision?[] _decisions = [];
    private ulong[] _classes = [];

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
    public long NearVerified { get; private set; }

    /// <inheritdoc/>
    public long NearRejected { get; private set; }

    /// <inheritdoc/>
    public void AddShard(IReadOnlyList<SampleSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        foreach (var signature in signatures)
        {
            // The fingerprint goes to the file by position; the ~100 bytes decisions need stay here.
            _fingerprints.Append(signature.Fingerprint);
            _added.Add(signature with { Fingerprint = null });
        }

        _shardStarts.Add(_added.Count);
    }

    /// <inheritdoc/>
    public void ResolveExact()
    {
        _samples = [.. _added];
        _decisions = new DedupDecision?[_samples.Length];
        for (var g = 0; g < _samples.Length; g++)
        {
            if (_samples[g].NearHash is null)
            {
                Drop(g, DedupReason.Undecodable, null, null, _samples[g].Problem);
            }
        }

        Collapse(s => s.UrlCaption, DedupReason.SameUrlAndCaption);
        Collapse(s => s.ImageCaption, DedupReason.SameImageAndCaption);

        _classes = [.. Enumerable.Range(0, _samples.Length).Where(g => _decisions[g] is null).Select(g => _samples[g].NearHash!.Value).Distinct().Order()];
    }

    /// <inheritdoc/>
    public void WriteDistinctHashes(Stream stream) => NearPairFile.WriteHashes(stream, _classes);

    /// <inheritdoc/>
    public void ResolveNear(IReadOnlyList<NearPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var members = new List<NearMember>();
        for (var g = 0; g < _samples.Length; g++)
        {
            if (_decisions[g] is null)
            {
                members.Add(new NearMember(g, _samples[g].Key, _samples[g].Pixels, _samples[g].NearHash!.Value));
            }
        }

        var resolution = NearSampleGreedy.Resolve(
            members, pairs.Select(p => (_classes[p.A], _classes[p.B], p.Distance)),
            (a, b) => verifier.Verify(_fingerprints.Read(a), _fingerprints.Read(b)), maxComparisons);
        (NearGroups, NearVerified, NearRejected) = (resolution.Groups, resolution.Verified, resolution.Rejected);
        foreach (var drop in resolution.Drops)
        {
            Drop((int)drop.Global, DedupReason.NearDuplicate, drop.KeeperKey, drop.Distance, drop.Verification.ToString());
        }
    }

    /// <inheritdoc/>
    public IEnumerable<IReadOnlyList<DedupDecision>> DecisionsByShard() => Enumerable.Range(0, _shardStarts.Count - 1).Select(DecisionsFor);

    /// <inheritdoc/>
    public void Dispose() => _fingerprints.Dispose();

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

    private bool Prefer(int a, int b) =>
        NearSampleGreedy.Compare(new NearMember(a, _samples[a].Key, _samples[a].Pixels, 0), new NearMember(b, _samples[b].Key, _samples[b].Pixels, 0)) < 0;
}
