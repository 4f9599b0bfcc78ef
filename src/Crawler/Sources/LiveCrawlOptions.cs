namespace Pipeline.Crawler.Sources;

/// <summary>Bounds of a live crawl from seed pages (section <c>Crawler:Live</c>).</summary>
public sealed class LiveCrawlOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Crawler:Live";

    /// <summary>Most pages fetched in all.</summary>
    public int MaxPages { get; set; } = 1000;

    /// <summary>Most links followed from a seed (0 = the seeds only).</summary>
    public int MaxDepth { get; set; } = 2;

    /// <summary>Follow links only to the hosts of the seeds.</summary>
    public bool SameHostOnly { get; set; } = true;

    /// <summary>Pages fetched at once.</summary>
    public int Concurrency { get; set; } = 8;
}
