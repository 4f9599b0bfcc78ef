using System.Globalization;

namespace Pipeline.Curation.Queries;

/// <summary>
/// Where query building keeps its work, relative to the work folder. A counting attempt writes into a folder of
/// its own and is committed by its done record, written last; a merge commits its output file the same way.
/// </summary>
public static class QueryPaths
{
    /// <summary>The job's claim: which dump, partitions and options this work folder is for.</summary>
    public const string Claim = "job.json";

    /// <summary>The folder of counting attempts.</summary>
    public const string Counts = "counts";

    /// <summary>
    /// The folder of merged buckets for the thresholds in <paramref name="options"/>, e.g. <c>merged-1a2b3c4d</c>:
    /// counts are reused when only the thresholds change.
    /// </summary>
    public static string Merged(QueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var thresholds = string.Create(CultureInfo.InvariantCulture, $"{options.MinUnigramCount}|{options.MinBigramCount}|{options.MinBigramPmi:R}");
        return "merged-" + Convert.ToHexStringLower(System.IO.Hashing.XxHash32.Hash(System.Text.Encoding.UTF8.GetBytes(thresholds)));
    }

    /// <summary>A fresh attempt folder for a partition, e.g. <c>counts/p00003.5f2c...</c>.</summary>
    public static string CountAttempt(int partition) => Path.Combine(Counts, string.Create(CultureInfo.InvariantCulture, $"p{partition:D5}.{Guid.NewGuid():N}"));

    /// <summary>A partition's done record, naming the attempt folder that counts.</summary>
    public static string CountDone(int partition) => Path.Combine(Counts, string.Create(CultureInfo.InvariantCulture, $"p{partition:D5}.done.json"));

    /// <summary>Words run <paramref name="run"/> of bucket <paramref name="bucket"/> inside an attempt folder.</summary>
    public static string WordRun(int bucket, int run) => string.Create(CultureInfo.InvariantCulture, $"words-b{bucket:D4}-r{run:D4}.run");

    /// <summary>Bigrams run <paramref name="run"/> of bucket <paramref name="bucket"/> inside an attempt folder.</summary>
    public static string BigramRun(int bucket, int run) => string.Create(CultureInfo.InvariantCulture, $"bigrams-b{bucket:D4}-r{run:D4}.run");

    /// <summary>A bucket's merged words, those frequent enough to be an entry or a bigram's part.</summary>
    public static string MergedWords(QueryOptions options, int bucket) => Path.Combine(Merged(options), string.Create(CultureInfo.InvariantCulture, $"words-b{bucket:D4}.run"));

    /// <summary>A bucket's bigram entries, as JSON lines of text, count and PMI.</summary>
    public static string MergedBigrams(QueryOptions options, int bucket) => Path.Combine(Merged(options), string.Create(CultureInfo.InvariantCulture, $"bigrams-b{bucket:D4}.jsonl"));

    /// <summary>The record that commits a merged file.</summary>
    public static string MergeDone(string mergedFile) => mergedFile + ".done.json";
}
