using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Matching;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Settings;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Stages;

/// <summary>Stage 3: matches every pool partition against the entries, commits each partition, merges the per-entry counts.</summary>
public static class MatchStage
{
    /// <summary>The merged per-entry counts in a match folder.</summary>
    public const string CountsFile = "counts.bin";

    /// <summary>The run's <see cref="MatchSummary"/> in a match folder.</summary>
    public const string SummaryFile = "match-summary.json";

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Matches <paramref name="inputs"/> into <paramref name="output"/> in this process; committed partitions are skipped, so a rerun resumes.</summary>
    /// <exception cref="PipelineConfigurationException">The entries cannot be read, or the folder holds a run over other entries.</exception>
    public static Task<MatchSummary> RunAsync(
        IReadOnlyList<string> inputs, string entriesPath, string output, MatcherOptions options, UrlListColumns columns, int threads,
        ILoggerFactory logging, IProgress<StageProgress> progress, CancellationToken cancellationToken) =>
        RunAsync(inputs, entriesPath, output, options, columns, threads, logging, runner: null, parallel: 1, progress, cancellationToken);

    /// <summary>
    /// Matches <paramref name="inputs"/> into <paramref name="output"/>, one work item per partition run by
    /// <paramref name="runner"/> (<paramref name="parallel"/> at a time), or in this process when it is null; committed
    /// partitions are skipped, so a rerun resumes.
    /// </summary>
    /// <exception cref="PipelineConfigurationException">The entries cannot be read, or the folder holds a run over other entries.</exception>
    /// <exception cref="InvalidOperationException">A partition failed on every attempt (the committed ones stay; a rerun resumes).</exception>
    public static async Task<MatchSummary> RunAsync(
        IReadOnlyList<string> inputs, string entriesPath, string output, MatcherOptions options, UrlListColumns columns, int threads,
        ILoggerFactory logging, IMatchWorkRunner? runner, int parallel, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(progress);
        var entries = await LoadEntriesAsync(entriesPath, cancellationToken);
        await ClaimOutputAsync(output, entriesPath, entries, options, cancellationToken);
        var clock = Stopwatch.StartNew();
        var results = runner is null
            ? await MatchHereAsync(inputs, entriesPath, entries, output, options, columns, threads, logging, progress, clock, cancellationToken)
            : await MatchOnWorkersAsync(inputs, entriesPath, output, options, columns, threads, runner, parallel, progress, cancellationToken);

        var counts = await PoolMatcher.MergeCountsAsync(output, entries.Count, cancellationToken);
        await counts.SaveAsync(Path.Combine(output, CountsFile), cancellationToken);
        var summary = new MatchSummary(
            Path.GetFullPath(entriesPath), entries.Count, options.CaseInsensitive, results.Sum(r => r.Candidates), results.Sum(r => r.Matched),
            results.Sum(r => r.Problems), counts.NonZero, counts.Total, Math.Round(clock.Elapsed.TotalSeconds, 2), results);
        await AtomicFile.WriteAllBytesAsync(Path.Combine(output, SummaryFile), JsonSerializer.SerializeToUtf8Bytes(summary, Json), cancellationToken);
        return summary;
    }

    private static async Task<List<PartitionMatchResult>> MatchHereAsync(
        IReadOnlyList<string> inputs, string entriesPath, IReadOnlyList<string> entries, string output, MatcherOptions options, UrlListColumns columns, int threads,
        ILoggerFactory logging, IProgress<StageProgress> progress, Stopwatch clock, CancellationToken cancellationToken)
    {
        EntryMatcher matcher;
        try
        {
            matcher = EntryMatcher.Build(entries, options);
        }
        catch (ArgumentException ex)
        {
            throw new PipelineConfigurationException($"{entriesPath}: {ex.Message}");
        }

        progress.Report(new StageProgress("match", $"{entries.Count} entries, automaton of {matcher.States} states ({matcher.MemoryBytes / 1048576.0:0.0} MiB) built in {matcher.BuildTime.TotalSeconds:0.00} s; {inputs.Count} partitions"));
        var pool = new PoolMatcher(matcher, columns, Math.Max(1, threads), logging.CreateLogger<PoolMatcher>());
        var results = new List<PartitionMatchResult>();
        long doneCandidates = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            var partitionProgress = new ThrottledProgress<MatchProgress>(TimeSpan.FromSeconds(2), p =>
                progress.Report(new StageProgress("match", $"partition {p.Partition} ({i + 1}/{inputs.Count}): {p.Candidates:N0} candidates, {p.Matched:N0} matched, {(doneCandidates + p.Candidates) / clock.Elapsed.TotalSeconds:N0} candidates/s", i, inputs.Count)));
            var result = await pool.MatchPartitionAsync(inputs[i], output, partitionProgress, cancellationToken);
            doneCandidates += result.Resumed ? 0 : result.Candidates;
            results.Add(result);
            progress.Report(new StageProgress("match", $"partition {result.Partition} ({i + 1}/{inputs.Count}) {(result.Resumed ? "already committed" : "committed")}: {result.Matched:N0} of {result.Candidates:N0} matched, {result.Problems} unreadable", i + 1, inputs.Count));
        }


        return results;
    }

    private static async Task<List<PartitionMatchResult>> MatchOnWorkersAsync(
        IReadOnlyList<string> inputs, string entriesPath, string output, MatcherOptions options, UrlListColumns columns, int threads,
        IMatchWorkRunner runner, int parallel, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        var items = inputs.Select(input => new MatchWorkItem(Path.GetFullPath(input), Path.GetFullPath(output), Path.GetFullPath(entriesPath), options, columns, threads)).ToList();
        progress.Report(new StageProgress("match", $"{items.Count} partitions as work items, {parallel} at a time"));
        var scheduler = new WorkItemScheduler<MatchWorkItem, PartitionMatchResult>(runner.RunAsync, item => item.Describe(), parallel);
        scheduler.ItemDone += (item, done, total) => progress.Report(new StageProgress("match", $"{done}/{total} partitions done ({item})", done, total));
        return [.. await scheduler.RunAllAsync(items, "matching", cancellationToken)];
    }

    /// <summary>Reads the summary a finished match run left in <paramref name="matches"/>.</summary>
    /// <exception cref="PipelineConfigurationException">There is none (the match run did not finish), or it is not a summary.</exception>
    public static async Task<MatchSummary> LoadSummaryAsync(string matches, CancellationToken cancellationToken)
    {
        var path = Path.Combine(matches, SummaryFile);
        if (!File.Exists(path))
        {
            throw new PipelineConfigurationException($"{path} does not exist: run 'pipeline curate match' into {matches} first, to the end");
        }

        await using var stream = File.OpenRead(path);
        try
        {
            return await JsonSerializer.DeserializeAsync<MatchSummary>(stream, Json, cancellationToken) ?? throw new PipelineConfigurationException($"{path} holds no match summary (null)");
        }
        catch (JsonException ex)
        {
            // The parser's message gives the position but not the file.
            throw new PipelineConfigurationException($"{path} is not a match summary: {ex.Message}", ex);
        }
    }

    /// <summary>Loads an entry list; a missing or malformed one is a configuration error.</summary>
    public static async Task<IReadOnlyList<string>> LoadEntriesAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await EntryListFile.LoadAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
        {
            throw new PipelineConfigurationException(ex.Message);
        }
    }

    /// <summary>A share as a percentage, 0% of nothing.</summary>
    public static string Percent(long part, long whole) => whole == 0 ? "0%" : (part / (double)whole).ToString("P1", CultureInfo.InvariantCulture);

    /// <summary>Refuses to resume into a folder matched against other entries or with other settings: its committed counts would not add up.</summary>
    private static async Task ClaimOutputAsync(string output, string entriesPath, IReadOnlyList<string> entries, MatcherOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(output);
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', entries) + "\n" + options.CaseInsensitive)));
        var claim = Path.Combine(output, "match-run.txt");
        if (File.Exists(claim))
        {
            var existing = (await File.ReadAllTextAsync(claim, cancellationToken)).Trim();
            if (existing != fingerprint)
            {
                throw new PipelineConfigurationException($"{output} holds a match run over different entries or settings; use another --out (entries now: {entriesPath})");
            }

            return;
        }

        await AtomicFile.WriteAllBytesAsync(claim, Encoding.UTF8.GetBytes(fingerprint + "\n"), cancellationToken);
    }
}
