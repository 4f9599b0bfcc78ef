using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Crawler.Fetching;
using Pipeline.TestServices;

namespace Pipeline.Crawler.Tests;

/// <summary>Per-host state is bounded: the least recently used host is dropped and starts afresh when seen again.</summary>
public sealed class RecentHostCacheTests
{
    [Fact]
    public void Keeps_the_most_recently_used_hosts_and_drops_the_oldest()
    {
        var cache = new RecentHostCache<string>(3);
        var made = new List<string>();
        string Make(string host)
        {
            made.Add(host);
            return host.ToUpperInvariant();
        }

        foreach (var host in new[] { "a", "b", "c", "a", "d", "a", "e" })
        {
            Assert.Equal(host.ToUpperInvariant(), cache.GetOrAdd(host, Make));
        }

        Assert.Equal(3, cache.Count);
        Assert.Equal(2, cache.Dropped);
        Assert.Equal(["a", "b", "c", "d", "e"], made);
        Assert.Equal("A", cache.GetOrAdd("A", Make));
        Assert.Equal("B", cache.GetOrAdd("b", Make));
        Assert.Equal(["a", "b", "c", "d", "e", "b"], made);
        Assert.Equal("b2", cache.AddOrUpdate("b", Make, (_, old) => old.ToLowerInvariant() + "2"));
    }

    [Fact]
    public async Task Concurrent_hosts_never_exceed_the_capacity()
    {
        var cache = new RecentHostCache<object>(100);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                cache.GetOrAdd($"host{(i * 7 + t) % 1_000}.example", _ => new object());
                Assert.InRange(cache.Count, 1, 100);
            }
        })));
        Assert.Equal(100, cache.Count);
    }

    [Fact]
    public async Task A_fetcher_keeping_one_host_fetches_a_dropped_host_s_robots_txt_again_and_still_obeys_it()
    {
        static Task<LoopbackWebServer> Site() => LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nDisallow: /private/\n"));
            app.MapGet("/cat.jpg", () => Results.Bytes(TestImages.Jpeg(64, 48), "image/jpeg"));
            app.MapGet("/private/cat.jpg", () => Results.Bytes(TestImages.Jpeg(64, 48), "image/jpeg"));
        });
        await using var first = await Site();
        await using var second = await Site();
        using var fetcher = FetcherFixture.Create(o => o.MaxHostsTracked = 1);

        Assert.True((await fetcher.FetchAsync(first.Url("/cat.jpg"), CancellationToken.None)).Succeeded);
        Assert.True((await fetcher.FetchAsync(second.Url("/cat.jpg"), CancellationToken.None)).Succeeded);
        Assert.True((await fetcher.FetchAsync(first.Url("/cat.jpg"), CancellationToken.None)).Succeeded);
        Assert.Equal(FetchErrorClass.Robots, (await fetcher.FetchAsync(first.Url("/private/cat.jpg"), CancellationToken.None)).Error);

        Assert.Equal(2, first.TimesOf("/robots.txt").Count);
        Assert.Single(second.TimesOf("/robots.txt"));
        Assert.Empty(first.TimesOf("/private/cat.jpg"));
    }
}
