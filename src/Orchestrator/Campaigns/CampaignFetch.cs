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

    /// <summary>
    /// Rounds that fetch again, once every chunk is done, the entries whose last status is a retryable failure
    /// (DNS, connection, timeout, open circuit, HTTP 429/5xx), as <c>crawl fetch --retry-failed</c> does; 0 for none.
    /// </summary>
    [Id(3)] public int RetryRounds { get; init; } = 1;

    /// <summary>How long to wait before each retry round, so hosts that failed have time to recover.</summary>
    [Id(4)] public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}
