using Pipeline.Crawler.Candidates;

namespace Pipeline.Crawler.Html;

/// <summary>What one HTML page yields.</summary>
/// <param name="Candidates">Image URLs with their texts, in document order.</param>
/// <param name="Links">Absolute http(s) links of the page, without fragments, for a live crawl.</param>
/// <param name="OptOut">The meta robots directive by which the page opts out of AI use (its images are then dropped), or null.</param>
public sealed record HtmlPage(IReadOnlyList<ImageCandidate> Candidates, IReadOnlyList<Uri> Links, string? OptOut);
