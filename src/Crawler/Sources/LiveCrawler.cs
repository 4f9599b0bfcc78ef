using System.Runtime.CompilerServices;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Html;

namespace Pipeline.Crawler.Sources;

/// <summary>
/// Crawls live pages breadth-first from seed URLs through the polite, safe <see cref="HttpFetcher"/> (robots.txt,
/// rate limits, network safety), within <see cref="LiveCrawlOptions"/>. Each level's pages are fetched concurrently
/// but reported in link order, so the same site gives the same candidates in the same order.
/// </summary>
public sealed class LiveCrawler(HttpFetcher fetcher, HtmlImageExtractor extractor, LiveCrawlOptions options)
{
    /// <summary>The candidates of every page reached; <paramref name="visited"/> hears of each page, failed ones included.</summary>
    public async IAsyncEnumerable<ImageCandidate> CrawlAsync(IEnumerable<Uri> seeds, Action<PageVisit>? visited, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var level = seeds.Distinct().ToList();
        var hosts = level.Select(s => s.Authority).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var seen = level.Select(s => s.AbsoluteUri).ToHashSet(StringComparer.Ordinal);
        var fetched = 0;
        for (var depth = 0; level.Count > 0 && depth <= options.MaxDepth && fetched < options.MaxPages; depth++)
        {
            level = level.Take(options.MaxPages - fetched).ToList();
            fetched += level.Count;
            var results = new (PageVisit Visit, HtmlPage? Page)[level.Count];
            var currentDepth = depth;
            await Parallel.ForEachAsync(
                Enumerable.Range(0, level.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = cancellationToken },
                async (i, ct) => results[i] = await VisitAsync(level[i], currentDepth, ct));
            var next = new List<Uri>();
            foreach (var (visit, page) in results)
            {
                visited?.Invoke(visit);
                if (page is null)
                {
                    continue;
                }

                foreach (var candidate in page.Candidates)
                {
                    yield return candidate;
                }

                next.AddRange(page.Links.Where(l => (!options.SameHostOnly || hosts.Contains(l.Authority)) && seen.Add(l.AbsoluteUri)));
            }

            level = next;
        }
    }

    private async Task<(PageVisit, HtmlPage?)> VisitAsync(Uri url, int depth, CancellationToken cancellationToken)
    {
        var fetch = await fetcher.FetchAsync(url, cancellationToken);
        if (!fetch.Succeeded)
        {
            return (new PageVisit(url, depth, fetch.Error, fetch.Reason, 0, 0), null);
        }

        if (fetch.ContentType is { } type && !type.Contains("html", StringComparison.OrdinalIgnoreCase))
        {
            return (new PageVisit(url, depth, FetchErrorClass.None, $"not HTML ({type})", 0, 0), null);
        }

        using var body = new MemoryStream(fetch.Body!, writable: false);
        var page = await extractor.ExtractAsync(body, fetch.FinalUrl, fetch.ContentType, cancellationToken);
        return (new PageVisit(url, depth, FetchErrorClass.None, page.OptOut is { } o ? $"page opts out ({o})" : null, page.Candidates.Count, page.Links.Count), page);
    }
}
