using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Html;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Sources;
using Pipeline.Crawler.Stages;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Matching;
using Pipeline.Curation.Stages;
using Pipeline.Curation.WordNet;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// Does a campaign's stage work with the stage libraries. Every method is idempotent: it skips what is
/// committed and redoes the rest, so a campaign moved to another silo after a crash just calls it again.
/// </summary>
public sealed class CampaignStageRunner(CampaignSpec spec, ShardStoreOptions storeOptions, ILoggerFactory logging) : IDisposable
{
    private static readonly JsonSerializerOptions JsonLine = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly Lazy<HttpFetcher> _fetcher = new(() => CreateFetcher(spec, logging));
    private ImageDownloader? _downloader;

    // Shares the crawl's fetcher (and its politeness and network rules); made on first use, as extract-only runners never need it.
    private ImageDownloader Downloader => LazyInitializer.EnsureInitialized(ref _downloader, () => new ImageDownloader(_fetcher.Value, new ImageProcessor(spec.Images), Environment.ProcessorCount));

    /// <summary>The campaign's folders.</summary>
    public CampaignPaths Paths { get; } = new(spec.Output);

    /// <summary>The final shard store's location.</summary>
    public string FinalStore => spec.Store ?? Paths.Shards;

    /// <summary>Writes the entries: WordNet head names, then the entry list, then the extra entries, each once.</summary>
    public async Task<int> BuildQueriesAsync(CancellationToken cancellationToken)
    {
        var entries = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string entry)
        {
            entry = entry.Trim();
            if (entry.Length > 0 && seen.Add(entry))
            {
                entries.Add(entry);
            }
        }

        if (spec.Queries.WordNet)
        {
            WordNetFolder folder;
            try
            {
                folder = WordNetLocator.Locate(spec.Queries.WordNetDirectory);
            }
            catch (WordNetNotFoundException ex)
            {
                throw new PipelineConfigurationException(ex.Message, ex);
            }

            foreach (var pos in new[] { "noun", "verb", "adj", "adv" })
            {
                await foreach (var synset in folder.ReadSynsetsAsync(pos, cancellationToken))
                {
                    Add(synset.HeadName);
                }
            }
        }

        if (spec.Queries.Entries is { } file)
        {
            foreach (var entry in await MatchStage.LoadEntriesAsync(file, cancellationToken))
            {
                Add(entry);
            }
        }

        foreach (var entry in spec.Queries.Extra)
        {
            Add(entry);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Paths.Entries)!);
        await AtomicFile.WriteAllBytesAsync(Paths.Entries, JsonSerializer.SerializeToUtf8Bytes(entries), cancellationToken);
        return entries.Count;
    }

    /// <summary>Crawls the seeds and reads the WARC files into candidate partitions cut by key, each sorted by key, so reruns give identical files.</summary>
    public async Task<long> ExtractAsync(Action<string> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new HtmlExtractionOptions { ProductToken = spec.Fetcher.ProductToken };
        var byKey = new SortedDictionary<string, CandidateLine>(StringComparer.Ordinal);
        var problems = 0;
        var stage = new ExtractStage(_fetcher.Value, html, spec.Crawl);
        var seeds = spec.Sources.Seeds.Select(s => new Uri(s)).ToList();
        void Problem(SourceProblem problem)
        {
            if (problems++ < 3)
            {
                report($"extract: {problem}");
            }
        }

        var reported = 0L;
        await foreach (var c in stage.ReadAsync([.. spec.Sources.Warc], seeds, Problem, _ =>
        {
            if (stage.Pages >= reported + 25)
            {
                reported = stage.Pages;
                report($"extract: {stage.Pages} pages, {byKey.Count} candidates");
            }
        }, cancellationToken))
        {
            // A rerun must cut identical partitions: one line per key, in key order.
            byKey.TryAdd(c.Key, new CandidateLine(c.Key, c.Url, c.Caption, c.PageUrl, c.Source.ToString().ToLowerInvariant()));
        }

        Directory.CreateDirectory(Paths.Candidates);
        var partitions = spec.Sources.Partitions;
        for (var p = 0; p < partitions; p++)
        {
            var part = byKey.Values.Where(c => PartitionOf(c.Key, partitions) == p).Select(c => JsonSerializer.Serialize(c, JsonLine));
            await AtomicFile.WriteAllBytesAsync(
                Path.Combine(Paths.Candidates, $"part-{p:D4}.jsonl"), System.Text.Encoding.UTF8.GetBytes(string.Join('\n', part) + "\n"), cancellationToken);
        }

        report($"extract: {byKey.Count} candidates in {partitions} partitions, {problems} pages or records failed");
        // Candidate files are matched as they are, beside what was extracted; check they are there before matching.
        if (spec.Sources.Candidates.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            throw new FileNotFoundException($"candidate file {missing} (sources.candidates) does not exist", missing);
        }

        if (byKey.Count == 0 && spec.Sources.Candidates.Count == 0)
        {
            throw new InvalidDataException($"no candidates from {spec.Sources.Seeds.Count} seeds and {spec.Sources.Warc.Count} WARC files; {problems} pages or records failed");
        }

        return byKey.Count;
    }

    /// <summary>Matches the candidate partitions (and the spec's candidate files) against the entries.</summary>
    public Task<MatchSummary> MatchAsync(Action<string> report, CancellationToken cancellationToken)
    {
        var inputs = Directory.EnumerateFiles(Paths.Candidates, "part-*.jsonl").Order(StringComparer.Ordinal).Concat(spec.Sources.Candidates).ToList();
        return MatchStage.RunAsync(inputs, Paths.Entries, Paths.Matches, spec.Matching, new UrlListColumns(), Environment.ProcessorCount, logging, report, cancellationToken);
    }

    /// <summary>Balances the matched pairs.</summary>
    public Task<BalanceOutcome> BalanceAsync(Action<string> report, CancellationToken cancellationToken) =>
        BalanceStage.RunAsync(Paths.Matches, Paths.Balanced, spec.Balancing, survivors: null, report, cancellationToken);

    /// <summary>
    /// Cuts the balanced pairs, kept and reserve, into chunk lists, once; returns the chunk names, the fetch work items.
    /// The reserve is fetched with the kept pairs so that the refill after dedup can stand in for lost ones.
    /// </summary>
    public async Task<IReadOnlyList<string>> PlanFetchAsync(CancellationToken cancellationToken)
    {
        var plan = Path.Combine(Paths.FetchLists, "plan.json");
        if (File.Exists(plan))
        {
            return JsonSerializer.Deserialize<List<string>>(await File.ReadAllBytesAsync(plan, cancellationToken)) ?? [];
        }

        Directory.CreateDirectory(Paths.FetchLists);
        var names = new List<string>();
        var chunk = new List<string>();
        async Task FlushAsync()
        {
            var name = $"chunk-{names.Count:D5}";
            await AtomicFile.WriteAllBytesAsync(Path.Combine(Paths.FetchLists, name + ".jsonl"), System.Text.Encoding.UTF8.GetBytes(string.Join('\n', chunk) + "\n"), cancellationToken);
            names.Add(name);
            chunk.Clear();
        }

        await foreach (var pair in PairFile.ReadAsync(Path.Combine(Paths.Balanced, BalanceStage.BalancedFile), cancellationToken))
        {
            chunk.Add(JsonSerializer.Serialize(
                new FetchListLine(pair.Key, pair.Url, pair.Caption, pair.PageUrl, pair.EntryIds, pair.Balance?.Entry, pair.Balance?.KeepProbability, pair.Balance?.Reserve), JsonLine));
            if (chunk.Count == spec.Fetch.Chunk)
            {
                await FlushAsync();
            }
        }

        if (chunk.Count > 0)
        {
            await FlushAsync();
        }

        await AtomicFile.WriteAllBytesAsync(plan, JsonSerializer.SerializeToUtf8Bytes(names), cancellationToken);
        return names;
    }

    /// <summary>Fetches chunk <paramref name="name"/> into the fetched store, or returns its commit when it is already done.</summary>
    public async Task<FetchChunkReport> FetchChunkAsync(string name, CancellationToken cancellationToken)
    {
        var list = Path.Combine(Paths.FetchLists, name + ".jsonl");
        var batch = await UrlListFile.ReadAsync(list, new UrlListColumns(), p => throw new InvalidDataException($"fetch list {p}"), cancellationToken).ToArrayAsync(cancellationToken);
        if (await FetchStage.LoadCommitAsync(Paths.FetchLogs, name, cancellationToken) is { } done)
        {
            return new FetchChunkReport(name, done.Entries, done.Images, true, [], new Dictionary<string, long>(), new Dictionary<string, long>());
        }

        var statistics = new CrawlStatistics();
        var store = ShardStoreLocation.Open(Paths.Fetched, storeOptions);
        var outcome = await FetchStage.FetchChunkAsync(Downloader, store, spec.Images.Encoding, Paths.FetchLogs, name, batch, spec.Fetch.Concurrency, statistics, null, cancellationToken);
        // The fill counts kept pairs; reserve pairs fetched alongside count once the refill chooses them.
        var fetchedEntries = batch.Where((r, i) => outcome.Succeeded[i] && r.Lineage is { KeptForEntry: not null, Reserve: not true }).Select(r => r.Lineage!.KeptForEntry!.Value).ToList();
        return new FetchChunkReport(
            name, outcome.Record.Entries, outcome.Record.Images, false, fetchedEntries,
            statistics.ErrorsByClass.ToDictionary(p => p.Key.ToString(), p => p.Value),
            statistics.TopFailingHosts(20).ToDictionary(p => p.Key, p => p.Value));
    }

    /// <summary>Filters the fetched shards, work items run by <paramref name="runner"/>.</summary>
    public Task<StepSummary> FilterAsync(IWorkItemRunner runner, Action<string> report, CancellationToken cancellationToken) =>
        Job(Paths.Fetched, Paths.Filtered, runner, report).FilterAsync(cancellationToken);

    /// <summary>Deduplicates the filtered shards.</summary>
    public Task<StepSummary> DedupAsync(IWorkItemRunner runner, Action<string> report, CancellationToken cancellationToken) =>
        Job(Paths.Filtered, Paths.Deduped, runner, report).DedupAsync(cancellationToken);

    /// <summary>Rebalances over the deduplicated samples and writes the chosen ones, at most t per entry, to the final store.</summary>
    public Task<RefillOutcome> RefillAsync(Action<string> report, CancellationToken cancellationToken) =>
        RefillStage.RunAsync(
            Paths.Matches, ShardStoreLocation.Open(Paths.Deduped, storeOptions), ShardStoreLocation.Open(FinalStore, storeOptions), Paths.Refilled,
            spec.Balancing, report, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_fetcher.IsValueCreated)
        {
            _fetcher.Value.Dispose();
        }

        _downloader?.Dispose();
    }

    private static int PartitionOf(string key, int partitions) => (int)(System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(key)) % (ulong)partitions);

    private static HttpFetcher CreateFetcher(CampaignSpec spec, ILoggerFactory logging) => new(spec.Fetcher, spec.Network, logging.CreateLogger<HttpFetcher>());

    private CurationJob Job(string input, string output, IWorkItemRunner runner, Action<string> report)
    {
        var settings = new CurationSettings { Filters = spec.Filters, Dedup = spec.Dedup, Threads = Environment.ProcessorCount };
        var job = new CurationJob(input, output, settings, runner, Math.Max(2, Environment.ProcessorCount), storeOptions);
        job.Progress += report;
        return job;
    }
}
