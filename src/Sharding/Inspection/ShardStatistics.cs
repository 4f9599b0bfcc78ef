namespace Pipeline.Sharding.Inspection;

/// <summary>Figures over a whole shard set, for the data card and <c>pipeline shard stats</c>.</summary>
public sealed record ShardStatistics
{
    public required int Shards { get; init; }

    public required long Samples { get; init; }

    public required long FileBytes { get; init; }

    public string? ImageColumn { get; init; }

    public double MeanImageBytes { get; init; }

    public double MeanWidth { get; init; }

    public double MeanHeight { get; init; }

    public int MinSide { get; init; }

    public int MaxSide { get; init; }

    public double MeanCaptionChars { get; init; }

    /// <summary>Samples with at least one matched query entry.</summary>
    public long SamplesWithEntries { get; init; }

    /// <summary>Distinct entries samples were kept for by the balancer.</summary>
    public int DistinctKeptForEntries { get; init; }

    public DateTimeOffset? FirstFetch { get; init; }

    public DateTimeOffset? LastFetch { get; init; }
}
