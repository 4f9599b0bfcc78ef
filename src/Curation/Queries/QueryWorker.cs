using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Curation.Wikipedia;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Runs query work items in this process: the code every worker runs, whether the coordinator calls it directly
/// or an Orleans grain does on some silo. Each item commits its output with a record written last and never
/// overwritten, so a killed item is redone from scratch and an item done twice counts once.
/// </summary>
/// <param name="live">Figures of counting in progress, for a progress line in this process; null for none.</param>
public sealed class QueryWorker(QueryCounters? live = null) : IQueryWorkRunner
{
    /// <summary>How the work records are written.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <inheritdoc/>
    public Task<QueryWorkResult> RunAsync(QueryWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        item.Options.Validate();
        return item.Step switch
        {
            QueryStep.Count => Task.Run(() => Count(item, cancellationToken), cancellationToken),
            QueryStep.MergeWords => Task.Run(() => MergeWords(item, cancellationToken), cancellationToken),
            QueryStep.MergeBigrams => Task.Run(() => MergeBigrams(item, cancellationToken), cancellationToken),
            _ => throw new ArgumentException($"unknown step {item.Step}", nameof(item)),
        };
    }

    /// <summary>Reads a partition's done record; null when the partition has not been counted.</summary>
    public static CountDoneRecord? ReadCountDone(string workFolder, int partition)
    {
        var path = Path.Combine(workFolder, QueryPaths.CountDone(partition));
        return File.Exists(path) ? JsonSerializer.Deserialize<CountDoneRecord>(File.ReadAllBytes(path), Json) : null;
    }

    private QueryWorkResult Count(QueryWorkItem item, CancellationToken cancellationToken)
    {
        var partition = item.Partition ?? throw new ArgumentException("a count item needs a partition", nameof(item));
        if (ReadCountDone(item.WorkFolder, partition.Number) is { } done)
        {
            return done.Result with { Resumed = true };
        }

        var attempt = QueryPaths.CountAttempt(partition.Number);
        var folder = Path.Combine(item.WorkFolder, attempt);
        Directory.CreateDirectory(folder);
        var counter = new PartitionCounter(item.Options.Buckets, item.Options.MaxEntriesInMemory);
        var stripper = new WikiTextStripper();
        var reader = new DumpReader(partition);
        long pages = 0, articles = 0, reportedTokens = 0, reportedBytes = 0, reportedPages = 0;
        try
        {
            foreach (var page in reader.ReadPages(cancellationToken))
            {
                pages++;
                if (page.IsArticle)
                {
                    articles++;
                    counter.Add(stripper.Strip(page.Text));
                    if (counter.IsFull)
                    {
                        counter.Spill(folder);
                    }
                }

                if ((pages & 63) == 0 && live is not null)
                {
                    var bytes = reader.BytesRead;
                    live.Add(pages - reportedPages, counter.Tokens - reportedTokens, bytes - reportedBytes);
                    (reportedPages, reportedTokens, reportedBytes) = (pages, counter.Tokens, bytes);
                }
            }

            counter.Spill(folder);
        }
        catch
        {
            TryDelete(folder);
            throw;
        }
        finally
        {
            // The live figures hold work in flight only; the coordinator adds the finished item's result.
            live?.Add(-reportedPages, -reportedTokens, -reportedBytes);
        }

        var result = new QueryWorkResult(item.Describe(), pages, articles, counter.Tokens, counter.Pairs, partition.Bytes, counter.Runs);
        if (!Commit(Path.Combine(item.WorkFolder, QueryPaths.CountDone(partition.Number)), new CountDoneRecord(Path.GetFileName(attempt), result)))
        {
            // Another attempt committed first; its counts are the ones that count.
            TryDelete(folder);
            return ReadCountDone(item.WorkFolder, partition.Number)!.Result with { Resumed = true };
        }

        return result;
    }

    private static QueryWorkResult MergeWords(QueryWorkItem item, CancellationToken cancellationToken)
    {
        var output = Path.Combine(item.WorkFolder, QueryPaths.MergedWords(item.Options, item.Bucket));
        if (ReadMergeDone(output) is { } done)
        {
            return done with { Resumed = true };
        }

        var runs = Runs(item, QueryPaths.WordRun);
        var keep = Math.Min(item.Options.MinUnigramCount, item.Options.MinBigramCount);
        long keys = 0;
        return Staged(output, temporary =>
        {
            var kept = CountRunWriter.Write(temporary, CountMerger.Merge(runs, cancellationToken).Where(r =>
            {
                keys++;
                return r.Value >= keep;
            }));
            return CommitMerge(output, temporary, new QueryWorkResult(item.Describe(), Keys: keys, Kept: kept));
        });
    }

    private static QueryWorkResult MergeBigrams(QueryWorkItem item, CancellationToken cancellationToken)
    {
        var options = item.Options;
        var output = Path.Combine(item.WorkFolder, QueryPaths.MergedBigrams(options, item.Bucket));
        if (ReadMergeDone(output) is { } done)
        {
            return done with { Resumed = true };
        }

        // A bigram's parts occur at least as often as the bigram, so only words that frequent are needed.
        var words = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var b = 0; b < options.Buckets; b++)
        {
            foreach (var (word, count) in CountRunReader.ReadAll(Path.Combine(item.WorkFolder, QueryPaths.MergedWords(options, b))))
            {
                if (count >= options.MinBigramCount)
                {
                    words[word] = count;
                }
            }
        }

        var lookup = words.GetAlternateLookup<ReadOnlySpan<char>>();
        long keys = 0, kept = 0;
        return Staged(output, temporary =>
        {
            WriteBigrams(temporary);
            return CommitMerge(output, temporary, new QueryWorkResult(item.Describe(), Keys: keys, Kept: kept));
        });

        void WriteBigrams(string temporary)
        {
            using var writer = new StreamWriter(temporary, false, new UTF8Encoding(false));
            foreach (var (bigram, count) in CountMerger.Merge(Runs(item, QueryPaths.BigramRun), cancellationToken))
            {
                keys++;
                if (count < options.MinBigramCount)
                {
                    continue;
                }

                var space = bigram.IndexOf(' ', StringComparison.Ordinal);
                if (!lookup.TryGetValue(bigram.AsSpan(0, space), out var first) || !lookup.TryGetValue(bigram.AsSpan(space + 1), out var second))
                {
                    throw new InvalidDataException($"bucket {item.Bucket}: the words of bigram '{bigram}' ({count}) are missing from the merged word counts");
                }

                var pmi = Pmi(count, first, second, item.Tokens, item.Pairs);
                if (pmi >= options.MinBigramPmi)
                {
                    writer.WriteLine(JsonSerializer.Serialize(new BigramEntry(bigram, count, pmi), Json));
                    kept++;
                }
            }
        }
    }

    /// <summary>
    /// The association of a bigram: <c>p(a b) / (p(a) p(b))</c> with <c>p(a b) = c(a b) / pairs</c> and
    /// <c>p(a) = c(a) / tokens</c>; see <see cref="QueryOptions.MinBigramPmi"/>.
    /// </summary>
    public static double Pmi(long bigram, long first, long second, long tokens, long pairs) =>
        (double)bigram / pairs / ((double)first / tokens * ((double)second / tokens));

    private static List<string> Runs(QueryWorkItem item, Func<int, int, string> name)
    {
        var runs = new List<string>();
        foreach (var partition in item.Partitions ?? [])
        {
            var done = ReadCountDone(item.WorkFolder, partition)
                ?? throw new InvalidOperationException($"partition {partition} has no done record in {item.WorkFolder}; count it before merging");
            for (var r = 0; r < done.Result.Runs; r++)
            {
                runs.Add(Path.Combine(item.WorkFolder, QueryPaths.Counts, done.Attempt, name(item.Bucket, r)));
            }
        }

        return runs;
    }

    private static QueryWorkResult? ReadMergeDone(string output)
    {
        var path = QueryPaths.MergeDone(output);
        return File.Exists(path) ? JsonSerializer.Deserialize<QueryWorkResult>(File.ReadAllBytes(path), Json) : null;
    }

    private static QueryWorkResult CommitMerge(string output, string temporary, QueryWorkResult result)
    {
        File.Move(temporary, output, overwrite: true);
        return Commit(QueryPaths.MergeDone(output), result) ? result : ReadMergeDone(output)! with { Resumed = true };
    }

    /// <summary>Writes <paramref name="record"/> at <paramref name="path"/> unless it exists; false when another writer was first.</summary>
    private static bool Commit<T>(string path, T record)
    {
        return Staged(path, temporary =>
        {
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(record, Json));
            try
            {
                File.Move(temporary, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
                return false;
            }
        });
    }

    /// <summary>Runs <paramref name="write"/> on a temporary file beside <paramref name="path"/>, removed when writing or committing fails (a full disk stays no fuller).</summary>
    private static T Staged<T>(string path, Func<string, T> write)
    {
        var temporary = TemporaryName(path);
        try
        {
            return write(temporary);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
                // The original error matters more.
            }

            throw;
        }
    }

    private static string TemporaryName(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return string.Create(CultureInfo.InvariantCulture, $"{path}.{Guid.NewGuid():N}.tmp");
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the coordinator's clean-up of uncommitted attempts.
        }
    }
}
