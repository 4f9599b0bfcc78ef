using Pipeline.Crawler.Candidates;
using Pipeline.Sharding.Samples;

namespace Pipeline.Crawler.Html;

/// <summary>
/// Collects one page's candidates, whatever markup or metadata they come from: texts cleaned by
/// <see cref="CaptionText"/>, empty ones dropped, each (image, text) pair kept once, in the order found.
/// </summary>
internal sealed class PageCandidates(string pageUrl, int maxTextLength)
{
    private readonly HashSet<(string, string)> _seen = [];

    /// <summary>The candidates so far.</summary>
    public List<ImageCandidate> Items { get; } = [];

    /// <summary>Adds <paramref name="imageUrl"/> with <paramref name="rawText"/> unless the cleaned text is empty or the pair was seen.</summary>
    public void Add(string imageUrl, string? rawText, TextSource source)
    {
        var text = CaptionText.Clean(rawText, maxTextLength);
        if (text.Length > 0 && _seen.Add((imageUrl, text)))
        {
            Items.Add(new ImageCandidate(imageUrl, text, pageUrl, source));
        }
    }

    /// <summary>An absolute http(s) URL for <paramref name="value"/> against <paramref name="baseUri"/>, or null (empty, <c>data:</c>, a fragment, another scheme, malformed).</summary>
    public static Uri? Resolve(Uri baseUri, string? value)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value) || value.StartsWith("data:", StringComparison.OrdinalIgnoreCase) || value.StartsWith('#'))
        {
            return null;
        }

        return Uri.TryCreate(baseUri, value, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
    }
}
