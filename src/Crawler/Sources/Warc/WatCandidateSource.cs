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
        if (target is null || !Uri.TryCreate(target, UriKind.Absolute, out var page) || html is not { } metadata)
        {
            return [];
        }

        Pages++;
        var head = Path(metadata, "Head");
        if (head is { } h && h.TryGetProperty("Metas", out var metas) && metas.ValueKind == JsonValueKind.Array)
        {
            var tags = metas.EnumerateArray().Select(m => (Text(m, "name"), Text(m, "content")));
            if (RobotsTag.FindMetaOptOut(tags, options.ProductToken, options.Consent) is not null)
            {
                return [];
            }
        }

        var baseUri = head is { } hb && Text(hb, "Base") is { } b && Uri.TryCreate(page, b, out var based) ? based : page;
        if (!metadata.TryGetProperty("Links", out var links) || links.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var candidates = new PageCandidates(page.AbsoluteUri, options.MaxTextLength);
        foreach (var link in links.EnumerateArray())
        {
            if (!string.Equals(Text(link, "path"), "IMG@/src", StringComparison.OrdinalIgnoreCase) || PageCandidates.Resolve(baseUri, Text(link, "url")) is not { } url)
            {
                continue;
            }

            candidates.Add(url.AbsoluteUri, Text(link, "alt"), TextSource.Alt);
            if (options.UseTitle)
            {
                candidates.Add(url.AbsoluteUri, Text(link, "title"), TextSource.Title);
            }
        }

        return candidates.Items;
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
