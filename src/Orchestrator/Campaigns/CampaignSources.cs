using Pipeline.Sharding.Lists;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>Where a campaign's candidates come from.</summary>
[GenerateSerializer]
[Alias("pipeline.campaign-sources")]
public sealed class CampaignSources
{
    /// <summary>Live pages to crawl from, breadth-first.</summary>
    [Id(0)] public IList<string> Seeds { get; init; } = [];

    /// <summary>WARC or WAT files (paths or URLs).</summary>
    [Id(1)] public IList<string> Warc { get; init; } = [];

    /// <summary>
    /// Candidate files: URL lists with captions in any format <c>crawl fetch</c> reads (JSON lines, CSV, TSV, optionally
    /// gzipped, or Parquet, e.g. img2dataset's inputs or <c>crawl extract</c>'s output), read into the partitions.
    /// </summary>
    [Id(2)] public IList<string> Candidates { get; init; } = [];

    /// <summary>Candidate partitions the extracted pool is cut into (by key), the unit of matching work.</summary>
    [Id(3)] public int Partitions { get; init; } = 4;

    /// <summary>Distinct candidates the extract holds in memory before it spills a sorted run to disk (memory stays bounded at any pool size).</summary>
    [Id(4)] public int SpillAfter { get; init; } = 200_000;

    /// <summary>The candidate files' columns (keys of <c>Curation:Candidates</c>): img2dataset's names by default.</summary>
    [Id(5)] public UrlListColumns Columns { get; init; } = new();
}
