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

    /// <summary>Candidate files written elsewhere (JSON lines or Parquet with url and caption).</summary>
    [Id(2)] public IList<string> Candidates { get; init; } = [];

    /// <summary>Candidate partitions the extracted pool is cut into (by key), the unit of matching work.</summary>
    [Id(3)] public int Partitions { get; init; } = 4;
}
