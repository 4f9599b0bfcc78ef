using System.Text;

namespace Pipeline.Curation.Dedup;

/// <summary>
/// The decisions of <see cref="DuplicateResolver"/>, sample for sample, in memory bounded by a partition's rows
/// instead of the whole store. Signatures are routed through files in a spill folder:
/// <list type="number">
/// <item>each shard's decodable samples go to partitions by their URL-and-caption key (undecodable ones are dropped);</item>
/// <item>each partition collapses its equal keys and routes the survivors by image-and-caption key; those partitions
/// collapse theirs and route the survivors by perceptual hash;</item>
/// <item>each hash partition finds its classes (equal hashes) and their preferred sample, written sorted by hash, so
/// the distinct hashes stream out in order by a merge;</item>
/// <item>the near step loads only the classes that have a near pair, runs <see cref="NearClassGreedy"/> over them
/// and keeps, for each absorbed class, its representative's preferred sample;</item>
/// <item>each hash partition then drops every member that is not its class's (or representative's) preferred
/// sample, and the drops, bucketed by position, come out shard by shard in row order.</item>
/// </list>
/// Memory: one partition's samples at a time (about 100 bytes each), plus the classes that have near pairs.
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
    private readonly Dictionary<ulong, (long Global, string Key, int Distance)> _absorbed = [];
    private bool _nearResolved;
    private bool _disposed;

    /// <summary>
    /// A resolver spilling to <paramref name="folder"/> (replaced if it exists, removed on dispose), cutting about
    /// <paramref name="expectedSamples"/> samples into partitions of about <paramref name="partitionRows"/>.
    /// </summary>
    public PartitionedDuplicateResolver(string folder, long partitionRows, long expectedSamples)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionRows, 1);
        _folder = folder;
        _bucketRows = partitionRows;
        _partitions = (int)Math.Clamp((Math.Max(1, expectedSamples) + partitionRows - 1) / partitionRows, 1, 4096);
        _urlRoutes = new BinaryWriter?[_partitions];
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
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
    public void AddShard(IReadOnlyList<SampleSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        var start = _shardStarts[^1];
        for (var i = 0; i < signatures.Count; i++)
        {
            var s = signatures[i];
            if (s.PerceptualHash is not { } hash)
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
        _nearResolved = true;
        var involved = pairs.SelectMany(p => new[] { p.A, p.B }).Distinct().Order().ToArray();
        var classes = new Class[involved.Length];
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
                classes[j++] = c;
            }
        }

        if (j != involved.Length)
        {
            throw new InvalidDataException($"a near pair names distinct hash {involved[j]}, but there are only {DistinctHashCount}");
        }

        PeakHeldRows = Math.Max(PeakHeldRows, classes.Length);
        var order = Enumerable.Range(0, classes.Length).ToArray();
        Array.Sort(order, (a, b) => Compare(classes[a].Pixels, classes[a].Key, classes[a].Global, classes[b].Pixels, classes[b].Key, classes[b].Global));
        var local = pairs.Select(p => new NearPair(Array.BinarySearch(involved, p.A), Array.BinarySearch(involved, p.B), p.Distance)).ToList();
        var (representative, distance) = NearClassGreedy.Resolve(classes.Length, local, order);
        NearGroups = representative.Where((r, c) => r != c).Distinct().Count();
        for (var c = 0; c < classes.Length; c++)
        {
            if (representative[c] != c)
            {
                var keeper = classes[representative[c]];
                _absorbed[classes[c].Hash] = (keeper.Global, keeper.Key, distance[c]);
            }
        }
    }

    /// <inheritdoc/>
    public IEnumerable<IReadOnlyList<DedupDecision>> DecisionsByShard()
    {
        if (_nearResolved)
        {
            DropNearMembers();
        }

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
        foreach (var writer in _drops.Values)
        {
            writer.Dispose();
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Drops every sample of a hash partition that is not the preferred sample of its class or of the class that absorbed it.</summary>
    private void DropNearMembers()
    {
        for (var p = 0; p < _partitions; p++)
        {
            var best = new Dictionary<ulong, (long Global, string Key)>();
            using (var reader = Open(PathOf("class", p)))
            {
                while (reader is not null && reader.BaseStream.Position < reader.BaseStream.Length)
                {
                    var c = ReadClass(reader);
                    best[c.Hash] = (c.Global, c.Key);
                }
            }

            foreach (var row in Load("hash", p))
            {
                var (global, key, distance) = _absorbed.TryGetValue(row.Hash, out var absorbed) ? absorbed : (best[row.Hash].Global, best[row.Hash].Key, 0);
                if (global != row.Global)
                {
                    Drop(row.Global, row.Row, Near, key, distance, null);
                }
            }
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
