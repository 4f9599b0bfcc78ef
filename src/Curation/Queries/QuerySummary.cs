using Pipeline.Curation.Jobs;

namespace Pipeline.Curation.Queries;

/// <summary>What a query build did, written beside the entries as <c>NAME-summary.json</c>.</summary>
public sealed record QuerySummary
{
    /// <summary>The entry file; null when nothing was written because partitions failed.</summary>
    public string? Output { get; init; }

    /// <summary>Entries written.</summary>
    public long Entries { get; init; }

    /// <summary>Entries admitted by each source (an entry with two sources counts under both).</summary>
    public IReadOnlyDictionary<string, long> EntriesBySource { get; init; } = new Dictionary<string, long>();

    /// <summary>Dump partitions.</summary>
    public int Partitions { get; init; }

    /// <summary>Partitions an earlier run had counted.</summary>
    public int PartitionsResumed { get; init; }

    /// <summary>Pages read.</summary>
    public long Pages { get; init; }

    /// <summary>Articles counted (main namespace, no redirects).</summary>
    public long Articles { get; init; }

    /// <summary>Words counted.</summary>
    public long Tokens { get; init; }

    /// <summary>Adjacent word pairs counted.</summary>
    public long Pairs { get; init; }

    /// <summary>Dump bytes read.</summary>
    public long DumpBytes { get; init; }

    /// <summary>Distinct words over the dump.</summary>
    public long DistinctWords { get; init; }

    /// <summary>Distinct bigrams over the dump.</summary>
    public long DistinctBigrams { get; init; }

    /// <summary>Hourly pageview files read.</summary>
    public int PageviewFiles { get; init; }

    /// <summary>Malformed pageview lines skipped.</summary>
    public long PageviewLinesMalformed { get; init; }

    /// <summary>WordNet synsets read.</summary>
    public long Synsets { get; init; }

    /// <summary>Entries dropped for being a single punctuation or symbol character.</summary>
    public long DroppedPunctuation { get; init; }

    /// <summary>Work items that failed every attempt.</summary>
    public IReadOnlyList<WorkItemFailure> Failures { get; init; } = [];

    /// <summary>Seconds the build took, by phase and in all.</summary>
    public IReadOnlyDictionary<string, double> Seconds { get; init; } = new Dictionary<string, double>();

    /// <summary>The options used.</summary>
    public QueryOptions? Options { get; init; }

    /// <summary>Where the summary of <paramref name="output"/> goes: <c>queries.parquet</c> gives <c>queries-summary.json</c>.</summary>
    public static string PathFor(string output) => Path.ChangeExtension(Path.GetFullPath(output), null) + "-summary.json";
}
