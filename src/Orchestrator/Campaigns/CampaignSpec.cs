using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Network;
using Pipeline.Crawler.Sources;
using Pipeline.Curation.Balancing;
using Pipeline.Curation.Filtering;
using Pipeline.Curation.Jobs;
using Pipeline.Curation.Matching;
using Pipeline.Sharding.Samples;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// A campaign: where candidates come from, how queries are built, how pairs are matched, balanced, fetched,
/// filtered and deduplicated, where shards go, and how the model is trained. Read from a JSON spec file
/// (<see cref="CampaignSpecFile"/>); every section's keys are those of the matching configuration section.
/// </summary>
[GenerateSerializer]
[Alias("pipeline.campaign-spec")]
public sealed class CampaignSpec
{
    /// <summary>The campaign's id: letters, digits, '-' and '_'.</summary>
    [Id(0)] public string Name { get; init; } = string.Empty;

    /// <summary>Seeds balancing and training, so a rerun makes the same data set and model.</summary>
    [Id(1)] public ulong Seed { get; init; }

    /// <summary>The campaign's folder, on a file system every silo sees: queries, candidates, matches, fetch logs, shards, training.</summary>
    [Id(2)] public string Output { get; init; } = string.Empty;

    /// <summary>The final shard store (a folder, <c>azure://container/prefix</c> or a container URL); <c>OUTPUT/shards</c> when not set.</summary>
    [Id(3)] public string? Store { get; init; }

    /// <summary>Where candidates come from.</summary>
    [Id(4)] public CampaignSources Sources { get; init; } = new();

    /// <summary>Live crawl limits (<c>Crawler:Live</c>).</summary>
    [Id(5)] public LiveCrawlOptions Crawl { get; init; } = new();

    /// <summary>Politeness and timeouts (<c>Crawler:Fetching</c>).</summary>
    [Id(6)] public FetcherOptions Fetcher { get; init; } = new();

    /// <summary>Which addresses may be fetched (<c>Crawler:Network</c>); loopback only for local demos and tests.</summary>
    [Id(7)] public NetworkSafetyOptions Network { get; init; } = new();

    /// <summary>Query entries.</summary>
    [Id(8)] public CampaignQueries Queries { get; init; } = new();

    /// <summary>Matching (<c>Curation:Matching</c>).</summary>
    [Id(9)] public MatcherOptions Matching { get; init; } = new();

    /// <summary>Balancing (<c>Curation:Balancing</c>); its seed is the campaign's.</summary>
    [Id(10)] public BalancerOptions Balancing { get; init; } = new();

    /// <summary>How fetching is cut into leased chunks.</summary>
    [Id(11)] public CampaignFetch Fetch { get; init; } = new();

    /// <summary>Resize and encoding (<c>Crawler:Images</c>).</summary>
    [Id(12)] public ImageOptions Images { get; init; } = new();

    /// <summary>Sample filters (<c>Curation:Filters</c>).</summary>
    [Id(13)] public SampleFilterOptions Filters { get; init; } = new();

    /// <summary>Deduplication (<c>Curation:Dedup</c>).</summary>
    [Id(14)] public DedupOptions Dedup { get; init; } = new();

    /// <summary>Training.</summary>
    [Id(15)] public CampaignTraining Training { get; init; } = new();

    /// <summary>The final store's shard file format: <c>parquet</c> (the default) or <c>webdataset</c>; the stores between stages stay Parquet.</summary>
    [Id(16)] public ShardFormat Format { get; init; } = ShardFormat.Parquet;
}
