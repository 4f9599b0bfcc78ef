namespace Pipeline.Curation.Jobs;

/// <summary>Where curation keeps its files in the output store, beside the shards and manifest.</summary>
public static class CurationPaths
{
    /// <summary>The job's settings and input, checked on every rerun.</summary>
    public static string Claim(string step) => $"{step}/job.json";

    /// <summary>The step's summary.</summary>
    public static string Summary(string step) => $"{step}-summary.json";

    /// <summary>One shard's dedup signatures.</summary>
    public static string Signatures(string shard) => $"dedup/work/signatures/{shard}.bin";

    /// <summary>The sorted distinct perceptual hashes that the pair search covers.</summary>
    public const string DistinctHashes = "dedup/work/hashes.bin";

    /// <summary>The near pairs found by one index partition.</summary>
    public static string Pairs(int partition) => $"dedup/work/pairs/{partition:D5}.bin";

    /// <summary>One shard's dedup decisions (the samples it drops).</summary>
    public static string Decisions(string shard) => $"dedup/work/decisions/{shard}.json";

    /// <summary>The evaluation images and their hashes.</summary>
    public const string EvaluationImages = "overlap/work/evaluation.json";

    /// <summary>One shard's samples that copy an evaluation image.</summary>
    public static string Hits(string shard) => $"overlap/hits/{shard}.json";

    /// <summary>The overlap report.</summary>
    public const string OverlapReport = "overlap-report.json";
}
