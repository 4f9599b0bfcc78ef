using Pipeline.Curation.Filtering;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Settings;

namespace Pipeline.Curation.Jobs;

/// <summary>Everything a curation worker needs besides its work item; travels with every item so any process can run it.</summary>
public sealed record CurationSettings
{
    /// <summary>Filter thresholds.</summary>
    public SampleFilterOptions Filters { get; init; } = new();

    /// <summary>Deduplication settings.</summary>
    public DedupOptions Dedup { get; init; } = new();

    /// <summary>Evaluation-overlap settings.</summary>
    public OverlapOptions Overlap { get; init; } = new();

    /// <summary>The file format of the shards the steps write (Parquet unless told).</summary>
    public ShardFormat Format { get; init; } = ShardFormat.Parquet;

    /// <summary>Threads one work item uses to decode and hash images.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Throws when a setting is out of range; the message names it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        Filters.Validate();
        Dedup.Validate();
        Overlap.Validate();
        SettingRange.AtLeast(nameof(Threads), Threads, 1);
    }
}
