using System.Diagnostics;
using System.Text.Json;
using Pipeline.Curation.Dedup;
using Pipeline.Curation.Overlap;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Jobs;

/// <summary>
/// Coordinates one curation step from an input shard store to an output store: it cuts the step into work
/// items (a shard, or a partition of the hash index), hands them to a runner (this process or a cluster),
/// and does the small central parts itself. Rerunning with the same input, output and settings resumes; a
/// different input or settings on the same output is refused.
/// </summary>
public sealed class CurationJob(string input, string output, CurationSettings settings, IWorkItemRunner runner, int parallel, ShardStoreOptions? storeOptions = null)
{
    private readonly IShardStore _input = ShardStoreLocation.Open(input, storeOptions);
    private readonly IShardStore _output = ShardStoreLocation.Open(output, storeOptions);
    private long _inputSamples;

    /// <summary>Where the job reports its phases and work items done.</summary>
    public IProgress<StageProgress>? Progress { get; init; }

    /// <summary>Normalizes captions and drops samples that fail a filter; writes <c>filter-summary.json</c>.</summary>
    public async Task<StepSummary> FilterAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var shards = await StartAsync("filter", settings.Filters, cancellationToken);
        var (results, failures) = await RunAsync("filter", [.. shards.Select(s => Item(CurationStep.Filter, s))], cancellationToken);
        return await FinishAsync(StepSummary.FromResults("filter", input, output, results, failures, clock.Elapsed), cancellationToken);
    }

    /// <summary>Exact and near-duplicate removal (see <see cref="DuplicateResolver"/>); writes <c>dedup-summary.json</c>.</summary>
    public async Task<StepSummary> DedupAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var shards = await StartAsync("dedup", settings.Dedup, cancellationToken);
        var (signed, signFailures) = await RunAsync("sign", [.. shards.Select(s => Item(CurationStep.Sign, s))], cancellationToken);

        // Shards whose signatures failed are left out of the output (and reported); the rest are decided together.
        var kept = shards.Where((_, i) => signed[i] is not null).ToList();
        // Small stores are decided in memory; large ones through hash partitions on local disk, with the same result.
        var verifier = settings.Dedup.Verifier();
        using var resolver = _inputSamples <= settings.Dedup.PartitionRows
            ? (IDuplicateResolver)new DuplicateResolver(verifier, settings.Dedup.MaxComparisons)
            : new PartitionedDuplicateResolver(
                Path.Combine(Path.GetTempPath(), $"pipeline-dedup-{Guid.NewGuid():N}"), settings.Dedup.PartitionRows, _inputSamples, verifier, settings.Dedup.MaxComparisons);
        foreach (var shard in kept)
        {
            var path = CurationPaths.Signatures(shard);
            resolver.AddShard(SignatureFile.Read(await StoreFile.ReadAsync(_output, path, cancellationToken), _output.Describe(path)));
        }

        resolver.ResolveExact();
        var partitioned = resolver is PartitionedDuplicateResolver { Partitions: var cut } ? $" ({cut} partitions of about {settings.Dedup.PartitionRows:N0})" : "";
        Progress?.Report(new StageProgress("dedup", $"{resolver.Count:N0} samples{partitioned}, {resolver.DistinctHashCount:N0} distinct perceptual hashes after the exact steps"));
        var pairs = new List<NearPair>();
        if (settings.Dedup.NearDuplicates)
        {
            await StoreFile.WriteAsync(_output, CurationPaths.DistinctHashes, (stream, _) =>
            {
                resolver.WriteDistinctHashes(stream);
                return Task.CompletedTask;
            }, cancellationToken);
            // One item per slice of each chunk table: a slice holds at most about IndexRows hashes, and on a cluster
            // there are at least as many items as run in parallel. The items together probe as one whole index would.
            var plan = NearPairSearchPlan.For(resolver.DistinctHashCount, settings.Dedup.IndexRows, runner is CurationWorker ? 1 : parallel);
            var partitions = plan.Items;
            Progress?.Report(new StageProgress("dedup", $"near-pair search: {plan.Layout.Count} chunk tables of {plan.Slices} slice(s), {partitions} work items"));
            var items = Enumerable.Range(0, partitions).Select(p => Item(CurationStep.FindPairs, p.ToString(System.Globalization.CultureInfo.InvariantCulture)) with { PartCount = partitions }).ToList();
            var (_, pairFailures) = await RunAsync("pairs", items, cancellationToken);
            if (pairFailures.Count > 0)
            {
                // Deciding without every partition's pairs would keep duplicates; nothing is written yet, so a rerun resumes.
                throw new InvalidOperationException($"near-duplicate search failed: {string.Join("; ", pairFailures.Select(f => $"{f.Item}: {f.Reason}"))}");
            }

            for (var p = 0; p < partitions; p++)
            {
                var path = CurationPaths.Pairs(p);
                NearPairFile.ReadPairs(await StoreFile.ReadAsync(_output, path, cancellationToken), _output.Describe(path), pairs);
            }

            resolver.ResolveNear(pairs);
            Progress?.Report(new StageProgress("dedup", $"near duplicates: {resolver.NearVerified:N0} candidate pairs verified, {resolver.NearRejected:N0} found to be different pictures"));
        }

        var shardIndex = 0;
        foreach (var decisions in resolver.DecisionsByShard())
        {
            await StoreFile.WriteJsonAsync(_output, CurationPaths.Decisions(kept[shardIndex++]), decisions, cancellationToken);
        }

        var (applied, applyFailures) = await RunAsync("dedup", [.. kept.Select(s => Item(CurationStep.ApplyDedup, s))], cancellationToken);
        var figures = new Dictionary<string, double>
        {
            ["distinctHashes"] = resolver.DistinctHashCount,
            ["nearPairs"] = pairs.Count,
            ["nearGroups"] = resolver.NearGroups,
            ["nearPairsVerified"] = resolver.NearVerified,
            ["nearPairsRejected"] = resolver.NearRejected,
            ["maxDistance"] = settings.Dedup.MaxDistance,
        };
        return await FinishAsync(StepSummary.FromResults("dedup", input, output, applied, [.. signFailures, .. applyFailures], clock.Elapsed, figures), cancellationToken);
    }

    /// <summary>Reports, per evaluation set, how many of its images have a near duplicate in the data set; drops those samples when configured.</summary>
    public async Task<OverlapReport> OverlapAsync(IReadOnlyList<EvaluationSet> sets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var clock = Stopwatch.StartNew();
        var shards = await StartAsync("overlap", new { settings.Overlap, Sets = sets.Select(s => s.Name) }, cancellationToken);
        var (images, problems) = await EvaluationHasher.HashAsync(sets, settings.Threads, cancellationToken);
        Progress?.Report(new StageProgress("overlap", $"{images.Count:N0} evaluation images hashed in {sets.Count} sets ({problems.Count} files skipped)"));
        await StoreFile.WriteJsonAsync(_output, CurationPaths.EvaluationImages, images, cancellationToken);
        var (results, failures) = await RunAsync("overlap", [.. shards.Select(s => Item(CurationStep.Overlap, s))], cancellationToken);

        var imagesHit = new HashSet<int>();
        var samplesPerSet = new long[sets.Count];
        for (var i = 0; i < shards.Count; i++)
        {
            if (results[i] is null)
            {
                continue;
            }

            var hits = await StoreFile.ReadJsonAsync<List<OverlapHit>>(_output, CurationPaths.Hits(shards[i]), cancellationToken) ?? [];
            imagesHit.UnionWith(hits.Select(h => h.Image));
            foreach (var set in hits.GroupBy(h => h.Key).SelectMany(g => g.Select(h => images[h.Image].Set).Distinct()))
            {
                samplesPerSet[set]++;
            }
        }

        var perSet = sets.Select((set, s) =>
        {
            var total = images.Count(i => i.Set == s);
            var hit = imagesHit.Count(i => images[i].Set == s);
            return new OverlapSetResult(set.Name, total, hit, total == 0 ? 0 : Math.Round(100.0 * hit / total, 2), samplesPerSet[s]);
        }).ToList();
        var summary = StepSummary.FromResults("overlap", input, output, results, failures, clock.Elapsed);
        var report = new OverlapReport(perSet, settings.Overlap.MaxDistance, settings.Overlap.Drop, summary, problems);
        await StoreFile.WriteJsonAsync(_output, CurationPaths.OverlapReport, report, cancellationToken);
        await FinishAsync(summary, cancellationToken);
        return report;
    }

    private WorkItem Item(CurationStep step, string part) => new(step, input, output, part, 1, settings);

    /// <summary>Lists the input's shards and claims the output for this step, its input and its settings.</summary>
    private async Task<IReadOnlyList<string>> StartAsync(string step, object stepSettings, CancellationToken cancellationToken)
    {
        var manifest = await new ManifestStore(_input).LoadAsync(cancellationToken);
        if (manifest.Shards.Count == 0)
        {
            throw new InvalidDataException($"{_input.Describe(ManifestStore.ManifestPath)} lists no shards");
        }

        var claim = JsonSerializer.Serialize(new { Input = input, Settings = stepSettings }, StoreFile.Json);
        var path = CurationPaths.Claim(step);
        if (await StoreFile.ExistsAsync(_output, path, cancellationToken))
        {
            var existing = System.Text.Encoding.UTF8.GetString((await StoreFile.ReadAsync(_output, path, cancellationToken)).ToArray());
            if (existing != claim)
            {
                throw new InvalidOperationException($"{_output.Describe(path)} records a {step} run with another input or other settings; write to a new output, or rerun with the same ones to resume");
            }
        }
        else
        {
            await StoreFile.WriteAsync(_output, path, (stream, ct) => stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(claim), ct).AsTask(), cancellationToken);
        }

        _inputSamples = manifest.TotalSamples;
        Progress?.Report(new StageProgress(step, $"{manifest.Shards.Count} shards, {manifest.TotalSamples:N0} samples from {_input.Location}"));
        return [.. manifest.Shards.Select(s => s.Name)];
    }

    private async Task<(WorkItemResult?[] Results, IReadOnlyList<WorkItemFailure> Failures)> RunAsync(string phase, IReadOnlyList<WorkItem> items, CancellationToken cancellationToken)
    {
        var scheduler = new WorkItemScheduler<WorkItem, WorkItemResult>(runner.RunAsync, i => i.Describe(), parallel);
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        scheduler.ItemDone += (item, done, total) =>
        {
            if (done == total || clock.Elapsed - last > TimeSpan.FromSeconds(2))
            {
                last = clock.Elapsed;
                Progress?.Report(new StageProgress(phase, $"{done}/{total} work items done ({item}), {clock.Elapsed.TotalSeconds:0.0} s", done, total));
            }
        };
        var outcome = await scheduler.RunAsync(items, cancellationToken);
        foreach (var failure in outcome.Failures)
        {
            Progress?.Report(new StageProgress(phase, $"FAILED {failure.Item}: {failure.Reason}"));
        }

        return outcome;
    }

    private async Task<StepSummary> FinishAsync(StepSummary summary, CancellationToken cancellationToken)
    {
        await StoreFile.WriteJsonAsync(_output, CurationPaths.Summary(summary.Step), summary, cancellationToken);
        return summary;
    }
}
