using System.Runtime.CompilerServices;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Matching;

namespace Pipeline.Curation.Balancing;

/// <summary>
/// Exact balancing when the entries' ranked windows do not fit in one band: the same choice as the in-memory
/// pass of <see cref="EntryBalancer"/>, holding at most one band's ranked pairs per core.
/// </summary>
/// <remarks>
/// Four steps, through binary files in a spill folder that is removed afterwards:
/// <list type="number">
/// <item><b>scatter</b>: one pass over the pool writes every (entry, priority, ordinal) to the file of the entry's
/// band, and, for a pair whose entries fall in several bands, a forward record (ordinal, later bands) to each of
/// those bands but the last;</item>
/// <item><b>rank</b>: each band, a work item (<see cref="BandRanker"/>; on a cluster, any worker sharing the folder),
/// keeps its entries' best <c>window</c> pairs and writes them ranked;</item>
/// <item><b>assign</b>: band after band, rarest first, each entry takes its ranked pairs that no rarer entry took.
/// A band learns what earlier bands took from its inbox, and appends what it took to the inboxes of the later
/// bands that share the pair (its forward records), so no band needs another band's state;</item>
/// <item><b>merge</b>: a second pass over the pool yields the chosen pairs in pool order, merging the bands'
/// decision files (each sorted by ordinal).</item>
/// </list>
/// Disk traffic is linear in the pool's (pair, entry) matches; memory is the band budget per core while ranking,
/// a band's inbox and decisions while assigning, plus one buffered file per band.
/// </remarks>
internal sealed class SpilledExactBalance(EntryBalancer balancer, BalancerOptions options, EntryBands bands, int window, int perEntry, string folder, IBandRankRunner? runner, int parallel)
{
    private const int BufferSize = 1 << 16;
    private long _held;
    private long _peakHeld;

    /// <summary>The most ranked pairs held in memory at once (rows being ranked, or a band's decisions).</summary>
    public long PeakHeldRows => Interlocked.Read(ref _peakHeld);

    /// <summary>The largest inbox a band held while assigning: pairs earlier bands took that it shares, 8 bytes each.</summary>
    public long PeakInboxRows { get; private set; }

    /// <summary>Balances the pool that <paramref name="openPool"/> streams (opened twice) and yields the chosen pairs in pool order.</summary>
    public async IAsyncEnumerable<MatchedPair> RunAsync(Func<CancellationToken, IAsyncEnumerable<MatchedPair>> openPool, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        try
        {
            var scattered = await ScatterAsync(openPool(cancellationToken), cancellationToken);
            await RankAsync(cancellationToken);
            for (var band = 0; band < bands.Count; band++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Assign(band);
            }

            await foreach (var pair in MergeAsync(openPool(cancellationToken), scattered, cancellationToken))
            {
                yield return pair;
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string PathOf(string kind, int band) => BandRankItem.PathOf(folder, kind, band);

    private static BinaryWriter Create(string path, FileMode mode = FileMode.Create) =>
        new(new FileStream(path, mode, FileAccess.Write, FileShare.None, BufferSize));

    private static BinaryReader? OpenIfExists(string path) =>
        File.Exists(path) ? new BinaryReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize)) : null;

    /// <summary>Step 1: every match to its band's file, forward records for pairs shared by bands; returns the pool's size.</summary>
    private async Task<long> ScatterAsync(IAsyncEnumerable<MatchedPair> pool, CancellationToken cancellationToken)
    {
        var rows = new BinaryWriter?[bands.Count];
        var forwards = new BinaryWriter?[bands.Count];
        var pairBands = new List<int>();
        long ordinal = 0;
        try
        {
            await foreach (var pair in pool.WithCancellation(cancellationToken))
            {
                var keyHash = EntryBalancer.KeyHash(pair.Key);
                pairBands.Clear();
                foreach (var entry in pair.EntryIds)
                {
                    balancer.CountOf(entry, pair);
                    var band = bands.BandOf(entry);
                    var writer = rows[band] ??= Create(PathOf("rows", band));
                    writer.Write(entry);
                    writer.Write(EntryBalancer.Priority(options.Seed, keyHash, entry));
                    // RowBytes per row: entry, priority, ordinal.
                    writer.Write(ordinal);
                    if (!pairBands.Contains(band))
                    {
                        pairBands.Add(band);
                    }
                }

                if (pairBands.Count > 1)
                {
                    pairBands.Sort();
                    for (var i = 0; i < pairBands.Count - 1; i++)
                    {
                        var writer = forwards[pairBands[i]] ??= Create(PathOf("forward", pairBands[i]));
                        writer.Write(ordinal);
                        writer.Write(pairBands.Count - 1 - i);
                        for (var j = i + 1; j < pairBands.Count; j++)
                        {
                            writer.Write(pairBands[j]);
                        }
                    }
                }

                ordinal++;
            }
        }
        finally
        {
            foreach (var writer in rows.Concat(forwards))
            {
                writer?.Dispose();
            }
        }

        return ordinal;
    }

    /// <summary>Step 2: each band with rows is ranked as a work item (its entries written beside its rows first).</summary>
    private async Task RankAsync(CancellationToken cancellationToken)
    {
        var items = new List<BandRankItem>();
        for (var band = 0; band < bands.Count; band++)
        {
            if (File.Exists(PathOf("rows", band)))
            {
                using var entries = Create(PathOf("entries", band));
                entries.Write(bands.EntriesOf(band).Count);
                foreach (var entry in bands.EntriesOf(band))
                {
                    entries.Write(entry);
                }

                items.Add(new BandRankItem(folder, band, window, options.BandRows));
            }
        }

        var local = runner is null;
        var ranker = runner ?? new BandRanker(Hold);
        var scheduler = new WorkItemScheduler<BandRankItem, object>(async (item, ct) => await ranker.RankAsync(item, ct), item => item.Describe(), local ? Environment.ProcessorCount : parallel);
        var results = await scheduler.RunAllAsync(items, "balancing", cancellationToken);
        if (!local && results.Length > 0)
        {
            // Held on the workers: the largest band one of them held.
            _peakHeld = Math.Max(_peakHeld, results.Max(r => (long)r));
        }
    }

    /// <summary>
    /// Step 3: a band's entries take their pairs, rarest first, skipping pairs taken before; tells later bands. The
    /// ranking is streamed, an entry read only as deep as it takes: memory is the band's inbox (8 bytes a pair that
    /// earlier bands took and this band shares: bounded by the output, not the pool) and its own decisions, whatever
    /// the window.
    /// </summary>
    private void Assign(int band)
    {
        var rankedPath = PathOf("ranked", band);
        if (!File.Exists(rankedPath))
        {
            File.Delete(PathOf("inbox", band));
            return;
        }

        var earlier = ReadInbox(band);
        PeakInboxRows = Math.Max(PeakInboxRows, earlier.Length);
        long held = 0;
        try
        {
            var mine = new HashSet<long>();
            var decisions = new List<(long Ordinal, int Entry, bool Reserve)>();
            using (var reader = OpenIfExists(rankedPath)!)
            {
                var stream = reader.BaseStream;
                while (stream.Position < stream.Length)
                {
                    var entry = reader.ReadInt32();
                    var count = reader.ReadInt32();
                    int kept = 0, reserved = 0, read = 0;
                    for (; read < count && kept + reserved < perEntry; read++)
                    {
                        var o = reader.ReadInt64();
                        if (Array.BinarySearch(earlier, o) >= 0 || !mine.Add(o))
                        {
                            continue;
                        }

                        var reserve = kept == options.Threshold;
                        decisions.Add((o, entry, reserve));
                        if (reserve)
                        {
                            reserved++;
                        }
                        else
                        {
                            kept++;
                        }
                    }

                    // The rest of the entry's ranking is not needed.
                    stream.Seek(8L * (count - read), SeekOrigin.Current);
                }
            }

            Hold(decisions.Count);
            held += decisions.Count;
            decisions.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
            using (var writer = Create(PathOf("decisions", band)))
            {
                foreach (var (o, entry, reserve) in decisions)
                {
                    writer.Write(o);
                    writer.Write(entry);
                    writer.Write(reserve);
                }
            }

            Forward(band, decisions);
        }
        finally
        {
            Hold(-held);
        }

        File.Delete(rankedPath);
        File.Delete(PathOf("inbox", band));
    }

    /// <summary>The pairs earlier bands took that this band shares, sorted for lookup.</summary>
    private long[] ReadInbox(int band)
    {
        using var inbox = OpenIfExists(PathOf("inbox", band));
        if (inbox is null)
        {
            return [];
        }

        var taken = new long[inbox.BaseStream.Length / 8];
        for (var i = 0; i < taken.Length; i++)
        {
            taken[i] = inbox.ReadInt64();
        }

        Array.Sort(taken);
        return taken;
    }

    /// <summary>Appends each pair the band took to the inboxes of the later bands that also ranked it.</summary>
    private void Forward(int band, List<(long Ordinal, int Entry, bool Reserve)> decisions)
    {
        using var forwards = OpenIfExists(PathOf("forward", band));
        if (forwards is null)
        {
            return;
        }

        var inboxes = new Dictionary<int, BinaryWriter>();
        try
        {
            var d = 0;
            while (forwards.BaseStream.Position < forwards.BaseStream.Length)
            {
                var ordinal = forwards.ReadInt64();
                var later = new int[forwards.ReadInt32()];
                for (var i = 0; i < later.Length; i++)
                {
                    later[i] = forwards.ReadInt32();
                }

                while (d < decisions.Count && decisions[d].Ordinal < ordinal)
                {
                    d++;
                }

                if (d < decisions.Count && decisions[d].Ordinal == ordinal)
                {
                    foreach (var other in later)
                    {
                        if (!inboxes.TryGetValue(other, out var inbox))
                        {
                            inboxes[other] = inbox = Create(PathOf("inbox", other), FileMode.Append);
                        }

                        inbox.Write(ordinal);
                    }
                }
            }
        }
        finally
        {
            foreach (var inbox in inboxes.Values)
            {
                inbox.Dispose();
            }
        }

        forwards.Dispose();
        File.Delete(PathOf("forward", band));
    }

    /// <summary>Step 4: the pool again, each pair with its band's decision, in pool order.</summary>
    private async IAsyncEnumerable<MatchedPair> MergeAsync(IAsyncEnumerable<MatchedPair> pool, long scattered, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var readers = new BinaryReader?[bands.Count];
        var heads = new PriorityQueue<(int Band, int Entry, bool Reserve), long>();
        try
        {
            for (var band = 0; band < bands.Count; band++)
            {
                readers[band] = OpenIfExists(PathOf("decisions", band));
                Advance(band);
            }

            long ordinal = 0;
            await foreach (var pair in pool.WithCancellation(cancellationToken))
            {
                if (heads.TryPeek(out var head, out var next) && next == ordinal)
                {
                    heads.Dequeue();
                    Advance(head.Band);
                    yield return pair with { Balance = new BalanceDecision(head.Entry, balancer.KeepProbability(head.Entry), head.Reserve) };
                }

                ordinal++;
            }

            if (ordinal != scattered)
            {
                throw new InvalidDataException($"the pool gave {scattered} pairs in the first pass and {ordinal} in the second: it changed while it was balanced");
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader?.Dispose();
            }
        }

        void Advance(int band)
        {
            if (readers[band] is { } reader && reader.BaseStream.Position < reader.BaseStream.Length)
            {
                var o = reader.ReadInt64();
                heads.Enqueue((band, reader.ReadInt32(), reader.ReadBoolean()), o);
            }
        }
    }

    private void Hold(long rows)
    {
        var now = Interlocked.Add(ref _held, rows);
        for (var peak = Interlocked.Read(ref _peakHeld); now > peak; peak = Interlocked.Read(ref _peakHeld))
        {
            if (Interlocked.CompareExchange(ref _peakHeld, now, peak) == peak)
            {
                break;
            }
        }
    }
}
