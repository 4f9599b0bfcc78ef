using System.Text;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Html;
using Pipeline.Crawler.Robots;

namespace Pipeline.Crawler.Tests;

public class HtmlImageExtractorTests
{
    private static readonly Uri Page = new("https://example.com/articles/page.html");

    private static Task<HtmlPage> ExtractAsync(string html, string? contentType = "text/html; charset=utf-8", Encoding? encoding = null, HtmlExtractionOptions? options = null)
    {
        var stream = new MemoryStream((encoding ?? Encoding.UTF8).GetBytes(html));
        return new HtmlImageExtractor(options ?? new HtmlExtractionOptions()).ExtractAsync(stream, Page, contentType, CancellationToken.None);
    }

    [Fact]
    public async Task Finds_alt_title_and_figcaption_with_urls_resolved()
    {
        var page = await ExtractAsync("""
            <html><body>
            <img src="/img/a.jpg" alt="A red   fox&nbsp;in snow" title="Fox">
            <figure><img src="b.png" alt=""><figcaption>  A <b>blue</b>
              heron </figcaption></figure>
            <img src="data:image/gif;base64,R0lGOD" alt="placeholder">
            <img alt="no source">
            <a href="/other.html#top">next</a><a href="mailto:x@example.com">mail</a><a href="other.html">same</a>
            """);

        Assert.Equal(
            [
                new ImageCandidate("https://example.com/img/a.jpg", "A red fox in snow", Page.AbsoluteUri, TextSource.Alt),
                new ImageCandidate("https://example.com/img/a.jpg", "Fox", Page.AbsoluteUri, TextSource.Title),
                new ImageCandidate("https://example.com/articles/b.png", "A blue heron", Page.AbsoluteUri, TextSource.Figcaption),
            ],
            page.Candidates);
        Assert.Equal([new Uri("https://example.com/other.html"), new Uri("https://example.com/articles/other.html")], page.Links);
    }

    [Fact]
    public async Task Prefers_lazy_sources_then_src_then_the_widest_srcset_and_honours_base_href()
    {
        var page = await ExtractAsync("""
            <head><base href="https://cdn.example.net/media/"></head>
            <img src="spacer.gif" data-src="real/1.jpg" alt="lazy">
            <img srcset="s.jpg 320w, l.jpg 1280w, m.jpg 640w" alt="srcset">
            <picture><source srcset="p.webp 1x, p2.webp 2x" type="image/webp"><img alt="picture"></picture>
            <img src="//other.example.org/x.jpg" alt="scheme relative">
            """);

        Assert.Equal(
            ["https://cdn.example.net/media/real/1.jpg", "https://cdn.example.net/media/l.jpg", "https://cdn.example.net/media/p2.webp", "https://other.example.org/x.jpg"],
            page.Candidates.Select(c => c.Url));
    }

    [Fact]
    public async Task Decodes_the_declared_charset_from_the_header_or_meta()
    {
        var html = "<html><head><meta charset=\"windows-1252\"></head><body><img src=a.jpg alt=\"Café – crème brûlée\"></body></html>";

        var fromMeta = await ExtractAsync(html, "text/html", CodePagesEncodingProvider.Instance.GetEncoding(1252));
        var fromHeader = await ExtractAsync(html.Replace("windows-1252", "utf-8", StringComparison.Ordinal).Replace(" –", string.Empty, StringComparison.Ordinal), "text/html; charset=iso-8859-1", Encoding.Latin1);

        Assert.Equal("Café – crème brûlée", fromMeta.Candidates.Single().Caption);
        Assert.Equal("Café crème brûlée", fromHeader.Candidates.Single().Caption);
    }

    [Fact]
    public async Task Cleans_entities_controls_and_length()
    {
        var longText = string.Join(' ', Enumerable.Repeat("word", 400));
        var page = await ExtractAsync($"<img src=a.jpg alt=\"Tom &amp;amp; Jerry&#x0007; \u200b say &quot;hi&quot;\"><img src=b.jpg alt=\"{longText}\">", options: new HtmlExtractionOptions { MaxTextLength = 100 });

        Assert.Equal("Tom & Jerry say \"hi\"", page.Candidates[0].Caption);
        Assert.True(page.Candidates[1].Caption.Length <= 100);
        Assert.EndsWith("word", page.Candidates[1].Caption, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_that_opts_out_with_meta_robots_gives_no_candidates()
    {
        var page = await ExtractAsync("<head><meta name=\"robots\" content=\"noai, noimageai\"></head><img src=a.jpg alt=cat><a href=b.html>b</a>");

        Assert.Empty(page.Candidates);
        Assert.Equal("noai", page.OptOut);
        Assert.Single(page.Links);
    }

    [Theory]
    [InlineData("<meta name=\"robots\" content=\"noml\">", "noml")]
    [InlineData("<meta name=\"PipelineBot\" content=\"noimageindex\">", "noimageindex")]
    [InlineData("<meta name=\"tdm-reservation\" content=\"1\">", "tdm-reservation: 1")]
    [InlineData("<meta name=\"tdm-reservation\" content=\"0\">", null)]
    [InlineData("<meta name=\"otherbot\" content=\"noml\">", null)]
    public async Task Every_consent_signal_of_a_page_is_honoured(string meta, string? optOut)
    {
        var page = await ExtractAsync($"<head>{meta}</head><img src=a.jpg alt=cat>");
        var ignoring = await ExtractAsync($"<head>{meta}</head><img src=a.jpg alt=cat>", options: new HtmlExtractionOptions
        {
            Consent = new ConsentSignals { NoMl = false, NoImageIndex = false, TdmReservation = false },
        });

        Assert.Equal(optOut, page.OptOut);
        Assert.Equal(optOut is null ? 1 : 0, page.Candidates.Count);
        Assert.Null(ignoring.OptOut);
        Assert.Single(ignoring.Candidates);
    }

    [Fact]
    public async Task Parses_malformed_markup_as_a_browser_does()
    {
        var page = await ExtractAsync("<div><p><img src=a.jpg alt='unclosed <b>bold' <table><tr><td><img src=\"b.jpg\" alt=\"in table\"></div></p>\u0000<img src=c.jpg alt=\"\uFFFD bad byte\"");

        Assert.Equal(["https://example.com/articles/a.jpg", "https://example.com/articles/b.jpg"], page.Candidates.Select(c => c.Url).Take(2));
    }
}
