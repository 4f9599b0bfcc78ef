using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Crawler.Candidates;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Html;
using Pipeline.Crawler.Sources;
using Pipeline.TestServices;

namespace Pipeline.Crawler.Tests;

public class LiveCrawlerTests
{
    [Fact]
    public async Task Crawls_breadth_first_within_limits_and_obeys_robots()
    {
        static IResult Html(string body) => Results.Content($"<html><body>{body}</body></html>", "text/html; charset=utf-8");
        await using var server = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nDisallow: /secret\n"));
            app.MapGet("/", () => Html("<img src=/i/home.jpg alt='Home picture'><a href=/a>a</a><a href=/b>b</a><a href=/secret>s</a><a href='http://other.invalid/'>x</a>"));
            app.MapGet("/a", () => Html("<figure><img src=/i/a.jpg><figcaption>A caption</figcaption></figure><a href=/deep>deep</a>"));
            app.MapGet("/b", () => Html("<head><meta name=robots content=noimageai></head><img src=/i/b.jpg alt='opted out'>"));
            app.MapGet("/secret", () => Html("<img src=/i/s.jpg alt='secret'>"));
            app.MapGet("/deep", () => Html("<img src=/i/deep.jpg alt='too deep'>"));
        });
        using var fetcher = FetcherFixture.Create();
        var crawler = new LiveCrawler(fetcher, new HtmlImageExtractor(new HtmlExtractionOptions()), new LiveCrawlOptions { MaxDepth = 1, MaxPages = 10 });
        var visits = new List<PageVisit>();
        var candidates = new List<ImageCandidate>();

        await foreach (var candidate in crawler.CrawlAsync([server.BaseUri], visits.Add, CancellationToken.None))
        {
            candidates.Add(candidate);
        }

        Assert.Equal([("Home picture", TextSource.Alt), ("A caption", TextSource.Figcaption)], candidates.Select(c => (c.Caption, c.Source)));
        Assert.Equal(server.Url("/i/home.jpg").AbsoluteUri, candidates[0].Url);
        Assert.Equal(FetchErrorClass.Robots, visits.Single(v => v.Url.AbsolutePath == "/secret").Error);
        Assert.Contains("opts out", visits.Single(v => v.Url.AbsolutePath == "/b").Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(visits, v => v.Url.AbsolutePath == "/deep" || v.Url.Host == "other.invalid");
        Assert.Empty(server.TimesOf("/secret"));
    }
}
