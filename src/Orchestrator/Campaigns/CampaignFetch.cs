namespace Pipeline.Orchestrator.Campaigns;

/// <summary>How a campaign's fetch stage cuts and runs its work.</summary>
[GenerateSerializer]
[Alias("pipeline.campaign-fetch")]
public sealed class CampaignFetch
{
    /// <summary>Pairs per chunk: a chunk is one leased work item and one shard.</summary>
    [Id(0)] public int Chunk { get; init; } = 1000;

    /// <summary>Downloads in flight per worker.</summary>
    [Id(1)] public int Concurrency { get; init; } = 32;

    /// <summary>How long a worker holds a chunk without renewing before another may take it.</summary>
    [Id(2)] public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);
}
