using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Html;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Politeness;
using Pipeline.Crawler.Stages;
using Pipeline.Curation.Balancing;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Matching;
using Pipeline.Curation.Pageviews;
using Pipeline.Curation.Queries;
using Pipeline.Curation.Stages;
using Pipeline.Curation.Wikipedia;
using Pipeline.Curation.WordNet;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// Does a campaign's stage work with the stage libraries. Every method is idempotent: it skips what is
/// committed and redoes the rest, so a campaign moved to another silo after a crash just calls it again.
/// </summary>
/// <remarks><paramref name="hostBudget"/> paces each host for every fetcher sharing it (the silo's, so the whole cluster's); null gives the fetcher its own.</remarks>
public sealed class CampaignStageRunner(CampaignSpec spec, ShardStoreOptions storeOptions, ILoggerFactory logging, IHostBudget? hostBudget = null) : IDisposable
{
    private static readonly JsonSerializerOptions JsonLine = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly Lazy<HttpFetcher> _fetcher = new(() => CreateFetcher(spec, logging, hostBudget));
    private ImageDownloader? _downloader;

    // Shares the crawl's fetcher (and its politeness and network rules); made on first use, as extract-only runners never need it.
    private ImageDownloader Downloader => LazyInitializer.EnsureInitialized(ref _downloader, () => new ImageDownloader(_fetcher.Value, new ImageProcessor(spec.Images), Environment.ProcessorCount));

    /// <summary>The campaign's folders.</summary>
    public CampaignPaths Paths { get; } = new(spec.Output);

    /// <summary>The final shard store's location.</summary>
    public string FinalStore => spec.Store ?? Paths.Shards;

    /// <summary>
    /// Writes the entries: those built as <c>queries build</c> builds them (WordNet, Wikipedia, pageviews, numbers;
    /// work items run by <paramref name="runner"/>), then the entry list, then the extra entries, each once.
    /// </summary>
    public async Task<int> BuildQueriesAsync(IQueryWorkRunner runner, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(progress);
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

        if (spec.Queries.Builds)
        {
            foreach (var entry in await BuildEntriesAsync(runner, progress, cancellationToken))
            {
                Add(entry.Text);
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

    /// <summary>
    /// Reads the WARC files, crawls the seeds and reads the candidate files (URL lists with captions) into candidate
    /// partitions cut by key, each sorted by key with one line per key, so reruns give identical files; sorted runs
    /// spill to disk, so memory does not grow with the pool.
    /// </summary>
    public async Task<long> ExtractAsync(IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (spec.Sources.Candidates.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            throw new FileNotFoundException($"candidate file {missing} (sources.candidates) does not exist", missing);
        }

        var html = new HtmlExtractionOptions { ProductToken = spec.Fetcher.ProductToken };
        var problems = 0;
        var stage = new ExtractStage(_fetcher.Value, html, spec.Crawl);
        var seeds = spec.Sources.Seeds.Select(s => new Uri(s)).ToList();
        void Problem(string problem)
        {
            if (problems++ < 3)
            {
                progress.Report(new StageProgress("extract", problem));
            }
        }

        using var partitions = new CandidatePartitionWriter(Paths.Candidates, spec.Sources.Partitions, spec.Sources.SpillAfter);
        var reading = new ThrottledProgress<StageProgress>(TimeSpan.FromSeconds(2), p => progress.Report(p with { Message = $"{p.Message}, {partitions.Runs} runs spilled" }));
        await foreach (var c in stage.ReadAsync([.. spec.Sources.Warc], seeds, p => Problem(p.ToString()), reading, cancellationToken))
        {
            await partitions.AddAsync(c, cancellationToken);
        }

        var columns = spec.Sources.Columns;
        foreach (var file in spec.Sources.Candidates)
        {
            await foreach (var record in UrlListFile.ReadAsync(file, columns, p => Problem(p.ToString()), cancellationToken))
            {
                if (string.IsNullOrWhiteSpace(record.Caption))
                {
                    Problem($"{file} line {record.Line} ({record.Url}): no text in field '{columns.Caption}'");
                    continue;
                }

                await partitions.AddAsync(new CandidateLine(record.Key ?? SampleKey.Derive(record.Url, record.Caption), record.Url, record.Caption, record.PageUrl, "list"), cancellationToken);
                if (partitions.Added % 10_000 == 0)
                {
                    reading.Report(new StageProgress("extract", $"{file}: {partitions.Added:N0} candidates", partitions.Added));
                }
            }
        }

        var distinct = await partitions.CompleteAsync(cancellationToken);
        progress.Report(new StageProgress("extract", $"{distinct} candidates in {spec.Sources.Partitions} partitions, {problems} pages, records or lines failed", distinct));
        if (distinct == 0)
        {
            throw new InvalidDataException(
                $"no candidates from {spec.Sources.Seeds.Count} seeds, {spec.Sources.Warc.Count} WARC files and {spec.Sources.Candidates.Count} candidate files; {problems} pages, records or lines failed");
        }

        return distinct;
    }

    /// <summary>Matches the candidate partitions against the entries, each partition a work item run by <paramref name="runner"/>, <paramref name="parallel"/> at a time.</summary>
    public Task<MatchSummary> MatchAsync(IMatchWorkRunner runner, int parallel, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        var inputs = Enumerable.Range(0, spec.Sources.Partitions).Select(p => Path.Combine(Paths.Candidates, $"part-{p:D4}.jsonl")).ToList();
        return MatchStage.RunAsync(inputs, Paths.Entries, Paths.Matches, spec.Matching, new UrlListColumns(), Environment.ProcessorCount, logging, runner, parallel, progress, cancellationToken);
    }

    /// <summary>Balances the matched pairs, exact mode's bands ranked as work items by <paramref name="ranker"/>, <paramref name="parallel"/> at a time.</summary>
    public Task<BalanceOutcome> BalanceAsync(IBandRankRunner ranker, int parallel, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        BalanceStage.RunAsync(Paths.Matches, Paths.Balanced, spec.Balancing, ranker, parallel, progress, cancellationToken);

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
        var batch = await ReadFetchListAsync(name, cancellationToken);
        if (await FetchStage.LoadCommitAsync(Paths.FetchLogs, name, cancellationToken) is { } done)
        {
            return new FetchChunkReport(name, done.Entries, done.Images, true, [], new Dictionary<string, long>(), new Dictionary<string, long>());
        }

        var statistics = new CrawlStatistics();
        var store = ShardStoreLocation.Open(Paths.Fetched, storeOptions);
        var outcome = await FetchStage.FetchChunkAsync(Downloader, store, FetchedShards, Paths.FetchLogs, name, batch, spec.Fetch.Concurrency, statistics, null, cancellationToken);
        // The fill counts kept pairs; reserve pairs fetched alongside count once the refill chooses them.
        var fetchedEntries = batch.Where((r, i) => outcome.Succeeded[i] && r.Lineage is { KeptForEntry: not null, Reserve: not true }).Select(r => r.Lineage!.KeptForEntry!.Value).ToList();
        var retryable = (await FetchStage.ReadLogAsync(FetchStage.LogPath(Paths.FetchLogs, name), cancellationToken)).Count(s => s.Retryable);
        return new FetchChunkReport(
            name, outcome.Record.Entries, outcome.Record.Images, false, fetchedEntries,
            statistics.ErrorsByClass.ToDictionary(p => p.Key.ToString(), p => p.Value),
            statistics.TopFailingHosts(20).ToDictionary(p => p.Key, p => p.Value),
            retryable);
    }

    /// <summary>
    /// Retry round <paramref name="round"/> (from 1) of committed chunk <paramref name="name"/>: fetches again the entries
    /// whose last status is a retryable failure and commits them as the chunk's next round (<see cref="FetchStage.RetryChunkAsync"/>).
    /// The report counts no new attempts: its images are the new successes and its errors by class the change (failures
    /// that succeeded now count minus one), so the counters describe each entry's last status. A round the chunk has
    /// already committed, or a chunk with nothing to retry, reports nothing.
    /// </summary>
    public async Task<FetchChunkReport> RetryChunkAsync(string name, int round, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1);
        var roundName = FetchStage.RoundName(name, round);
        var nothing = new FetchChunkReport(roundName, 0, 0, true, [], new Dictionary<string, long>(), new Dictionary<string, long>());
        var (before, rounds) = await FetchStage.LatestStatusesAsync(Paths.FetchLogs, name, cancellationToken);
        if (rounds >= round)
        {
            return nothing;
        }

        var batch = await ReadFetchListAsync(name, cancellationToken);
        var statistics = new CrawlStatistics();
        var store = ShardStoreLocation.Open(Paths.Fetched, storeOptions);
        if (await FetchStage.RetryChunkAsync(Downloader, store, FetchedShards, Paths.FetchLogs, name, batch, spec.Fetch.Concurrency, statistics, null, cancellationToken) is not { } record)
        {
            return nothing;
        }

        // The round's own log holds the new status of every entry it retried: no need to read the chunk's logs again.
        var after = (await FetchStage.ReadLogAsync(FetchStage.LogPath(Paths.FetchLogs, record.Chunk), cancellationToken)).ToDictionary(s => s.Key, StringComparer.Ordinal);
        var retried = before.Values.Where(s => s.Retryable).ToList();
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var status in retried)
        {
            errors[status.ErrorClass.ToString()] = errors.GetValueOrDefault(status.ErrorClass.ToString()) - 1;
        }

        foreach (var (errorClass, count) in statistics.ErrorsByClass)
        {
            errors[errorClass.ToString()] = errors.GetValueOrDefault(errorClass.ToString()) + count;
        }

        var recovered = retried.Where(s => after[s.Key].ErrorClass == FetchErrorClass.None).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var fetchedEntries = batch.Where(r => recovered.Contains(FetchStage.KeyOf(r)) && r.Lineage is { KeptForEntry: not null, Reserve: not true })
            .Select(r => r.Lineage!.KeptForEntry!.Value).ToList();
        var stillRetryable = retried.Count(s => after[s.Key].Retryable);
        return new FetchChunkReport(record.Chunk, 0, record.Images, false, fetchedEntries, errors, new Dictionary<string, long>(), stillRetryable - retried.Count);
    }

    // The fetched store stays Parquet whatever the final store's format, so the stores between stages can be queried.
    private ShardWriterOptions FetchedShards => new() { Encoding = spec.Images.Encoding };

    private Task<UrlListRecord[]> ReadFetchListAsync(string name, CancellationToken cancellationToken) =>
        UrlListFile.ReadAsync(Path.Combine(Paths.FetchLists, name + ".jsonl"), new UrlListColumns(), p => throw new InvalidDataException($"fetch list {p}"), cancellationToken)
            .ToArrayAsync(cancellationToken).AsTask();

    /// <summary>Filters the fetched shards, work items run by <paramref name="runner"/>.</summary>
    public Task<StepSummary> FilterAsync(IWorkItemRunner runner, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        Job(Paths.Fetched, Paths.Filtered, runner, progress).FilterAsync(cancellationToken);

    /// <summary>Deduplicates the filtered shards.</summary>
    public Task<StepSummary> DedupAsync(IWorkItemRunner runner, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        Job(Paths.Filtered, Paths.Deduped, runner, progress).DedupAsync(cancellationToken);

    /// <summary>Rebalances over the deduplicated samples (bands ranked as in <see cref="BalanceAsync"/>) and writes the chosen ones, at most t per entry, to the final store.</summary>
    public Task<RefillOutcome> RefillAsync(IBandRankRunner ranker, int parallel, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        RefillStage.RunAsync(
            Paths.Matches, ShardStoreLocation.Open(Paths.Deduped, storeOptions), ShardStoreLocation.Open(FinalStore, storeOptions), Paths.Refilled,
            spec.Balancing, spec.Format, ranker, parallel, progress, cancellationToken);

    private async Task<List<QueryEntry>> BuildEntriesAsync(IQueryWorkRunner runner, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        var queries = spec.Queries;
        QueryBuildInputs inputs;
        try
        {
            inputs = new QueryBuildInputs(
                queries.Wikipedia is { } dump ? WikiDump.Open(dump, queries.WikipediaIndex) : null,
                HourlyPageviews.Expand(queries.Pageviews),
                queries.WordNet ? WordNetLocator.Locate(queries.WordNetDirectory) : null);
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException or WordNetNotFoundException)
        {
            throw new PipelineConfigurationException($"campaign {spec.Name} queries: {ex.Message}", ex);
        }

        var job = new QueryBuildJob(inputs, Paths.BuiltEntries, workFolder: null, queries.Build, runner, Environment.ProcessorCount) { Progress = progress };
        var summary = await job.RunAsync(cancellationToken);
        if (summary.Output is null)
        {
            throw new InvalidDataException(
                $"queries: no entries built; {summary.Failures.Count} work items failed, first: {(summary.Failures.Count > 0 ? summary.Failures[0].Reason : "none")} (summary: {QuerySummary.PathFor(Paths.BuiltEntries)})");
        }

        return await QueryEntryFile.ReadAsync(summary.Output, cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_fetcher.IsValueCreated)
        {
            _fetcher.Value.Dispose();
        }

        _downloader?.Dispose();
    }

    private static HttpFetcher CreateFetcher(CampaignSpec spec, ILoggerFactory logging, IHostBudget? hostBudget) =>
        new(spec.Fetcher, spec.Network, logging.CreateLogger<HttpFetcher>(), budget: hostBudget);

    private CurationJob Job(string input, string output, IWorkItemRunner runner, IProgress<StageProgress> progress)
    {
        var settings = new CurationSettings { Filters = spec.Filters, Dedup = spec.Dedup, Threads = Environment.ProcessorCount };
        return new CurationJob(input, output, settings, runner, Math.Max(2, Environment.ProcessorCount), storeOptions) { Progress = progress };
    }
}
