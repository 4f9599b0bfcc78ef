namespace Pipeline.Orchestrator.Campaigns;

/// <summary>Where a campaign's candidates come from.</summary>
public sealed class CampaignSources
{
    /// <summary>Live pages to crawl from, breadth-first.</summary>
    public IList<string> Seeds { get; init; } = [];

    /// <summary>WARC or WAT files (paths or URLs).</summary>
    public IList<string> Warc { get; init; } = [];

    /// <summary>Candidate files written elsewhere (JSON lines or Parquet with url and caption).</summary>
    public IList<string> Candidates { get; init; } = [];

    /// <summary>Candidate partitions the extracted pool is cut into (by key), the unit of matching work.</summary>
    public int Partitions { get; init; } = 4;
}
