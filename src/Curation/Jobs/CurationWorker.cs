using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Curation.Dedup;
using Pipeline.Curation.Filtering;
using Pipeline.Curation.Overlap;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Jobs;

/// <summary>
/// Runs curation work items in this process: the code every worker runs, whether the coordinator calls it
/// directly or an Orleans grain does on some silo. Each item opens its stores from their locations, and writes
/// its results there, so items are independent and idempotent.
/// </summary>
public sealed class CurationWorker(ShardStoreOptions? storeOptions = null) : IWorkItemRunner
{
    private readonly ShardStoreOptions _storeOptions = storeOptions ?? new ShardStoreOptions();

    /// <inheritdoc/>
    public async Task<WorkItemResult> RunAsync(WorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        item.Settings.Validate();
        var input = ShardStoreLocation.Open(item.InputStore, _storeOptions);
        var output = ShardStoreLocation.Open(item.OutputStore, _storeOptions);
        return item.Step switch
        {
            CurationStep.Filter => await FilterAsync(item, input, output, cancellationToken),
            CurationStep.Sign => await SignAsync(item, input, output, cancellationToken),
            CurationStep.FindPairs => await FindPairsAsync(item, output, cancellationToken),
            CurationStep.ApplyDedup => await ApplyDedupAsync(item, input, output, cancellationToken),
            CurationStep.Overlap => await OverlapAsync(item, input, output, cancellationToken),
            _ => throw new ArgumentException($"unknown step {item.Step}", nameof(item)),
        };
    }

    private static Task<WorkItemResult> FilterAsync(WorkItem item, IShardStore input, IShardStore output, CancellationToken cancellationToken)
    {
        var filter = new SampleFilter(item.Settings.Filters);
        return ShardRewriter.RewriteAsync(input, output, "filter", item.Part, writeShard: true, item.Settings.Format, (samples, _, _) =>
            Task.FromResult(samples.Select(s =>
            {
                var caption = CaptionNormalizer.Normalize(s.Caption);
                return filter.Check(s, caption) is { } verdict
                    ? SampleOutcome.Drop(JsonNamingPolicy.SnakeCaseLower.ConvertName(verdict.Reason.ToString()), verdict.Detail)
                    : SampleOutcome.Keep(s with { Caption = caption });
            }).ToArray()), beforeDone: null, cancellationToken);
    }

    private static async Task<WorkItemResult> SignAsync(WorkItem item, IShardStore input, IShardStore output, CancellationToken cancellationToken)
    {
        var path = CurationPaths.Signatures(item.Part);
        if (await StoreFile.ExistsAsync(output, path, cancellationToken))
        {
            var count = SignatureFile.Read(await StoreFile.ReadAsync(output, path, cancellationToken), output.Describe(path)).Count;
            return new WorkItemResult(item.Part, count, count, new Dictionary<string, long>(), Resumed: true);
        }

        var signatures = new List<SampleSignature>();
        await using (var shard = await InputShard.OpenAsync(input, item.Part, cancellationToken))
        {
            await foreach (var (samples, firstRow) in shard.RowGroupsAsync(cancellationToken))
            {
                var group = new SampleSignature[samples.Length];
                Parallel.For(0, samples.Length, Parallelism(item, cancellationToken), i => group[i] = Sign(samples[i], firstRow + i));
                signatures.AddRange(group);
            }
        }

        await StoreFile.WriteAsync(output, path, (stream, _) =>
        {
            SignatureFile.Write(stream, signatures);
            return Task.CompletedTask;
        }, cancellationToken);
        var undecodable = signatures.Count(s => s.NearHash is null);
        return new WorkItemResult(item.Part, signatures.Count, signatures.Count - undecodable, new Dictionary<string, long> { [DedupReason.Undecodable] = undecodable });
    }

    /// <summary>The signature of one sample: canonical URL, bytes and caption keys, its hashes and its fingerprint.</summary>
    public static SampleSignature Sign(Sample sample, int row)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var caption = Encoding.UTF8.GetBytes("\n" + CaptionNormalizer.Normalize(sample.Caption));
        var url = Encoding.UTF8.GetBytes(UrlCanonicalizer.Canonicalize(sample.Url));
        var sha = SHA256.HashData(sample.Image);
        var (hash, fingerprint, problem) = Decode(sample);
        return new SampleSignature(
            row, sample.Key, XxHash128.HashToUInt128([.. url, .. caption]), XxHash128.HashToUInt128([.. sha, .. caption]),
            hash, fingerprint?.NearHash ?? hash, (long)sample.OriginalWidth * sample.OriginalHeight, problem, fingerprint);
    }

    /// <summary>
    /// The perceptual hash (the stored one when the fetcher kept it) and the fingerprint. Bytes no image loader
    /// recognises get no fingerprint without the cost of an exception; with a stored hash they still take part on it.
    /// </summary>
    private static (ulong? Hash, ImageFingerprint? Fingerprint, string? Problem) Decode(Sample sample)
    {
        if (NetVips.Image.FindLoadBuffer(sample.Image) is null)
        {
            return (sample.PerceptualHash, null, sample.PerceptualHash is null ? $"image of {sample.Image.Length} bytes is in no format libvips reads" : null);
        }

        try
        {
            var (hash, fingerprint) = ImageSignatureDecoder.Decode(sample.Image, sample.OriginalWidth, sample.OriginalHeight);
            return (sample.PerceptualHash ?? hash, fingerprint, null);
        }
        catch (ArgumentException ex)
        {
            return (sample.PerceptualHash, null, sample.PerceptualHash is null ? ex.Message : null);
        }
    }

    /// <summary>The stored perceptual hash, else the image's own; null when it does not decode.</summary>
    private static ulong? PerceptualHashOf(Sample sample)
    {
        try
        {
            return sample.PerceptualHash ?? PerceptualHash.Compute(sample.Image);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static async Task<WorkItemResult> FindPairsAsync(WorkItem item, IShardStore output, CancellationToken cancellationToken)
    {
        const int BatchSize = 1 << 16;
        var part = int.Parse(item.Part, System.Globalization.CultureInfo.InvariantCulture);
        var path = CurationPaths.Pairs(part);
        var name = output.Describe(CurationPaths.DistinctHashes);
        if (await StoreFile.ExistsAsync(output, path, cancellationToken))
        {
            var found = new List<NearPair>();
            NearPairFile.ReadPairs(await StoreFile.ReadAsync(output, path, cancellationToken), output.Describe(path), found);
            return new WorkItemResult(item.Part, 0, found.Count, new Dictionary<string, long>(), Resumed: true);
        }

        // This item indexes one slice of one chunk table; every distinct hash is a query. A pair is kept only when
        // the query comes first, and the slice reports only matches no earlier chunk reports, so each pair is written
        // once over all items. The hashes are read twice, a batch at a time: a worker holds its slice, not every hash.
        HammingSlice slice;
        NearPairSearchPlan plan;
        await using (var stream = await output.OpenSequentialAsync(CurationPaths.DistinctHashes, cancellationToken))
        {
            var batches = NearPairFile.ReadHashBatches(stream, name, BatchSize, out var count);
            plan = NearPairSearchPlan.FromItems(count, item.PartCount);
            var (chunk, sliceNumber) = plan.ItemAt(part);
            slice = HammingSlice.Build(plan.Layout, chunk, plan.SliceBits, sliceNumber, batches);
        }

        var maxDistance = item.Settings.Dedup.MaxDistance;
        var pairs = new List<NearPair>();
        var gate = new object();
        long queries = 0;
        await using (var stream = await output.OpenSequentialAsync(CurationPaths.DistinctHashes, cancellationToken))
        {
            foreach (var (start, batch) in NearPairFile.ReadHashBatches(stream, name, BatchSize, out _))
            {
                queries += batch.Length;
                Parallel.For(0, batch.Length, Parallelism(item, cancellationToken), () => (Matches: new List<HammingMatch>(), Found: new List<NearPair>(), Values: new uint[plan.Layout.Count]), (i, _, local) =>
                {
                    var query = start + i;
                    local.Matches.Clear();
                    plan.Layout.ValuesOf(batch[i], local.Values);
                    slice.Search(batch[i], local.Values, maxDistance, local.Matches);
                    foreach (var match in local.Matches)
                    {
                        if (query < match.Index)
                        {
                            local.Found.Add(new NearPair(query, match.Index, match.Distance));
                        }
                    }

                    return local;
                }, local =>
                {
                    lock (gate)
                    {
                        pairs.AddRange(local.Found);
                    }
                });
            }
        }

        pairs.Sort((a, b) => a.A != b.A ? a.A.CompareTo(b.A) : a.B.CompareTo(b.B));
        await StoreFile.WriteAsync(output, path, (stream, _) =>
        {
            NearPairFile.WritePairs(stream, pairs);
            return Task.CompletedTask;
        }, cancellationToken);
        return new WorkItemResult(item.Part, queries, pairs.Count, new Dictionary<string, long>());
    }

    private static async Task<WorkItemResult> ApplyDedupAsync(WorkItem item, IShardStore input, IShardStore output, CancellationToken cancellationToken)
    {
        var decisionsPath = CurationPaths.Decisions(item.Part);
        var decisions = (await StoreFile.ReadJsonAsync<List<DedupDecision>>(output, decisionsPath, cancellationToken)
            ?? throw new InvalidDataException($"{output.Describe(decisionsPath)} is missing; rerun 'curate dedup' to recreate it")).ToDictionary(d => d.Row);
        var signaturesPath = CurationPaths.Signatures(item.Part);
        var hashes = SignatureFile.Read(await StoreFile.ReadAsync(output, signaturesPath, cancellationToken), output.Describe(signaturesPath)).ToDictionary(s => s.Row, s => s.PerceptualHash);
        return await ShardRewriter.RewriteAsync(input, output, "dedup", item.Part, writeShard: true, item.Settings.Format, (samples, firstRow, _) =>
            Task.FromResult(samples.Select((s, i) => decisions.TryGetValue(firstRow + i, out var d)
                ? SampleOutcome.Drop(d.Reason, d.Detail, d.DuplicateOf, d.Distance)
                : SampleOutcome.Keep(s with { PerceptualHash = hashes[firstRow + i] })).ToArray()), beforeDone: null, cancellationToken);
    }

    private static async Task<WorkItemResult> OverlapAsync(WorkItem item, IShardStore input, IShardStore output, CancellationToken cancellationToken)
    {
        var images = await StoreFile.ReadJsonAsync<List<EvaluationImage>>(output, CurationPaths.EvaluationImages, cancellationToken)
            ?? throw new InvalidDataException($"{output.Describe(CurationPaths.EvaluationImages)} is missing; rerun 'curate overlap' to recreate it");
        var index = HammingIndex.Build([.. images.Select(i => i.Hash)]);
        var options = item.Settings.Overlap;
        var hits = new List<OverlapHit>();
        return await ShardRewriter.RewriteAsync(input, output, "overlap", item.Part, writeShard: options.Drop, item.Settings.Format, (samples, _, ct) =>
        {
            var nearest = new HammingMatch?[samples.Length];
            var found = new List<OverlapHit>[samples.Length];
            Parallel.For(0, samples.Length, Parallelism(item, ct), () => new List<HammingMatch>(), (i, _, matches) =>
            {
                matches.Clear();
                if (PerceptualHashOf(samples[i]) is { } hash)
                {
                    index.Search(hash, options.MaxDistance, matches);
                }

                found[i] = [.. matches.Select(m => new OverlapHit(samples[i].Key, samples[i].Url, m.Index, m.Distance))];
                nearest[i] = matches.Count == 0 ? null : matches.MinBy(m => (m.Distance, m.Index));
                return matches;
            }, _ => { });
            hits.AddRange(found.SelectMany(f => f));
            return Task.FromResult(samples.Select((s, i) => nearest[i] is { } m && options.Drop
                ? SampleOutcome.Drop("eval_overlap", $"{images[m.Index].Path} of set {images[m.Index].Set}", distance: m.Distance)
                : SampleOutcome.Keep(s)).ToArray());
        }, ct => StoreFile.WriteJsonAsync(output, CurationPaths.Hits(item.Part), hits, ct), cancellationToken);
    }

    private static ParallelOptions Parallelism(WorkItem item, CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = item.Settings.Threads, CancellationToken = cancellationToken };
}
