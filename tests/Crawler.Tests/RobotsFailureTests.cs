using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Crawler.Fetching;
using Pipeline.TestServices;

namespace Pipeline.Crawler.Tests;

/// <summary>A URL refused because of robots.txt says why: the rule that disallows it, or what kept robots.txt from being read.</summary>
public sealed class RobotsFailureTests
{
    private static readonly byte[] Jpeg = TestImages.Jpeg(64, 48);

    [Fact]
    public async Task A_refused_connection_to_robots_txt_is_named_as_the_cause()
    {
        // Nothing listens on a port that was free a moment ago: every connection to it is refused.
        var port = FreePort.Next();
        using var fetcher = FetcherFixture.Create(o => o.Retries = 0);

        var result = await fetcher.FetchAsync(new Uri($"http://127.0.0.1:{port}/cat.jpg"), CancellationToken.None);

        Assert.Equal(FetchErrorClass.Robots, result.Error);
        Assert.StartsWith("robots.txt unreachable: Connection refused", result.Reason, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{port}/robots.txt", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_robots_txt_that_answers_503_is_named_with_its_status()
    {
        await using var server = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.StatusCode(503));
            app.MapGet("/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
        });
        using var fetcher = FetcherFixture.Create(o => o.Retries = 0);

        var result = await fetcher.FetchAsync(server.Url("/cat.jpg"), CancellationToken.None);

        Assert.Equal(FetchErrorClass.Robots, result.Error);
        Assert.StartsWith($"robots.txt unreachable: HTTP 503 from {server.Url("/robots.txt")}", result.Reason, StringComparison.Ordinal);
        Assert.Empty(server.TimesOf("/cat.jpg"));
    }

    [Fact]
    public async Task A_robots_txt_that_never_answers_is_named_as_timed_out()
    {
        await using var server = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", async (HttpContext context) => await Task.Delay(Timeout.Infinite, context.RequestAborted));
            app.MapGet("/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
        });
        using var fetcher = FetcherFixture.Create(o => (o.Retries, o.AttemptTimeout) = (0, TimeSpan.FromMilliseconds(300)));

        var result = await fetcher.FetchAsync(server.Url("/cat.jpg"), CancellationToken.None);

        Assert.Equal(FetchErrorClass.Robots, result.Error);
        Assert.StartsWith("robots.txt unreachable: ", result.Reason, StringComparison.Ordinal);
        Assert.Contains("timeout", result.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"fetching {server.Url("/robots.txt")}", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disallowed_url_names_the_rule_that_disallows_it()
    {
        await using var server = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nDisallow: /private/\nAllow: /private/open/\n"));
            app.MapGet("/private/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
        });
        using var fetcher = FetcherFixture.Create();

        var result = await fetcher.FetchAsync(server.Url("/private/cat.jpg"), CancellationToken.None);

        Assert.Equal(FetchErrorClass.Robots, result.Error);
        Assert.Equal($"robots.txt of {server.Url("/").GetLeftPart(UriPartial.Authority)} disallows /private/cat.jpg for PipelineBot (rule 'Disallow: /private/')", result.Reason);
    }
}
