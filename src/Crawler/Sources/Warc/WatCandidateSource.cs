using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Html;
using Pipeline.Crawler.Robots;

namespace Pipeline.Crawler.Sources.Warc;

/// <summary>
/// Image-text candidates from a WAT file: the JSON metadata records Common Crawl derives from each page, whose
/// <c>Envelope.Payload-Metadata.HTTP-Response-Metadata.HTML-Metadata.Links</c> list images as <c>IMG@/src</c> links
/// with their <c>alt</c> and <c>title</c>. Relative URLs resolve against the page's <c>Head.Base</c> or its URL; a
/// page whose meta robots opt out of AI use gives nothing.
/// </summary>
public sealed class WatCandidateSource(HtmlExtractionOptions options)
{
    /// <summary>Pages read so far.</summary>
    public long Pages { get; private set; }

    /// <summary>The candidates of every metadata record, in file order.</summary>
    public async IAsyncEnumerable<ImageCandidate> ReadAsync(Stream wat, string name, Action<SourceProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var record in WarcReader.ReadAsync(wat, name, problem, cancellationToken))
        {
            if (record.Type != "metadata" || record.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
            {
                continue;
            }

            List<ImageCandidate> candidates;
            try
            {
                candidates = Parse(record);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or UriFormatException)
            {
                problem(new SourceProblem(name, record.Offset, $"metadata for {record.TargetUri}: {ex.Message}"));
                continue;
            }

            foreach (var candidate in candidates)
            {
                yield return candidate;
            }
        }
    }

    private List<ImageCandidate> Parse(WarcRecord record)
    {
        using var document = JsonDocument.Parse(record.Block);
        var envelope = document.RootElement.GetProperty("Envelope");
        var target = Path(envelope, "WARC-Header-Metadata", "WARC-Target-URI")?.GetString() ?? record.TargetUri;
        var html = Path(envelope, "Payload-Metadata", "HTTP-Response-Metadata", "HTML-Metadata");
        var result = new List<ImageCandidate>();
        if (target is null || !Uri.TryCreate(target, UriKind.Absolute, out var page) || html is not { } metadata)
        {
            return result;
        }

        Pages++;
        var head = Path(metadata, "Head");
        if (head is { } h && h.TryGetProperty("Metas", out var metas) && metas.ValueKind == JsonValueKind.Array)
        {
            var robots = metas.EnumerateArray()
                .Where(m => Text(m, "name") is { } n && (n.Equals("robots", StringComparison.OrdinalIgnoreCase) || n.Equals(options.ProductToken, StringComparison.OrdinalIgnoreCase)))
                .Select(m => Text(m, "content") ?? string.Empty);
            if (RobotsTag.FindOptOut(robots, options.ProductToken, options.NoIndexIsOptOut) is not null)
            {
                return result;
            }
        }

        var baseUri = head is { } hb && Text(hb, "Base") is { } b && Uri.TryCreate(page, b, out var based) ? based : page;
        if (!metadata.TryGetProperty("Links", out var links) || links.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        var seen = new HashSet<(string, string)>();
        foreach (var link in links.EnumerateArray())
        {
            if (!string.Equals(Text(link, "path"), "IMG@/src", StringComparison.OrdinalIgnoreCase) || Text(link, "url") is not { } raw
                || raw.StartsWith("data:", StringComparison.OrdinalIgnoreCase)
                || !Uri.TryCreate(baseUri, raw, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                continue;
            }

            void Add(string? text, TextSource source)
            {
                var clean = CaptionText.Clean(text, options.MaxTextLength);
                if (clean.Length > 0 && seen.Add((url.AbsoluteUri, clean)))
                {
                    result.Add(new ImageCandidate(url.AbsoluteUri, clean, page.AbsoluteUri, source));
                }
            }

            Add(Text(link, "alt"), TextSource.Alt);
            if (options.UseTitle)
            {
                Add(Text(link, "title"), TextSource.Title);
            }
        }

        return result;
    }

    private static JsonElement? Path(JsonElement element, params string[] names)
    {
        foreach (var name in names)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
