using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Images;
using Pipeline.Crawler.Stages;
using Pipeline.Sharding.Lists;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Crawler.Tests;

/// <summary>Every fetched sample carries its consent record: the signals seen, even those that do not opt out for us, and the user agent.</summary>
public sealed class ConsentRecordTests
{
    private static readonly byte[] Jpeg = TestImages.Jpeg(96, 64);

    [Fact]
    public async Task A_fetched_sample_records_robots_x_robots_tag_tdm_reservation_tdmrep_and_the_user_agent()
    {
        await using var server = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nDisallow: /private/\nAllow: /private/open/\n"));
            app.MapGet("/.well-known/tdmrep.json", () => Results.Text(
                """[{"location": "/reserved/*", "tdm-reservation": 1}, {"location": "/private/open/*", "tdm-reservation": 0, "tdm-policy": "https://example.org/policy.json"}]""",
                "application/json"));
            app.MapGet("/noindex.jpg", (HttpContext context) =>
            {
                context.Response.Headers["X-Robots-Tag"] = "noindex, otherbot: noai";
                context.Response.Headers["tdm-reservation"] = "0";
                return Results.Bytes(Jpeg, "image/jpeg");
            });
            app.MapGet("/private/open/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
        });
        using var folder = new TemporaryFolder("consent");
        var store = new LocalFolderStore(Path.Combine(folder.Path, "store"));
        using var fetcher = FetcherFixture.Create(o => o.UserAgent = "PipelineBot/1.0 (+https://example.org/bot; consent test)");
        using var downloader = new ImageDownloader(fetcher, new ImageProcessor(new ImageOptions { Size = 32 }), processingThreads: 1);
        UrlListRecord[] batch =
        [
            new(server.Url("/noindex.jpg").AbsoluteUri, "a tagged cat", null, null, 1, 0),
            new(server.Url("/private/open/cat.jpg").AbsoluteUri, "an open cat", null, null, 2, 0),
        ];

        var started = DateTimeOffset.UtcNow;
        var outcome = await FetchStage.FetchChunkAsync(
            downloader, store, new ShardWriterOptions { Encoding = ImageEncoding.Jpg }, Path.Combine(folder.Path, "logs"), "list-00000", batch, 2, new CrawlStatistics(metrics: false), null, CancellationToken.None);

        Assert.Equal([true, true], outcome.Succeeded);
        var samples = await ReadAllAsync(store);
        var tagged = samples.Single(s => s.Url.EndsWith("/noindex.jpg", StringComparison.Ordinal));
        Assert.Equal("decision=allow;robots.txt=allow;x-robots-tag=noindex,otherbot:noai;tdm-reservation=0;tdmrep=unmatched", tagged.Consent);
        var open = samples.Single(s => s.Url.EndsWith("/cat.jpg", StringComparison.Ordinal));
        Assert.Equal("decision=allow;robots.txt=allow(/private/open/);tdmrep=0;tdm-policy=https://example.org/policy.json", open.Consent);
        Assert.All(samples, s => Assert.Equal("PipelineBot/1.0 (+https://example.org/bot; consent test)", s.UserAgent));
        Assert.All(samples, s => Assert.InRange(s.FetchTime!.Value, started.AddMilliseconds(-1), DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Without_robots_txt_or_tdmrep_json_the_record_says_none_and_signals_turned_off_say_off()
    {
        await using var server = await LoopbackWebServer.StartAsync(app => app.MapGet("/cat.jpg", () => Results.Bytes(Jpeg, "image/jpeg")));
        using var fetcher = FetcherFixture.Create();
        using var unchecking = FetcherFixture.Create(o => (o.ObeyRobots, o.Consent) = (false, new Robots.ConsentSignals { TdmReservation = false }));

        var result = await fetcher.FetchAsync(server.Url("/cat.jpg"), CancellationToken.None);
        var unchecked_ = await unchecking.FetchAsync(server.Url("/cat.jpg"), CancellationToken.None);

        Assert.Equal("decision=allow;robots.txt=none;tdmrep=none", result.Consent?.Signals);
        Assert.Equal("decision=allow;robots.txt=off;tdmrep=off", unchecked_.Consent?.Signals);
        Assert.Equal(fetcher.Options.UserAgent, result.Consent?.UserAgent);
    }

    [Fact]
    public void Values_are_cut_and_never_break_the_record_apart()
    {
        var record = new Robots.ConsentRecord("ua", "allow", "a;b=c " + new string('x', 300), null, "none", null);

        var signals = record.Signals;

        Assert.StartsWith("decision=allow;robots.txt=allow;x-robots-tag=a,b,c", signals, StringComparison.Ordinal);
        Assert.EndsWith("...;tdmrep=none", signals, StringComparison.Ordinal);
        Assert.Equal(4, signals.Split(';').Length);
    }

    private static async Task<List<Sample>> ReadAllAsync(IShardStore store)
    {
        var all = new List<Sample>();
        foreach (var entry in (await new ManifestStore(store).LoadAsync(CancellationToken.None)).Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(store, entry, CancellationToken.None);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                all.AddRange(await reader.ReadRowGroupAsync(g, CancellationToken.None));
            }
        }

        return all;
    }
}
