using Pipeline.Sharding.Samples;

namespace Pipeline.Crawler.Candidates;

/// <summary>An image URL with a text a page gives it: what the matcher reads.</summary>
/// <param name="Url">Absolute http(s) URL of the image.</param>
/// <param name="Caption">The cleaned text.</param>
/// <param name="PageUrl">The page it was found on.</param>
/// <param name="Source">Where the text came from.</param>
public sealed record ImageCandidate(string Url, string Caption, string? PageUrl, TextSource Source)
{
    /// <summary>The pair's content-derived key (<see cref="SampleKey.Derive"/>).</summary>
    public string Key => SampleKey.Derive(Url, Caption);
}
