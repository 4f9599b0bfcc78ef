using System.Text;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// The decisions of <see cref="DuplicateResolver"/>, sample for sample, in memory bounded by a partition's rows
/// instead of the whole store. Signatures are routed through files in a spill folder:
/// <list type="number">
/// <item>each shard's decodable samples go to partitions by their URL-and-caption key (undecodable ones are dropped);</item>
/// <item>each partition collapses its equal keys and routes the survivors by image-and-caption key; those partitions
/// collapse theirs and route the survivors by near-duplicate hash;</item>
/// <item>each hash partition finds its classes (equal hashes), written sorted by hash, so the distinct hashes stream
/// out in order by a merge;</item>
/// <item>the near step runs <see cref="NearSampleGreedy"/> over the samples whose hash has a near pair, all at once,
/// then over each hash partition's other samples (their candidates all share the partition): the greedy's decisions
/// depend only on the samples linked by hashes, so this decides as one run over everything would;</item>
/// <item>the drops, bucketed by position, come out shard by shard in row order.</item>
/// </list>
/// Memory: one partition's samples at a time (about 100 bytes each), plus the samples whose hashes have near pairs;
/// fingerprints stay in a file of fixed-size records, read for the pairs verified.
/// </summary>
public sealed class PartitionedDuplicateResolver : IDuplicateResolver
{
    private const byte Undecodable = 0, SameUrl = 1, SameImage = 2, Near = 3;
    private const int BufferSize = 1 << 16;
    private static readonly string[] Reasons = [DedupReason.Undecodable, DedupReason.SameUrlAndCaption, DedupReason.SameImageAndCaption, DedupReason.NearDuplicate];

    private readonly string _folder;
    private readonly int _partitions;
    private readonly long _bucketRows;
    private readonly List<long> _shardStarts = [0];
    private readonly BinaryWriter?[] _urlRoutes;
    private readonly Dictionary<long, BinaryWriter> _drops = [];
    private readonly DuplicateVerifier _verifier;
    private readonly int _maxComparisons;
    private readonly FingerprintStore _fingerprints;
    private bool _disposed;

    /// <summary>
    /// A resolver spilling to <paramref name="folder"/> (replaced if it exists, removed on dispose), cutting about
    /// <paramref name="expectedSamples"/> samples into partitions of about <paramref name="partitionRows"/>.
    /// </summary>
    public PartitionedDuplicateResolver(string folder, long partitionRows, long expectedSamples, DuplicateVerifier verifier, int maxComparisons)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionRows, 1);
        ArgumentNullException.ThrowIfNull(verifier);
        _verifier = verifier;
        _maxComparisons = maxComparisons;
        _folder = folder;
        _bucketRows = partitionRows;
        _partitions = (int)Math.Clamp((Math.Max(1, expectedSamples) + partitionRows - 1) / partitionRows, 1, 4096);
        _urlRoutes = new BinaryWriter?[_partitions];
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        _fingerprints = new FingerprintStore(folder);
    }

    /// <summary>Partitions the samples are cut into.</summary>
    public int Partitions => _partitions;

    /// <summary>The most samples held in memory at once by one step.</summary>
    public long PeakHeldRows { get; private set; }

    /// <inheritdoc/>
    public long Count => _shardStarts[^1];

    /// <inheritdoc/>
    public int DistinctHashCount { get; private set; }

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
        var start = _shardStarts[^1];
        for (var i = 0; i < signatures.Count; i++)
        {
            var s = signatures[i];
            _fingerprints.Append(s.Fingerprint);
            if (s.NearHash is not { } hash)
            {
                Drop(start + i, s.Row, Undecodable, null, null, s.Problem);
                continue;
            }

            var p = (int)(s.UrlCaption % (UInt128)_partitions);
            Write(_urlRoutes[p] ??= Create(PathOf("url", p)), new Routed(start + i, s.Row, s.Key, s.UrlCaption, s.ImageCaption, hash, s.Pixels));
        }

        _shardStarts.Add(start + signatures.Count);
    }

    /// <inheritdoc/>
    public void ResolveExact()
    {
        Close(_urlRoutes);
        Collapse("url", r => r.UrlCaption, SameUrl, "image", r => (int)(r.ImageCaption % (UInt128)_partitions));
        Collapse("image", r => r.ImageCaption, SameImage, "hash", r => HashPartition(r.Hash));

        // Classes: equal hashes, each with its preferred sample, sorted by hash within a partition.
        for (var p = 0; p < _partitions; p++)
        {
            var rows = Load("hash", p);
            var best = new Dictionary<ulong, int>();
            for (var i = 0; i < rows.Count; i++)
            {
                if (!best.TryGetValue(rows[i].Hash, out var b) || Prefer(rows[i], rows[b]))
                {
                    best[rows[i].Hash] = i;
                }
            }

            using var classes = Create(PathOf("class", p));
            foreach (var (hash, i) in best.OrderBy(c => c.Key))
            {
                classes.Write(hash);
                classes.Write(rows[i].Global);
                classes.Write(rows[i].Key);
                classes.Write(rows[i].Pixels);
            }

            DistinctHashCount += best.Count;
        }
    }

    /// <inheritdoc/>
    public void WriteDistinctHashes(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(DistinctHashCount);
        foreach (var c in MergedClasses())
        {
            writer.Write(c.Hash);
        }
    }

    /// <inheritdoc/>
    public void ResolveNear(IReadOnlyList<NearPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var involved = pairs.SelectMany(p => new[] { p.A, p.B }).Distinct().Order().ToArray();
        var hashes = new ulong[involved.Length];
        var index = 0;
        var j = 0;
        foreach (var c in MergedClasses())
        {
            if (j == involved.Length)
            {
                break;
            }

            if (index++ == involved[j])
            {
                hashes[j++] = c.Hash;
            }
        }

        if (j != involved.Length)
        {
            throw new InvalidDataException($"a near pair names distinct hash {involved[j]}, but there are only {DistinctHashCount}");
        }

        // Samples whose hash has a near pair, decided together; the rest, partition by partition.
        var linked = hashes.ToHashSet();
        var rows = new Dictionary<long, int>();
        for (var p = 0; p < _partitions; p++)
        {
            foreach (var r in Load("hash", p).Where(r => linked.Contains(r.Hash)))
            {
                rows[r.Global] = r.Row;
            }
        }

        PeakHeldRows = Math.Max(PeakHeldRows, rows.Count);
        var hashPairs = pairs.Select(p => (hashes[Array.BinarySearch(involved, p.A)], hashes[Array.BinarySearch(involved, p.B)], p.Distance)).ToList();
        Apply(Members(linked, inLinked: true), hashPairs);
        for (var p = 0; p < _partitions; p++)
        {
            rows.Clear();
            foreach (var r in Load("hash", p).Where(r => !linked.Contains(r.Hash)))
            {
                rows[r.Global] = r.Row;
            }

            if (rows.Count > 1)
            {
                Apply(Members(linked, inLinked: false, partition: p), []);
            }
        }

        void Apply(List<NearMember> members, List<(ulong, ulong, int)> hashPairs)
        {
            var resolution = NearSampleGreedy.Resolve(members, hashPairs, (a, b) => _verifier.Verify(_fingerprints.Read(a), _fingerprints.Read(b)), _maxComparisons);
            NearGroups += resolution.Groups;
            NearVerified += resolution.Verified;
            NearRejected += resolution.Rejected;
            foreach (var drop in resolution.Drops)
            {
                Drop(drop.Global, rows[drop.Global], Near, drop.KeeperKey, drop.Distance, drop.Verification.ToString());
            }
        }
    }

    /// <summary>The samples of every hash partition (or of <paramref name="partition"/>) whose hash is, or is not, in <paramref name="linked"/>.</summary>
    private List<NearMember> Members(HashSet<ulong> linked, bool inLinked, int? partition = null)
    {
        var members = new List<NearMember>();
        for (var p = partition ?? 0; p < (partition + 1 ?? _partitions); p++)
        {
            members.AddRange(Load("hash", p).Where(r => linked.Contains(r.Hash) == inLinked).Select(r => new NearMember(r.Global, r.Key, r.Pixels, r.Hash)));
        }

        return members;
    }

    /// <inheritdoc/>
    public IEnumerable<IReadOnlyList<DedupDecision>> DecisionsByShard()
    {
        foreach (var writer in _drops.Values)
        {
            writer.Dispose();
        }

        _drops.Clear();
        using var drops = SortedDrops().GetEnumerator();
        var more = drops.MoveNext();
        for (var shard = 0; shard < _shardStarts.Count - 1; shard++)
        {
            var list = new List<DedupDecision>();
            while (more && drops.Current.Global < _shardStarts[shard + 1])
            {
                list.Add(drops.Current.Decision);
                more = drops.MoveNext();
            }

            yield return list;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Close(_urlRoutes);
        _fingerprints.Dispose();
        foreach (var writer in _drops.Values)
        {
            writer.Dispose();
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Every drop, ascending by position, bucket by bucket.</summary>
    private IEnumerable<(long Global, DedupDecision Decision)> SortedDrops()
    {
        var buckets = Directory.GetFiles(_folder, "drops-*.bin").Order(StringComparer.Ordinal);
        foreach (var path in buckets)
        {
            var list = new List<(long Global, DedupDecision Decision)>();
            using (var reader = Open(path)!)
            {
                while (reader.BaseStream.Position < reader.BaseStream.Length)
                {
                    var global = reader.ReadInt64();
                    var row = reader.ReadInt32();
                    var reason = Reasons[reader.ReadByte()];
                    var duplicateOf = reader.ReadString();
                    var distance = reader.ReadInt32();
                    var detail = reader.ReadString();
                    list.Add((global, new DedupDecision(row, reason, duplicateOf.Length == 0 ? null : duplicateOf, distance < 0 ? null : distance, detail.Length == 0 ? null : detail)));
                }
            }

            PeakHeldRows = Math.Max(PeakHeldRows, list.Count);
            list.Sort((a, b) => a.Global.CompareTo(b.Global));
            foreach (var drop in list)
            {
                yield return drop;
            }
        }
    }

    /// <summary>The classes of every hash partition, merged in ascending hash order.</summary>
    private IEnumerable<Class> MergedClasses()
    {
        var readers = Enumerable.Range(0, _partitions).Select(p => Open(PathOf("class", p))).ToArray();
        try
        {
            var heads = new PriorityQueue<(int Partition, Class Class), ulong>();
            for (var p = 0; p < readers.Length; p++)
            {
                Advance(p);
            }

            while (heads.TryDequeue(out var head, out _))
            {
                yield return head.Class;
                Advance(head.Partition);
            }

            void Advance(int p)
            {
                if (readers[p] is { } reader && reader.BaseStream.Position < reader.BaseStream.Length)
                {
                    var c = ReadClass(reader);
                    heads.Enqueue((p, c), c.Hash);
                }
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader?.Dispose();
            }
        }
    }

    /// <summary>Collapses equal keys within each partition of <paramref name="from"/> to the preferred sample, routing the survivors on.</summary>
    private void Collapse(string from, Func<Routed, UInt128> keyOf, byte reason, string to, Func<Routed, int> partitionOf)
    {
        var routes = new BinaryWriter?[_partitions];
        try
        {
            for (var p = 0; p < _partitions; p++)
            {
                var rows = Load(from, p);
                var best = new Dictionary<UInt128, int>();
                for (var i = 0; i < rows.Count; i++)
                {
                    var key = keyOf(rows[i]);
                    if (!best.TryGetValue(key, out var b) || Prefer(rows[i], rows[b]))
                    {
                        best[key] = i;
                    }
                }

                for (var i = 0; i < rows.Count; i++)
                {
                    var keeper = best[keyOf(rows[i])];
                    if (keeper != i)
                    {
                        Drop(rows[i].Global, rows[i].Row, reason, rows[keeper].Key, null, null);
                    }
                    else
                    {
                        var q = partitionOf(rows[i]);
                        Write(routes[q] ??= Create(PathOf(to, q)), rows[i]);
                    }
                }

                File.Delete(PathOf(from, p));
            }
        }
        finally
        {
            Close(routes);
        }
    }

    private List<Routed> Load(string kind, int partition)
    {
        var rows = new List<Routed>();
        using var reader = Open(PathOf(kind, partition));
        while (reader is not null && reader.BaseStream.Position < reader.BaseStream.Length)
        {
            rows.Add(new Routed(
                reader.ReadInt64(), reader.ReadInt32(), reader.ReadString(), new UInt128(reader.ReadUInt64(), reader.ReadUInt64()),
                new UInt128(reader.ReadUInt64(), reader.ReadUInt64()), reader.ReadUInt64(), reader.ReadInt64()));
        }

        PeakHeldRows = Math.Max(PeakHeldRows, rows.Count);
        return rows;
    }

    private static void Write(BinaryWriter writer, Routed r)
    {
        writer.Write(r.Global);
        writer.Write(r.Row);
        writer.Write(r.Key);
        writer.Write((ulong)(r.UrlCaption >> 64));
        writer.Write((ulong)r.UrlCaption);
        writer.Write((ulong)(r.ImageCaption >> 64));
        writer.Write((ulong)r.ImageCaption);
        writer.Write(r.Hash);
        writer.Write(r.Pixels);
    }

    private static Class ReadClass(BinaryReader reader) => new(reader.ReadUInt64(), reader.ReadInt64(), reader.ReadString(), reader.ReadInt64());

    private void Drop(long global, int row, byte reason, string? duplicateOf, int? distance, string? detail)
    {
        var bucket = global / _bucketRows;
        if (!_drops.TryGetValue(bucket, out var writer))
        {
            _drops[bucket] = writer = Create(Path.Combine(_folder, $"drops-{bucket:D8}.bin"));
        }

        writer.Write(global);
        writer.Write(row);
        writer.Write(reason);
        writer.Write(duplicateOf ?? "");
        writer.Write(distance ?? -1);
        writer.Write(detail ?? "");
    }

    // Perceptual hashes are not uniform in their low bits; mix before cutting.
    private int HashPartition(ulong hash) => (int)(((hash * 0x9E3779B97F4A7C15UL) >> 32) % (ulong)_partitions);

    private string PathOf(string kind, int partition) => Path.Combine(_folder, $"{kind}-{partition:D5}.bin");

    private static BinaryWriter Create(string path) => new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize), Encoding.UTF8);

    private static BinaryReader? Open(string path) =>
        File.Exists(path) ? new BinaryReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize), Encoding.UTF8) : null;

    private static void Close(BinaryWriter?[] writers)
    {
        for (var i = 0; i < writers.Length; i++)
        {
            writers[i]?.Dispose();
            writers[i] = null;
        }
    }

    private static bool Prefer(Routed a, Routed b) => Compare(a.Pixels, a.Key, a.Global, b.Pixels, b.Key, b.Global) < 0;

    /// <summary>The preference of <see cref="DuplicateResolver"/>: the most original pixels, then the smallest key, then the earlier position.</summary>
    private static int Compare(long pixelsA, string keyA, long globalA, long pixelsB, string keyB, long globalB)
    {
        var c = pixelsB.CompareTo(pixelsA);
        if (c == 0)
        {
            c = string.CompareOrdinal(keyA, keyB);
        }

        return c != 0 ? c : globalA.CompareTo(globalB);
    }

    /// <summary>A decodable sample on its way through the partitions.</summary>
    private readonly record struct Routed(long Global, int Row, string Key, UInt128 UrlCaption, UInt128 ImageCaption, ulong Hash, long Pixels);

    /// <summary>A class of equal hashes and its preferred sample.</summary>
    private readonly record struct Class(ulong Hash, long Global, string Key, long Pixels);
}
