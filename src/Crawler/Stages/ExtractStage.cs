using System.Diagnostics;
using System.Runtime.CompilerServices;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Html;
using Pipeline.Crawler.Sources;
using Pipeline.Crawler.Sources.Warc;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Settings;

namespace Pipeline.Crawler.Stages;

/// <summary>
/// The extract stage shared by <c>crawl extract</c> and campaigns: image-text candidates from WARC and WAT files
/// (paths or URLs), then from a live crawl of the seeds.
/// </summary>
public sealed class ExtractStage(HttpFetcher fetcher, HtmlExtractionOptions html, LiveCrawlOptions crawl)
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMilliseconds(250);
    private readonly HtmlImageExtractor _extractor = new(html);
    private readonly Stopwatch _sinceReport = Stopwatch.StartNew();

    /// <summary>Pages (WARC records with HTML, and crawled pages) read so far.</summary>
    public long Pages { get; private set; }

    /// <summary>Candidates yielded so far.</summary>
    public long Candidates { get; private set; }

    /// <summary>
    /// Every candidate of <paramref name="sources"/> and then of the crawl from <paramref name="seeds"/>. A record or
    /// page that fails is reported to <paramref name="problem"/> and skipped; <paramref name="progress"/> hears after
    /// candidates and pages, at most four times a second, which source is being read and the pages and candidates so far.
    /// </summary>
    public async IAsyncEnumerable<ImageCandidate> ReadAsync(
        IReadOnlyList<string> sources,
        IReadOnlyList<Uri> seeds,
        Action<SourceProblem> problem,
        IProgress<StageProgress> progress,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(progress);
        foreach (var source in sources)
        {
            await using var stream = await OpenSourceAsync(source, cancellationToken);
            var isWat = Path.GetFileName(source).Contains(".wat", StringComparison.OrdinalIgnoreCase);
            var warc = new WarcCandidateSource(_extractor);
            var wat = new WatCandidateSource(html);
            var before = Pages;
            var items = isWat ? wat.ReadAsync(stream, source, problem, cancellationToken) : warc.ReadAsync(stream, source, problem, cancellationToken);
            await foreach (var candidate in items)
            {
                Pages = before + (isWat ? wat.Pages : warc.Pages);
                Candidates++;
                Report(progress, source);
                yield return candidate;
            }

            Pages = before + (isWat ? wat.Pages : warc.Pages);
        }

        if (seeds.Count > 0)
        {
            var crawler = new LiveCrawler(fetcher, _extractor, crawl);
            await foreach (var candidate in crawler.CrawlAsync(seeds, visit =>
            {
                Pages++;
                if (visit.Error != FetchErrorClass.None)
                {
                    problem(new SourceProblem(visit.Url.AbsoluteUri, -1, $"{visit.Error}: {visit.Reason}"));
                }

                Report(progress, "live crawl");
            }, cancellationToken))
            {
                Candidates++;
                yield return candidate;
            }
        }
    }

    // A report's line is formatted at most four times a second, not once per candidate.
    private void Report(IProgress<StageProgress> progress, string source)
    {
        if (_sinceReport.Elapsed >= ReportEvery)
        {
            _sinceReport.Restart();
            progress.Report(new StageProgress("extract", $"{source}: {Pages:N0} pages, {Candidates:N0} candidates", Pages));
        }
    }

    /// <summary>Opens a WARC/WAT file or an http(s) URL of one.</summary>
    /// <exception cref="PipelineConfigurationException">A local source does not exist.</exception>
    private async Task<Stream> OpenSourceAsync(string source, CancellationToken cancellationToken)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return await fetcher.OpenStreamAsync(url, cancellationToken);
        }

        return File.Exists(source)
            ? new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : throw new PipelineConfigurationException($"source {source} does not exist");
    }
}
