using System.Runtime.CompilerServices;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Html;

namespace Pipeline.Crawler.Sources.Warc;

/// <summary>Image-text candidates from the HTML responses of a WARC file (Common Crawl's <c>.warc.gz</c>).</summary>
public sealed class WarcCandidateSource(HtmlImageExtractor extractor, long maxPageBytes = 8L << 20)
{
    /// <summary>Pages parsed so far.</summary>
    public long Pages { get; private set; }

    /// <summary>The candidates of every HTML response record, in file order; unreadable records and pages go to <paramref name="problem"/>.</summary>
    public async IAsyncEnumerable<ImageCandidate> ReadAsync(Stream warc, string name, Action<SourceProblem> problem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var record in WarcReader.ReadAsync(warc, name, problem, cancellationToken))
        {
            if (record.Type != "response" || record.TargetUri is not { } target || !Uri.TryCreate(target, UriKind.Absolute, out var page)
                || record.ContentType?.StartsWith("application/http", StringComparison.OrdinalIgnoreCase) != true)
            {
                continue;
            }

            HttpResponseBlock response;
            try
            {
                response = HttpResponseBlock.Parse(record.Block, maxPageBytes);
            }
            catch (InvalidDataException ex)
            {
                problem(new SourceProblem(name, record.Offset, $"response for {target}: {ex.Message}"));
                continue;
            }

            if (response.Status is < 200 or >= 300 || !IsHtml(response.ContentType))
            {
                continue;
            }

            Pages++;
            using var body = new MemoryStream(response.Body, writable: false);
            var html = await extractor.ExtractAsync(body, page, response.ContentType, cancellationToken);
            foreach (var candidate in html.Candidates)
            {
                yield return candidate;
            }
        }
    }

    private static bool IsHtml(string? contentType) =>
        contentType is null
        || contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("application/xhtml+xml", StringComparison.OrdinalIgnoreCase);
}
