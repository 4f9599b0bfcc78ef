using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Curation.DataCards;
using Pipeline.Curation.Dedup;
using Pipeline.Curation.Jobs;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Takedown;

/// <summary>
/// Removes the samples a takedown request selects from every committed shard of a store. Each shard is scanned; a
/// shard holding matches is rewritten in place without them through the curation rewrite and the manifest's replace
/// (<see cref="ShardRewriter.RewriteInPlaceAsync"/>), so readers see the old shard or the new one, never a mix. Run N
/// keeps its per-shard records under <c>takedown/NNNN/</c>, then appends its log <c>takedown/NNNN.jsonl</c> and its
/// line in the data card's takedown section. A rerun finds nothing left to remove and changes nothing.
/// </summary>
public static partial class TakedownStage
{
    /// <summary>The folder of takedown logs and records in a store.</summary>
    public const string Folder = "takedown";

    /// <summary>The reason a removed sample's dropped record carries.</summary>
    public const string DropReason = "takedown";

    private static readonly JsonSerializerOptions LogJson = new(StoreFile.Json) { WriteIndented = false };

    /// <summary>Runs <paramref name="request"/> on <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException">The request has no selector.</exception>
    public static async Task<TakedownSummary> RunAsync(IShardStore store, TakedownRequest request, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Selectors.Count == 0)
        {
            throw new ArgumentException("a takedown needs at least one selector (--url, --domain, --key or --phash)", nameof(request));
        }

        logger ??= NullLogger.Instance;
        var time = DateTimeOffset.UtcNow;
        var manifest = await new ManifestStore(store).LoadAsync(cancellationToken);
        var run = request.DryRun ? 0 : await NextRunAsync(store, cancellationToken);
        var matches = new List<TakedownLogLine>();
        var shardsWithMatches = new List<string>();
        long scanned = 0;
        foreach (var entry in manifest.Shards)
        {
            var before = matches.Count;
            await using (var reader = await ShardFileReader.OpenAsync(store, entry, cancellationToken))
            {
                for (var g = 0; g < entry.RowGroups.Count; g++)
                {
                    foreach (var sample in await reader.ReadRowGroupAsync(g, cancellationToken))
                    {
                        scanned++;
                        if (FirstMatch(request.Selectors, sample) is { } selector)
                        {
                            matches.Add(new TakedownLogLine(sample.Key, sample.Url, entry.Name, selector.ToString(), request.Reason, time));
                        }
                    }
                }
            }

            if (matches.Count > before)
            {
                shardsWithMatches.Add(entry.Name);
            }
        }

        // In the request's order, selectors that matched nothing left out.
        var counts = matches.GroupBy(m => m.Selector).ToDictionary(g => g.Key, g => g.LongCount(), StringComparer.Ordinal);
        var bySelector = request.Selectors.Select(s => s.ToString()).Distinct().Where(counts.ContainsKey).ToDictionary(s => s, s => counts[s], StringComparer.Ordinal);
        if (request.DryRun || matches.Count == 0)
        {
            LogScanned(logger, manifest.Shards.Count, scanned, matches.Count, request.DryRun);
            return new TakedownSummary(run, request.DryRun, manifest.Shards.Count, scanned, shardsWithMatches.Count, matches.Count, bySelector, matches, null);
        }

        var step = string.Create(CultureInfo.InvariantCulture, $"{Folder}/{run:D4}");
        long removed = 0;
        foreach (var shard in shardsWithMatches)
        {
            var result = await ShardRewriter.RewriteInPlaceAsync(store, step, shard, (samples, _, _) => Task.FromResult(samples.Select(s =>
                FirstMatch(request.Selectors, s) is { } selector ? SampleOutcome.Drop(DropReason, selector.ToString()) : SampleOutcome.Keep(s)).ToArray()), null, cancellationToken);
            removed += result.Input - result.Output;
            LogRewrote(logger, shard, result.Input - result.Output, result.Output);
        }

        var log = string.Create(CultureInfo.InvariantCulture, $"{Folder}/{run:D4}.jsonl");
        await StoreFile.WriteAsync(store, log, async (stream, ct) =>
        {
            foreach (var line in matches)
            {
                await JsonSerializer.SerializeAsync(stream, line, LogJson, ct);
                stream.WriteByte((byte)'\n');
            }
        }, cancellationToken);
        await StoreDataCard.AddTakedownAsync(
            store,
            new DataCardTakedownRun(run, time, removed, shardsWithMatches.Count, [.. bySelector.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}: {p.Value}"))], request.Reason),
            cancellationToken);
        LogRemoved(logger, run, removed, shardsWithMatches.Count, log);
        return new TakedownSummary(run, false, manifest.Shards.Count, scanned, shardsWithMatches.Count, removed, bySelector, matches, log);
    }

    /// <summary>The first selector that matches <paramref name="sample"/>, or null; the perceptual hash is computed only for a phash selector on a sample without one.</summary>
    private static TakedownSelector? FirstMatch(IReadOnlyList<TakedownSelector> selectors, Sample sample)
    {
        ulong? hash = sample.PerceptualHash;
        var computed = hash is not null;
        foreach (var selector in selectors)
        {
            if (selector.Kind == TakedownSelectorKind.Phash && !computed)
            {
                computed = true;
                hash = HashOf(sample);
            }

            if (selector.Matches(sample, hash))
            {
                return selector;
            }
        }

        return null;
    }

    private static ulong? HashOf(Sample sample)
    {
        try
        {
            return NetVips.Image.FindLoadBuffer(sample.Image) is null ? null : PerceptualHash.Compute(sample.Image);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>One more than the highest run number used in the store (a log or a run's records), so a run interrupted before its log keeps its number.</summary>
    private static async Task<int> NextRunAsync(IShardStore store, CancellationToken cancellationToken)
    {
        var last = 0;
        await foreach (var item in store.ListAsync(Folder + "/", cancellationToken))
        {
            var name = item.Path[(Folder.Length + 1)..];
            var digits = name.Split('/', '.')[0];
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                last = Math.Max(last, number);
            }
        }

        return last + 1;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "takedown scanned {Shards} shards, {Samples} samples: {Matches} match (dry run {DryRun})")]
    private static partial void LogScanned(ILogger logger, int shards, long samples, int matches, bool dryRun);

    [LoggerMessage(Level = LogLevel.Information, Message = "takedown rewrote shard {Shard}: {Removed} removed, {Kept} kept")]
    private static partial void LogRewrote(ILogger logger, string shard, long removed, long kept);

    [LoggerMessage(Level = LogLevel.Information, Message = "takedown run {Run} removed {Removed} samples from {Shards} shards; log {Log}")]
    private static partial void LogRemoved(ILogger logger, int run, long removed, int shards, string log);
}
