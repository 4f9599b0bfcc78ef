using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Pageviews;
using Pipeline.Curation.Wikipedia;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Builds the query entries: counts the dump's partitions (work items any worker can run), merges the counts per
/// hash bucket, reads pageviews and WordNet, and writes the entries and a summary. The work folder makes a rerun
/// resume: counted partitions and merged buckets are not redone, and a half-done item is redone from scratch.
/// </summary>
public sealed class QueryBuildJob
{
    private static readonly JsonSerializerOptions SummaryJson = new(QueryWorker.Json) { WriteIndented = true };

    private readonly QueryBuildInputs _inputs;
    private readonly string _output;
    private readonly string _work;
    private readonly QueryOptions _options;
    private readonly IQueryWorkRunner _runner;
    private readonly int _parallel;
    private readonly QueryCounters _live;

    /// <summary>Prepares a build; <paramref name="live"/> is the counters a local <see cref="QueryWorker"/> reports into.</summary>
    /// <exception cref="ArgumentException">The options are inconsistent or nothing is to be built from.</exception>
    public QueryBuildJob(QueryBuildInputs inputs, string output, string? workFolder, QueryOptions options, IQueryWorkRunner runner, int parallel, QueryCounters? live = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (inputs.Wiki is null && inputs.Pageviews.Count == 0 && inputs.WordNet is null)
        {
            throw new ArgumentException("nothing to build queries from: give a Wikipedia dump, pageview files or a WordNet folder");
        }

        _inputs = inputs;
        _output = Path.GetFullPath(output);
        _work = Path.GetFullPath(workFolder ?? Path.ChangeExtension(_output, null) + ".work");
        _options = options;
        _runner = runner;
        _parallel = Math.Max(1, parallel);
        _live = live ?? new QueryCounters();
    }

    /// <summary>Where the build reports its phases, progress and failures.</summary>
    public IProgress<StageProgress>? Progress { get; init; }

    /// <summary>The work folder.</summary>
    public string WorkFolder => _work;

    /// <summary>Runs the build.</summary>
    public async Task<QuerySummary> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var seconds = new Dictionary<string, double>();
        var entries = new Dictionary<string, QueryEntry>(StringComparer.Ordinal);
        var failures = new List<WorkItemFailure>();
        var summary = new QuerySummary { Options = _options };

        if (_inputs.Wiki is { } wiki)
        {
            var counted = await CountAsync(wiki, failures, cancellationToken);
            seconds["count"] = clock.Elapsed.TotalSeconds;
            summary = counted.Summary;
            if (failures.Count > 0 && !_options.SkipFailedPartitions)
            {
                Progress?.Report(new StageProgress("count", $"{failures.Count} partitions failed; no entries written (rerun to retry them, or set {QueryOptions.Section}:{nameof(QueryOptions.SkipFailedPartitions)})"));
                return await FinishAsync(summary with { Failures = failures, Seconds = Total(seconds, clock) }, cancellationToken);
            }

            var merged = await MergeAsync(counted.Done, summary, failures, entries, cancellationToken);
            summary = merged;
            seconds["merge"] = clock.Elapsed.TotalSeconds - seconds["count"];
            CleanUpAttempts(counted.Done);
        }

        if (_inputs.Pageviews.Count > 0)
        {
            var started = clock.Elapsed;
            var views = await TitleViews.ReadAsync(_inputs.Pageviews, _options.Domains, _options.MinHourlyViews, _parallel, cancellationToken);
            foreach (var (title, total) in views.AtLeast(_options.MinTitleViews))
            {
                Add(entries, new QueryEntry(title.Trim(), QuerySources.Title, Views: total));
            }

            summary = summary with { PageviewFiles = views.Files, PageviewLinesMalformed = views.Malformed };
            seconds["pageviews"] = (clock.Elapsed - started).TotalSeconds;
            Progress?.Report(new StageProgress("pageviews", $"{views.Files} hourly files, {views.Malformed:N0} malformed lines skipped"));
        }

        if (_inputs.WordNet is { } wordNet)
        {
            long synsets = 0;
            foreach (var partOfSpeech in new[] { "noun", "verb", "adj", "adv" })
            {
                await foreach (var synset in wordNet.ReadSynsetsAsync(partOfSpeech, cancellationToken))
                {
                    synsets++;
                    Add(entries, new QueryEntry(synset.HeadName, QuerySources.WordNet, Synset: string.Create(CultureInfo.InvariantCulture, $"{synset.Offset:D8}-{partOfSpeech[0]}")));
                }
            }

            summary = summary with { Synsets = synsets };
        }

        for (var n = 0; n <= _options.MaxNumber; n++)
        {
            Add(entries, new QueryEntry(n.ToString(CultureInfo.InvariantCulture), QuerySources.Number));
        }

        var punctuation = entries.Keys.Where(IsPunctuation).ToList();
        foreach (var text in punctuation)
        {
            entries.Remove(text);
        }

        var sorted = entries.Values.OrderBy(e => e.Text, StringComparer.Ordinal).ToList();
        await QueryEntryFile.WriteAsync(_output, sorted, cancellationToken);
        var bySource = Enum.GetValues<QuerySources>().Where(s => s != QuerySources.None)
            .ToDictionary(s => s.ToString().ToLowerInvariant(), s => (long)sorted.Count(e => e.Sources.HasFlag(s)));
        Progress?.Report(new StageProgress("queries", $"wrote {sorted.Count:N0} entries to {_output} ({string.Join(", ", bySource.Select(s => $"{s.Value:N0} {s.Key}"))})"));
        return await FinishAsync(
            summary with
            {
                Output = _output,
                Entries = sorted.Count,
                EntriesBySource = bySource,
                DroppedPunctuation = punctuation.Count,
                Failures = failures,
                Seconds = Total(seconds, clock),
            },
            cancellationToken);
    }

    /// <summary>True for an entry that is one punctuation or symbol character, or empty.</summary>
    public static bool IsPunctuation(string text) =>
        string.IsNullOrWhiteSpace(text) || (text.Length == 1 && (char.IsPunctuation(text[0]) || char.IsSymbol(text[0])));

    private async Task<(QuerySummary Summary, List<int> Done)> CountAsync(WikiDump wiki, List<WorkItemFailure> failures, CancellationToken cancellationToken)
    {
        var partitions = wiki.Partition(_options.PartitionBytes, cancellationToken);
        await ClaimAsync(wiki, partitions, cancellationToken);
        var totalBytes = partitions.Sum(p => p.Bytes);
        Progress?.Report(new StageProgress("count", $"{partitions.Count} partitions, {totalBytes:N0} bytes of {wiki.File} ({wiki.Format})", 0, totalBytes));
        var items = partitions.Select(p => new QueryWorkItem(QueryStep.Count, _work, _options, Partition: p)).ToList();

        var completed = new QueryCounters();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var doneItems = 0;
        var reporter = ReportAsync(stop.Token);
        var scheduler = new WorkItemScheduler<QueryWorkItem, QueryWorkResult>(RunCountAsync, i => i.Describe(), _parallel);
        var (results, itemFailures) = await scheduler.RunAsync(items, cancellationToken);
        await stop.CancelAsync();
        await reporter;
        Report();
        foreach (var failure in itemFailures)
        {
            Progress?.Report(new StageProgress("count", $"FAILED {failure.Item}: {failure.Reason}"));
        }

        failures.AddRange(itemFailures);
        var done = new List<int>();
        var summary = new QuerySummary { Options = _options, Partitions = partitions.Count };
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i] is not { } r)
            {
                continue;
            }

            done.Add(partitions[i].Number);
            summary = summary with
            {
                Pages = summary.Pages + r.Pages,
                Articles = summary.Articles + r.Articles,
                Tokens = summary.Tokens + r.Tokens,
                Pairs = summary.Pairs + r.Pairs,
                DumpBytes = summary.DumpBytes + r.Bytes,
                PartitionsResumed = summary.PartitionsResumed + (r.Resumed ? 1 : 0),
            };
        }

        return (summary, done);

        async Task<QueryWorkResult> RunCountAsync(QueryWorkItem item, CancellationToken ct)
        {
            var result = await _runner.RunAsync(item, ct);
            completed.Add(result.Pages, result.Tokens, result.Bytes);
            Interlocked.Increment(ref doneItems);
            return result;
        }

        async Task ReportAsync(CancellationToken ct)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            try
            {
                while (await timer.WaitForNextTickAsync(ct))
                {
                    Report();
                }
            }
            catch (OperationCanceledException)
            {
                // The count phase ended.
            }
        }

        void Report()
        {
            var pages = completed.Pages + _live.Pages;
            var tokens = completed.Tokens + _live.Tokens;
            var bytes = completed.Bytes + _live.Bytes;
            var elapsed = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            var rate = bytes / elapsed;
            var eta = rate > 0 && bytes < totalBytes ? TimeSpan.FromSeconds((totalBytes - bytes) / rate) : TimeSpan.Zero;
            Progress?.Report(new StageProgress("count", string.Create(
                CultureInfo.InvariantCulture,
                $"{Volatile.Read(ref doneItems)}/{partitions.Count} partitions, {bytes / 1e6:N1} of {totalBytes / 1e6:N1} MB ({100.0 * bytes / Math.Max(1, totalBytes):0}%), {pages / elapsed:N0} pages/s, {tokens / elapsed / 1e6:N2}M tokens/s, ETA {eta:hh\\:mm\\:ss}"), bytes, totalBytes));
        }
    }

    private async Task<QuerySummary> MergeAsync(List<int> done, QuerySummary summary, List<WorkItemFailure> failures, Dictionary<string, QueryEntry> entries, CancellationToken cancellationToken)
    {
        var buckets = Enumerable.Range(0, _options.Buckets).ToList();
        var words = await RunPhaseAsync("merge words", buckets.Select(b => new QueryWorkItem(QueryStep.MergeWords, _work, _options, Bucket: b, Partitions: done)).ToList(), failures, cancellationToken);
        var bigrams = await RunPhaseAsync("merge bigrams", buckets.Select(b => new QueryWorkItem(QueryStep.MergeBigrams, _work, _options, Bucket: b, Partitions: done, Tokens: summary.Tokens, Pairs: summary.Pairs)).ToList(), failures, cancellationToken);
        if (words.Any(r => r is null) || bigrams.Any(r => r is null))
        {
            throw new InvalidOperationException($"merging failed for {failures.Count} buckets: {failures[0].Item}: {failures[0].Reason}");
        }

        for (var b = 0; b < _options.Buckets; b++)
        {
            foreach (var (word, count) in CountRunReader.ReadAll(Path.Combine(_work, QueryPaths.MergedWords(_options, b))))
            {
                if (count >= _options.MinUnigramCount)
                {
                    Add(entries, new QueryEntry(word, QuerySources.Unigram, Count: count));
                }
            }

            foreach (var line in File.ReadLines(Path.Combine(_work, QueryPaths.MergedBigrams(_options, b))))
            {
                var bigram = JsonSerializer.Deserialize<BigramEntry>(line, QueryWorker.Json)!;
                Add(entries, new QueryEntry(bigram.Text, QuerySources.Bigram, Count: bigram.Count, Pmi: bigram.Pmi));
            }
        }

        return summary with { DistinctWords = words.Sum(r => r!.Keys), DistinctBigrams = bigrams.Sum(r => r!.Keys) };
    }

    private async Task<QueryWorkResult?[]> RunPhaseAsync(string phase, List<QueryWorkItem> items, List<WorkItemFailure> failures, CancellationToken cancellationToken)
    {
        var scheduler = new WorkItemScheduler<QueryWorkItem, QueryWorkResult>(_runner.RunAsync, i => i.Describe(), _parallel);
        var clock = Stopwatch.StartNew();
        var (results, itemFailures) = await scheduler.RunAsync(items, cancellationToken);
        failures.AddRange(itemFailures);
        Progress?.Report(new StageProgress(phase, string.Create(CultureInfo.InvariantCulture, $"{results.Count(r => r is not null)}/{items.Count} buckets, {results.Sum(r => r?.Keys ?? 0):N0} distinct, {results.Sum(r => r?.Kept ?? 0):N0} kept, {clock.Elapsed.TotalSeconds:0.0} s"), results.Count(r => r is not null), items.Count));
        return results;
    }

    private async Task ClaimAsync(WikiDump wiki, IReadOnlyList<DumpPartition> partitions, CancellationToken cancellationToken)
    {
        // Counts depend on the dump, its partitioning and the buckets; the thresholds only pick the merge folder.
        var claim = JsonSerializer.Serialize(new { wiki.File, Length = new FileInfo(wiki.File).Length, wiki.Format, wiki.Index, Partitions = partitions.Count, _options.PartitionBytes, _options.Buckets }, QueryWorker.Json);
        var path = Path.Combine(_work, QueryPaths.Claim);
        Directory.CreateDirectory(_work);
        if (File.Exists(path))
        {
            var existing = await File.ReadAllTextAsync(path, cancellationToken);
            if (existing != claim)
            {
                throw new InvalidOperationException($"{path} records counts of another dump or partitioning ({existing}); use another --work folder or delete this one");
            }
        }
        else
        {
            await File.WriteAllTextAsync(path, claim, cancellationToken);
        }
    }

    private void CleanUpAttempts(List<int> done)
    {
        // Attempt folders that no done record names are leftovers of killed or losing attempts.
        var named = done.Select(p => QueryWorker.ReadCountDone(_work, p)?.Attempt).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var counts = Path.Combine(_work, QueryPaths.Counts);
        foreach (var folder in Directory.Exists(counts) ? Directory.GetDirectories(counts) : [])
        {
            if (!named.Contains(Path.GetFileName(folder)))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private async Task<QuerySummary> FinishAsync(QuerySummary summary, CancellationToken cancellationToken)
    {
        var path = QuerySummary.PathFor(_output);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await AtomicFile.WriteAllBytesAsync(path, JsonSerializer.SerializeToUtf8Bytes(summary, SummaryJson), cancellationToken);
        return summary;
    }

    private static Dictionary<string, double> Total(Dictionary<string, double> seconds, Stopwatch clock)
    {
        seconds["total"] = clock.Elapsed.TotalSeconds;
        return seconds;
    }

    private static void Add(Dictionary<string, QueryEntry> entries, QueryEntry entry)
    {
        if (entry.Text.Length == 0)
        {
            return;
        }

        entries[entry.Text] = entries.TryGetValue(entry.Text, out var existing) ? existing.Merge(entry) : entry;
    }
}
