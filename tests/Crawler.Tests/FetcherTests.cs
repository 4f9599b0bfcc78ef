using System.Diagnostics;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Network;
using Pipeline.Crawler.Politeness;
using Pipeline.Crawler.Robots;
using Pipeline.TestServices;

namespace Pipeline.Crawler.Tests;

/// <summary>The fetcher against real HTTP servers on 127.0.0.1: politeness, redirects and hostile servers.</summary>
public class FetcherTests
{
    private static readonly byte[] Jpeg = TestImages.Jpeg(320, 240);

    private static Task<LoopbackWebServer> StartAsync(Action<WebApplication> map, string robots = "User-agent: *\nDisallow: /private/\n") =>
        LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text(robots));
            app.MapGet("/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
            map(app);
        });

    [Fact]
    public async Task Obeys_robots_txt_and_fetches_it_once_per_host()
    {
        await using var server = await StartAsync(app => app.MapGet("/private/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg")));
        using var fetcher = FetcherFixture.Create();

        var allowed = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => fetcher.FetchAsync(server.Url("/cat.jpg"), CancellationToken.None)));
        var refused = await fetcher.FetchAsync(server.Url("/private/cat.jpg"), CancellationToken.None);

        Assert.All(allowed, r => Assert.True(r.Succeeded, r.Reason));
        Assert.Equal(Jpeg, allowed[0].Body);
        Assert.Equal(FetchErrorClass.Robots, refused.Error);
        Assert.Single(server.TimesOf("/robots.txt"));
        Assert.Empty(server.TimesOf("/private/cat.jpg"));
    }

    [Fact]
    public async Task A_missing_robots_txt_allows_and_an_erroring_one_disallows()
    {
        await using var missing = await LoopbackWebServer.StartAsync(app => app.MapGet("/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg")));
        await using var failing = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.StatusCode(500));
            app.MapGet("/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
        });
        using var fetcher = FetcherFixture.Create(o => o.Retries = 0);

        Assert.True((await fetcher.FetchAsync(missing.Url("/cat.jpg"), CancellationToken.None)).Succeeded);
        var refused = await fetcher.FetchAsync(failing.Url("/cat.jpg"), CancellationToken.None);

        Assert.Equal(FetchErrorClass.Robots, refused.Error);
        Assert.Empty(failing.TimesOf("/cat.jpg"));
    }

    [Fact]
    public async Task Holds_the_per_host_rate_limit()
    {
        await using var server = await StartAsync(app => app.MapGet("/warm.jpg", () => Results.Bytes(Jpeg, "image/jpeg")));
        using var fetcher = FetcherFixture.Create(o => (o.RequestsPerSecondPerHost, o.ObeyRobots) = (5, false));

        // The server stamps arrivals, not sends: a first request that opens the connection and warms the server up can
        // arrive hundreds of milliseconds late on a busy machine and make the next gaps look short. Warm up outside the window.
        Assert.True((await fetcher.FetchAsync(server.Url("/warm.jpg"), CancellationToken.None)).Succeeded);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => fetcher.FetchAsync(server.Url("/cat.jpg"), CancellationToken.None)));

        Assert.All(results, r => Assert.True(r.Succeeded, r.Reason));
        var times = server.TimesOf("/cat.jpg").Order().ToList();
        Assert.Equal(10, times.Count);
        for (var i = 0; i < times.Count; i++)
        {
            for (var j = i + 1; j < times.Count; j++)
            {
                // A token bucket of one token per 200 ms: any window holds at most one request more than its length allows.
                var gap = times[j] - times[i];
                Assert.True(gap >= TimeSpan.FromMilliseconds(((j - i - 1) * 200) - 100), $"requests {i} and {j} came {gap.TotalMilliseconds} ms apart: {string.Join(", ", server.Requests.Select(r => $"{r.PathAndQuery}@{r.At.TotalMilliseconds:0}"))}");
            }
        }

        Assert.True(times[^1] - times[0] >= TimeSpan.FromSeconds(1.6));
    }

    [Fact]
    public async Task Honours_retry_after_on_503_and_429()
    {
        var calls = 0;
        await using var server = await StartAsync(app => app.MapGet("/busy.jpg", (HttpContext context) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers.RetryAfter = "2";
                return Results.StatusCode(503);
            }

            return Results.Bytes(Jpeg, "image/jpeg");
        }));
        using var fetcher = FetcherFixture.Create(o => o.ObeyRobots = false);

        var result = await fetcher.FetchAsync(server.Url("/busy.jpg"), CancellationToken.None);

        Assert.True(result.Succeeded, result.Reason);
        var times = server.TimesOf("/busy.jpg");
        Assert.Equal(2, times.Count);
        Assert.InRange((times[1] - times[0]).TotalSeconds, 1.9, 6);
    }

    [Fact]
    public async Task A_429_with_retry_after_pauses_the_host_for_every_fetcher_sharing_the_budget()
    {
        var calls = 0;
        await using var server = await StartAsync(app => app.MapGet("/busy.jpg", (HttpContext context) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers.RetryAfter = "2";
                return Results.StatusCode(429);
            }

            return Results.Bytes(Jpeg, "image/jpeg");
        }));
        var budget = new PauseSignallingBudget(new LocalHostBudget());
        using var first = new HttpFetcher(FetcherFixture.Options(o => o.ObeyRobots = false), new NetworkSafetyOptions { AllowLoopback = true }, budget: budget);
        using var second = new HttpFetcher(FetcherFixture.Options(o => o.ObeyRobots = false), new NetworkSafetyOptions { AllowLoopback = true }, budget: budget);

        var busy = first.FetchAsync(server.Url("/busy.jpg"), CancellationToken.None);
        await budget.Paused.WaitAsync(TimeSpan.FromSeconds(30));
        var other = await second.FetchAsync(server.Url("/cat.jpg"), CancellationToken.None);

        Assert.True(other.Succeeded, other.Reason);
        Assert.True((await busy).Succeeded);
        var paused = server.TimesOf("/busy.jpg")[0];
        Assert.True(server.TimesOf("/cat.jpg")[0] - paused >= TimeSpan.FromSeconds(1.9), $"the other fetcher's request came {(server.TimesOf("/cat.jpg")[0] - paused).TotalSeconds:0.00} s after the 429");
        Assert.True(server.TimesOf("/busy.jpg")[1] - paused >= TimeSpan.FromSeconds(1.9));
    }

    [Fact]
    public async Task Does_not_wait_for_a_retry_after_over_the_limit()
    {
        await using var server = await StartAsync(app => app.MapGet("/later.jpg", (HttpContext context) =>
        {
            context.Response.Headers.RetryAfter = "3600";
            return Results.StatusCode(429);
        }));
        using var fetcher = FetcherFixture.Create(o => o.ObeyRobots = false);
        var clock = Stopwatch.StartNew();

        var result = await fetcher.FetchAsync(server.Url("/later.jpg"), CancellationToken.None);

        Assert.Equal((FetchErrorClass.HttpStatus, 429), (result.Error, result.HttpStatus));
        Assert.Single(server.TimesOf("/later.jpg"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Retries_transient_errors_with_backoff_but_not_404()
    {
        var calls = 0;
        await using var server = await StartAsync(app =>
        {
            app.MapGet("/flaky.jpg", () => Interlocked.Increment(ref calls) < 3 ? Results.StatusCode(502) : Results.Bytes(Jpeg, "image/jpeg"));
            app.MapGet("/gone.jpg", () => Results.NotFound());
        });
        using var fetcher = FetcherFixture.Create(o => (o.ObeyRobots, o.Retries) = (false, 2));

        Assert.True((await fetcher.FetchAsync(server.Url("/flaky.jpg"), CancellationToken.None)).Succeeded);
        var gone = await fetcher.FetchAsync(server.Url("/gone.jpg"), CancellationToken.None);

        Assert.Equal(3, server.TimesOf("/flaky.jpg").Count);
        Assert.Equal((FetchErrorClass.HttpStatus, 404), (gone.Error, gone.HttpStatus));
        Assert.Single(server.TimesOf("/gone.jpg"));
    }

    [Theory]
    [InlineData("noai", true)]
    [InlineData("noimageai, nofollow", true)]
    [InlineData("PipelineBot: noai", true)]
    [InlineData("otherbot: noai", false)]
    [InlineData("noindex", false)]
    [InlineData("noml", true)]
    [InlineData("PipelineBot: noimageindex", true)]
    [InlineData("otherbot: noml, noimageindex", false)]
    [InlineData("nofollow, noarchive", false)]
    public async Task Honours_opt_out_headers(string tag, bool optOut)
    {
        await using var server = await StartAsync(app => app.MapGet("/tagged.jpg", (HttpContext context) =>
        {
            context.Response.Headers["X-Robots-Tag"] = tag;
            return Results.Bytes(Jpeg, "image/jpeg");
        }));
        using var fetcher = FetcherFixture.Create();

        var result = await fetcher.FetchAsync(server.Url("/tagged.jpg"), CancellationToken.None);

        Assert.Equal(optOut ? FetchErrorClass.OptOut : FetchErrorClass.None, result.Error);
    }

    [Fact]
    public async Task Honours_the_TDM_reservation_header_and_each_signal_can_be_turned_off()
    {
        await using var server = await StartAsync(app =>
        {
            app.MapGet("/reserved.jpg", (HttpContext context) =>
            {
                context.Response.Headers["tdm-reservation"] = "1";
                return Results.Bytes(Jpeg, "image/jpeg");
            });
            app.MapGet("/unreserved.jpg", (HttpContext context) =>
            {
                context.Response.Headers["tdm-reservation"] = "0";
                return Results.Bytes(Jpeg, "image/jpeg");
            });
            app.MapGet("/noml.jpg", (HttpContext context) =>
            {
                context.Response.Headers["X-Robots-Tag"] = "noml";
                return Results.Bytes(Jpeg, "image/jpeg");
            });
        });
        using var respecting = FetcherFixture.Create(o => o.ObeyRobots = false);
        using var ignoring = FetcherFixture.Create(o => (o.ObeyRobots, o.Consent) = (false, new ConsentSignals { TdmReservation = false, NoMl = false }));

        var reserved = await respecting.FetchAsync(server.Url("/reserved.jpg"), CancellationToken.None);
        Assert.Equal(FetchErrorClass.OptOut, reserved.Error);
        Assert.Contains("tdm-reservation: 1", reserved.Reason, StringComparison.Ordinal);
        Assert.True((await respecting.FetchAsync(server.Url("/unreserved.jpg"), CancellationToken.None)).Succeeded);
        Assert.True((await ignoring.FetchAsync(server.Url("/reserved.jpg"), CancellationToken.None)).Succeeded);
        Assert.True((await ignoring.FetchAsync(server.Url("/noml.jpg"), CancellationToken.None)).Succeeded);
    }

    [Fact]
    public async Task Honours_a_hosts_tdmrep_json_fetched_once_first_matching_rule_deciding()
    {
        await using var server = await StartAsync(app =>
        {
            app.MapGet("/.well-known/tdmrep.json", () => Results.Text(
                """[{"location": "/open/*", "tdm-reservation": 0}, {"location": "/*.jpg$", "tdm-reservation": 1, "tdm-policy": "https://example.org/policy.json"}]""", "application/json"));
            app.MapGet("/open/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
            app.MapGet("/closed/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
            app.MapGet("/closed/cat.jpeg", () => Results.Bytes(Jpeg, "image/jpeg"));
        });
        using var fetcher = FetcherFixture.Create(o => o.ObeyRobots = false);
        using var ignoring = FetcherFixture.Create(o => (o.ObeyRobots, o.Consent) = (false, new ConsentSignals { TdmReservation = false }));

        var open = await fetcher.FetchAsync(server.Url("/open/cat.jpg"), CancellationToken.None);
        var closed = await fetcher.FetchAsync(server.Url("/closed/cat.jpg"), CancellationToken.None);
        var unmatched = await fetcher.FetchAsync(server.Url("/closed/cat.jpeg"), CancellationToken.None);
        var ignored = await ignoring.FetchAsync(server.Url("/closed/cat.jpg"), CancellationToken.None);

        Assert.True(open.Succeeded, open.Reason);
        Assert.Equal(FetchErrorClass.OptOut, closed.Error);
        Assert.Contains("tdmrep.json (location '/*.jpg$', policy https://example.org/policy.json)", closed.Reason, StringComparison.Ordinal);
        Assert.True(unmatched.Succeeded, unmatched.Reason);
        Assert.True(ignored.Succeeded, ignored.Reason);
        Assert.Single(server.TimesOf("/closed/cat.jpg"));
        Assert.Single(server.TimesOf("/.well-known/tdmrep.json"));
        Assert.Equal((1, 0), (fetcher.TdmRepFetches, ignoring.TdmRepFetches));
    }

    [Fact]
    public async Task Spaces_requests_to_a_host_by_its_crawl_delay_and_refuses_a_delay_over_the_limit()
    {
        await using var server = await StartAsync(app => app.MapGet("/img/{name}", (string name) => Results.Bytes(Jpeg, "image/jpeg")), robots: "User-agent: *\nCrawl-delay: 0.4\n");
        using var fetcher = FetcherFixture.Create();
        using var impatient = FetcherFixture.Create(o => o.MaxCrawlDelay = TimeSpan.FromSeconds(0.2));

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(n => fetcher.FetchAsync(server.Url($"/img/{n}.jpg"), CancellationToken.None)));
        var refused = await impatient.FetchAsync(server.Url("/img/9.jpg"), CancellationToken.None);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Reason));
        var arrivals = Enumerable.Range(0, 4).Select(n => Assert.Single(server.TimesOf($"/img/{n}.jpg"))).Order().ToList();
        // A lower bound only, which a busy machine cannot break: the fourth request waits three periods (1.2 s) from the
        // first grant, and half of that is left even if the first arrival is late; unpaced, all four arrive at once.
        Assert.True(arrivals[^1] - arrivals[0] >= TimeSpan.FromSeconds(0.6), $"four requests within {(arrivals[^1] - arrivals[0]).TotalSeconds:0.000} s");
        Assert.Equal(FetchErrorClass.Robots, refused.Error);
        Assert.Contains("Crawl-delay of 0.4 s", refused.Reason, StringComparison.Ordinal);
        Assert.Empty(server.TimesOf("/img/9.jpg"));
    }

    [Fact]
    public async Task Follows_redirects_within_the_limit_and_stops_loops()
    {
        await using var server = await StartAsync(app =>
        {
            app.MapGet("/r1", () => Results.Redirect("/r2"));
            app.MapGet("/r2", () => Results.Redirect("/cat.jpg", permanent: true));
            app.MapGet("/loop-a", () => Results.Redirect("/loop-b"));
            app.MapGet("/loop-b", () => Results.Redirect("/loop-a"));
            app.MapGet("/chain/{n:int}", (int n) => Results.Redirect($"/chain/{n + 1}"));
        });
        using var fetcher = FetcherFixture.Create(o => o.MaxRedirects = 5);

        var followed = await fetcher.FetchAsync(server.Url("/r1"), CancellationToken.None);
        var loop = await fetcher.FetchAsync(server.Url("/loop-a"), CancellationToken.None);
        var chain = await fetcher.FetchAsync(server.Url("/chain/0"), CancellationToken.None);

        Assert.True(followed.Succeeded, followed.Reason);
        Assert.Equal((2, server.Url("/cat.jpg")), (followed.Redirects, followed.FinalUrl));
        Assert.Equal(FetchErrorClass.RedirectLoop, loop.Error);
        Assert.Equal(FetchErrorClass.TooManyRedirects, chain.Error);
        Assert.Equal(6, server.TimesOf("/chain/0").Count + Enumerable.Range(1, 5).Sum(n => server.TimesOf($"/chain/{n}").Count));
    }

    [Fact]
    public async Task Hostile_servers_end_in_their_error_class_within_limits_and_bounded_memory()
    {
        await using var server = await StartAsync(app =>
        {
            app.MapGet("/endless.jpg", async (HttpContext context) =>
            {
                context.Response.ContentType = "image/jpeg";
                var chunk = new byte[64 * 1024];
                while (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                }
            });
            app.MapGet("/trickle.jpg", async (HttpContext context) =>
            {
                context.Response.ContentType = "image/jpeg";
                context.Response.ContentLength = Jpeg.Length;
                for (var i = 0; i < Jpeg.Length && !context.RequestAborted.IsCancellationRequested; i++)
                {
                    await context.Response.Body.WriteAsync(Jpeg.AsMemory(i, 1), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(1000, context.RequestAborted);
                }
            });
            var bomb = GzipOfZeros(200 << 20);
            app.MapGet("/bomb.jpg", (HttpContext context) =>
            {
                context.Response.Headers.ContentEncoding = "gzip";
                return Results.Bytes(bomb, "image/jpeg");
            });
            app.MapGet("/lying.jpg", () => Results.Bytes("<html><body>an error page</body></html>"u8.ToArray(), "image/jpeg"));
            app.MapGet("/truncated.jpg", () => Results.Bytes(Jpeg[..(Jpeg.Length / 2)], "image/jpeg"));
            app.MapGet("/huge.png", () => Results.Bytes(TestImages.PngHeaderOnly(30000, 30000), "image/png"));
        });
        using var fetcher = FetcherFixture.Create(o => (o.AttemptTimeout, o.TotalTimeout, o.Retries, o.MaxBytes) = (TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), 0, 4 << 20));
        using var downloader = new ImageDownloader(fetcher, new ImageProcessor(new ImageOptions()), processingThreads: 2);
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();

        var cases = new[] { "/endless.jpg", "/trickle.jpg", "/bomb.jpg", "/lying.jpg", "/truncated.jpg", "/huge.png" };
        var results = await Task.WhenAll(cases.Select(path => downloader.DownloadAsync(server.Url(path).AbsoluteUri, CancellationToken.None)));

        var classes = results.Select(r => r.Error).ToArray();
        Assert.Equal(
            [FetchErrorClass.TooLarge, FetchErrorClass.Timeout, FetchErrorClass.TooLarge, FetchErrorClass.NotAnImage, FetchErrorClass.DecodeError, FetchErrorClass.ImageTooLarge],
            classes);
        Assert.All(results, r => Assert.False(string.IsNullOrEmpty(r.Reason)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.True(results[1].Elapsed < TimeSpan.FromSeconds(4.5), $"trickle took {results[1].Elapsed}");
        // The bomb inflates to 200 MiB and the endless body never ends; what stays is the 4 MiB limit's pooled buffers.
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(grown < 64 << 20, $"managed memory grew by {grown} bytes");
    }

    private static byte[] GzipOfZeros(int length)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var done = 0; done < length; done += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }

        return output.ToArray();
    }

    /// <summary>The real budget, telling the test when a host was paused so it can ask for a turn after that.</summary>
    private sealed class PauseSignallingBudget(IHostBudget inner) : IHostBudget
    {
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Paused => _paused.Task;

        public ValueTask WaitTurnAsync(string host, HostPace pace, CancellationToken cancellationToken) => inner.WaitTurnAsync(host, pace, cancellationToken);

        public async ValueTask PauseAsync(string host, DateTimeOffset until, CancellationToken cancellationToken)
        {
            await inner.PauseAsync(host, until, cancellationToken);
            _paused.TrySetResult();
        }
    }
}
