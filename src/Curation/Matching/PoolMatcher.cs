using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Curation.Candidates;
using Pipeline.Curation.Counting;
using Pipeline.Curation.Telemetry;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Storage;

namespace Pipeline.Curation.Matching;

/// <summary>
/// Matches the pool one partition (one pool file) at a time. A partition's outputs are its pair file
/// (<c>matches/NAME.parquet</c>, the candidates with at least one entry, in input order), its counts
/// (<c>counts/NAME.counts</c>) and, written last, its commit record (<c>partitions/NAME.json</c>). Each is
/// written atomically, so a partition is either committed whole or redone whole: redoing replaces its files,
/// and merged counts never count it twice.
/// </summary>
public sealed partial class PoolMatcher(EntryMatcher matcher, UrlListColumns columns, int threads, ILogger logger)
{
    /// <summary>Folder of the per-partition pair files.</summary>
    public const string MatchesFolder = "matches";

    /// <summary>Folder of the per-partition counts.</summary>
    public const string CountsFolder = "counts";

    /// <summary>Folder of the per-partition commit records.</summary>
    public const string PartitionsFolder = "partitions";

    private const int BatchSize = 8192;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The partition name of a pool file: its file name without the pool extensions.</summary>
    public static string PartitionName(string input)
    {
        var name = Path.GetFileName(input);
        foreach (var extension in new[] { ".gz", ".parquet", ".jsonl", ".json" })
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^extension.Length];
            }
        }

        return name;
    }

    /// <summary>Loads a committed partition's record, or null when the partition is not committed.</summary>
    public static async Task<PartitionMatchResult?> LoadCommittedAsync(string outputFolder, string partition, CancellationToken cancellationToken)
    {
        var path = Path.Combine(outputFolder, PartitionsFolder, partition + ".json");
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<PartitionMatchResult>(stream, Json, cancellationToken)
            ?? throw new InvalidDataException($"{path}: empty commit record");
    }

    /// <summary>Sums the counts of every committed partition in <paramref name="outputFolder"/>.</summary>
    public static async Task<EntryCounts> MergeCountsAsync(string outputFolder, int entries, CancellationToken cancellationToken)
    {
        var total = new EntryCounts(entries);
        var records = Path.Combine(outputFolder, PartitionsFolder);
        if (!Directory.Exists(records))
        {
            return total;
        }

        foreach (var record in Directory.EnumerateFiles(records, "*.json").Order(StringComparer.Ordinal))
        {
            var counts = await EntryCounts.LoadAsync(Path.Combine(outputFolder, CountsFolder, Path.GetFileNameWithoutExtension(record) + ".counts"), cancellationToken);
            total.Merge(counts);
        }

        return total;
    }

    /// <summary>Matches one pool file, or returns its record if an earlier run committed it.</summary>
    public async Task<PartitionMatchResult> MatchPartitionAsync(string input, string outputFolder, IProgress<MatchProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputFolder);
        var partition = PartitionName(input);
        if (await LoadCommittedAsync(outputFolder, partition, cancellationToken) is { } done)
        {
            LogSkipped(partition, done.Matched, done.Candidates);
            return done with { Resumed = true };
        }

        foreach (var folder in new[] { MatchesFolder, CountsFolder, PartitionsFolder })
        {
            Directory.CreateDirectory(Path.Combine(outputFolder, folder));
        }

        var clock = Stopwatch.StartNew();
        var counts = new EntryCounts(matcher.EntryCount);
        var problems = new List<CandidateProblem>();
        long problemCount = 0, candidates = 0, matched = 0;
        void Problem(CandidateProblem problem)
        {
            if (problemCount++ < 10)
            {
                problems.Add(problem);
                LogProblem(problem.File, problem.Line, problem.Offset, problem.Reason);
            }
        }

        async IAsyncEnumerable<MatchedPair> MatchedPairs([EnumeratorCancellation] CancellationToken ct = default)
        {
            await foreach (var batch in CandidateFile.ReadAsync(input, columns, Problem, ct).Chunk(BatchSize).WithCancellation(ct))
            {
                var ids = MatchBatch(batch);
                for (var i = 0; i < batch.Length; i++)
                {
                    if (ids[i].Length > 0)
                    {
                        var c = batch[i];
                        counts.Add(ids[i]);
                        matched++;
                        yield return new MatchedPair(c.Key, c.Url, c.Caption, c.PageUrl, ids[i]);
                    }
                }

                candidates += batch.Length;
                progress?.Report(new MatchProgress(partition, candidates, matched));
            }
        }

        await AtomicFile.WriteAsync(
            Path.Combine(outputFolder, MatchesFolder, partition + ".parquet"),
            async (stream, ct) => await PairFile.WriteAsync(stream, MatchedPairs(ct), ct),
            cancellationToken);
        await counts.SaveAsync(Path.Combine(outputFolder, CountsFolder, partition + ".counts"), cancellationToken);
        var result = new PartitionMatchResult(partition, Path.GetFullPath(input), candidates, matched, problemCount, problems, Math.Round(clock.Elapsed.TotalSeconds, 3));
        await AtomicFile.WriteAllBytesAsync(Path.Combine(outputFolder, PartitionsFolder, partition + ".json"), JsonSerializer.SerializeToUtf8Bytes(result, Json), cancellationToken);
        LogCommitted(partition, matched, candidates, problemCount, result.Seconds);
        CurationMetrics.Candidates.Add(matched, new KeyValuePair<string, object?>("matched", true));
        CurationMetrics.Candidates.Add(candidates - matched, new KeyValuePair<string, object?>("matched", false));
        return result;
    }

    private int[][] MatchBatch(Candidate[] batch)
    {
        var ids = new int[batch.Length][];
        if (threads <= 1)
        {
            // One thread matches on the caller's: no hand-off to the pool and back per batch.
            var found = new List<int>();
            for (var i = 0; i < batch.Length; i++)
            {
                matcher.Match(batch[i].Caption, found);
                ids[i] = found.Count == 0 ? [] : [.. found];
            }

            return ids;
        }

        Parallel.For(
            0,
            batch.Length,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            () => new List<int>(),
            (i, _, found) =>
            {
                matcher.Match(batch[i].Caption, found);
                ids[i] = found.Count == 0 ? [] : [.. found];
                return found;
            },
            _ => { });
        return ids;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "partition {Partition} already committed ({Matched} of {Candidates} matched); skipping")]
    private partial void LogSkipped(string partition, long matched, long candidates);

    [LoggerMessage(Level = LogLevel.Warning, Message = "skipped unreadable candidate {File}:{Line} (byte {Offset}): {Reason}")]
    private partial void LogProblem(string file, long line, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "partition {Partition}: {Matched} of {Candidates} candidates matched, {Problems} unreadable, {Seconds} s")]
    private partial void LogCommitted(string partition, long matched, long candidates, long problems, double seconds);
}
