using System.Globalization;
using System.Text;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Io;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Robots;

namespace Pipeline.Crawler.Html;

/// <summary>
/// Finds image-text pairs in HTML with AngleSharp (an HTML5 parser, so malformed markup parses as browsers parse it).
/// The charset comes from the Content-Type, else a BOM or <c>&lt;meta charset&gt;</c>. URLs resolve against
/// <c>&lt;base href&gt;</c> or the page. Per <c>img</c>: a lazy-loading attribute (<c>data-src</c> and kin), else
/// <c>src</c>, else the widest <c>srcset</c> candidate (its own or its <c>picture</c>'s <c>source</c>); texts are
/// <c>alt</c>, <c>title</c> and the figure's <c>figcaption</c>, cleaned by <see cref="Pipeline.Sharding.Samples.CaptionText"/>.
/// </summary>
public sealed class HtmlImageExtractor
{
    private static readonly string[] LazyAttributes = ["data-src", "data-lazy-src", "data-original", "data-lazy", "data-url"];
    private readonly HtmlExtractionOptions _options;
    private readonly IConfiguration _configuration = Configuration.Default;

    static HtmlImageExtractor()
    {
        // windows-1252, Shift_JIS, GBK and the other legacy charsets pages still declare.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>An extractor with <paramref name="options"/>.</summary>
    public HtmlImageExtractor(HtmlExtractionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Parses <paramref name="html"/> served from <paramref name="pageUrl"/> with the declared <paramref name="contentType"/>.</summary>
    public async Task<HtmlPage> ExtractAsync(Stream html, Uri pageUrl, string? contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(pageUrl);
        using var context = BrowsingContext.New(_configuration);
        using var document = await context.OpenAsync(
            response =>
            {
                response.Content(html, shouldDispose: false).Address(pageUrl);
                if (!string.IsNullOrEmpty(contentType))
                {
                    response.Header(HeaderNames.ContentType, contentType);
                }
            },
            cancellationToken);
        var baseUri = Uri.TryCreate(document.BaseUri, UriKind.Absolute, out var b) ? b : pageUrl;
        var page = pageUrl.AbsoluteUri;
        var optOut = MetaOptOut(document);
        var candidates = new PageCandidates(page, _options.MaxTextLength);
        if (optOut is null)
        {
            foreach (var image in document.QuerySelectorAll("img"))
            {
                if (ImageUrl(image, baseUri) is not { } url)
                {
                    continue;
                }

                candidates.Add(url, image.GetAttribute("alt"), TextSource.Alt);
                if (_options.UseTitle)
                {
                    candidates.Add(url, image.GetAttribute("title"), TextSource.Title);
                }

                if (_options.UseFigcaption && image.Closest("figure")?.QuerySelector("figcaption") is { } caption)
                {
                    candidates.Add(url, caption.TextContent, TextSource.Figcaption);
                }
            }
        }

        var links = new List<Uri>();
        var linkSet = new HashSet<string>(StringComparer.Ordinal);
        foreach (var anchor in document.QuerySelectorAll("a[href]"))
        {
            if (PageCandidates.Resolve(baseUri, anchor.GetAttribute("href")) is { } link)
            {
                var withoutFragment = new UriBuilder(link) { Fragment = string.Empty }.Uri;
                if (linkSet.Add(withoutFragment.AbsoluteUri))
                {
                    links.Add(withoutFragment);
                }
            }
        }

        return new HtmlPage(candidates.Items, links, optOut);
    }

    private string? MetaOptOut(IDocument document)
    {
        var metas = document.QuerySelectorAll("meta[name][content]").Select(m => (m.GetAttribute("name"), m.GetAttribute("content")));
        return RobotsTag.FindMetaOptOut(metas, _options.ProductToken, _options.Consent);
    }

    private static string? ImageUrl(IElement image, Uri baseUri)
    {
        foreach (var attribute in LazyAttributes)
        {
            if (PageCandidates.Resolve(baseUri, image.GetAttribute(attribute)) is { } lazy)
            {
                return lazy.AbsoluteUri;
            }
        }

        if (PageCandidates.Resolve(baseUri, image.GetAttribute("src")) is { } src)
        {
            return src.AbsoluteUri;
        }

        var srcsets = new List<string?> { image.GetAttribute("data-srcset"), image.GetAttribute("srcset") };
        if (image.ParentElement is { LocalName: "picture" } picture)
        {
            srcsets.AddRange(picture.Children.Where(c => c.LocalName == "source").Select(s => s.GetAttribute("srcset") ?? s.GetAttribute("data-srcset")));
        }

        return srcsets.Select(s => Widest(s, baseUri)).FirstOrDefault(u => u is not null)?.AbsoluteUri;
    }

    /// <summary>The candidate of a <c>srcset</c> with the largest width (<c>800w</c>) or density (<c>2x</c>) descriptor.</summary>
    internal static Uri? Widest(string? srcset, Uri baseUri)
    {
        if (string.IsNullOrWhiteSpace(srcset))
        {
            return null;
        }

        Uri? best = null;
        var bestScore = double.MinValue;
        foreach (var part in srcset.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (pieces.Length == 0 || PageCandidates.Resolve(baseUri, pieces[0]) is not { } url)
            {
                continue;
            }

            var score = 1.0;
            if (pieces.Length > 1 && pieces[1].Length > 1 && double.TryParse(pieces[1][..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                // Widths and densities are not comparable; widths (hundreds) dominate densities (1 to 4), which is what a page that mixes them means.
                score = pieces[1][^1] is 'w' or 'x' ? value : 1.0;
            }

            if (score > bestScore)
            {
                (best, bestScore) = (url, score);
            }
        }

        return best;
    }
}
