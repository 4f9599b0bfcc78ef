using Pipeline.Crawler.Fetching;

namespace Pipeline.Crawler.Sources;

/// <summary>One page of a live crawl and what it gave.</summary>
/// <param name="Url">The page.</param>
/// <param name="Depth">Links followed from its seed.</param>
/// <param name="Error">Why it gave nothing, or <see cref="FetchErrorClass.None"/>.</param>
/// <param name="Reason">What went wrong, for people.</param>
/// <param name="Candidates">Image-text candidates found.</param>
/// <param name="Links">Links found.</param>
public sealed record PageVisit(Uri Url, int Depth, FetchErrorClass Error, string? Reason, int Candidates, int Links);
