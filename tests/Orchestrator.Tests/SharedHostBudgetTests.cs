using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Crawler.Fetching;
using Pipeline.Crawler.Network;
using Pipeline.Crawler.Politeness;
using Pipeline.Orchestrator.Grains.Politeness;
using Pipeline.Orchestrator.Hosting;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>
/// One request budget per host for a whole cluster: three silos of a real Redis cluster, each with its own fetcher using
/// its silo's host budget, against one loopback server that stamps arrivals.
/// </summary>
public sealed class SharedHostBudgetTests : IAsyncLifetime
{
    private static readonly byte[] Image = [0xFF, 0xD8, 0xFF, 0xD9];
    private readonly List<IHost> _silos = [];
    private RedisServer? _redis;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            var options = new PipelineOptions
            {
                Cluster = _redis.ConnectionString,
                SiloPort = FreePort.Next(),
                GatewayPort = FreePort.Next(),
                AdvertisedAddress = "127.0.0.1",
            };
            _silos.Add(await PipelineHosts.StartSiloAsync(EmbeddedSilo.QuietConfiguration(), options, runFolder: null, verbose: false, CancellationToken.None));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.StopAsync();
            silo.Dispose();
        }

        _redis?.Dispose();
    }

    [Fact]
    public async Task Three_silos_together_never_send_a_host_more_than_its_rate()
    {
        await using var server = await LoopbackWebServer.StartAsync(app => app.MapGet("/img/{n}", (string n) => Results.Bytes(Image, "image/jpeg")));
        var fetchers = _silos.Select(s => Fetcher(s, requestsPerSecond: 5)).ToList();
        try
        {
            // Connections opened and code warmed before the window, so a slow first request cannot look like a short gap.
            foreach (var (fetcher, i) in fetchers.Select((f, i) => (f, i)))
            {
                Assert.True((await fetcher.FetchAsync(server.Url($"/img/warm-{i}"), CancellationToken.None)).Succeeded);
            }

            var results = await Task.WhenAll(fetchers.SelectMany((f, i) => Enumerable.Range(0, 10).Select(n => f.FetchAsync(server.Url($"/img/{i}-{n}"), CancellationToken.None))));

            Assert.All(results, r => Assert.True(r.Succeeded, r.Reason));
            var times = server.Requests.Where(r => !r.PathAndQuery.Contains("warm", StringComparison.Ordinal) && r.PathAndQuery.StartsWith("/img/", StringComparison.Ordinal))
                .Select(r => r.At).Order().ToList();
            Assert.Equal(30, times.Count);

            // Each silo alone would send 5 a second, three times the host's rate together; shared, 30 requests take 29 intervals.
            Assert.True(times[^1] - times[0] >= TimeSpan.FromSeconds(5.5), $"30 requests in {(times[^1] - times[0]).TotalSeconds:0.00} s");
            for (var i = 0; i < times.Count; i++)
            {
                for (var j = i + 1; j < times.Count; j++)
                {
                    // One send time per 200 ms for the whole cluster: any window holds at most one request more than its length allows.
                    var gap = times[j] - times[i];
                    Assert.True(gap >= TimeSpan.FromMilliseconds(((j - i - 1) * 200) - 100), $"requests {i} and {j} came {gap.TotalMilliseconds:0} ms apart");
                }
            }

            // Every silo took its send times from the budget grain. How many calls a batch saves is a matter of timing (a
            // stalled process misses granted times and asks again), so it is not asserted here.
            Assert.All(_silos, s => Assert.True(((ClusterHostBudget)s.Services.GetRequiredService<IHostBudget>()).GrantCalls >= 1));
        }
        finally
        {
            fetchers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task A_429_with_retry_after_on_one_silo_pauses_the_host_for_every_silo()
    {
        var calls = 0;
        await using var server = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/busy.jpg", (HttpContext context) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    context.Response.Headers.RetryAfter = "3";
                    return Results.StatusCode(429);
                }

                return Results.Bytes(Image, "image/jpeg");
            });
            app.MapGet("/img/{n}", (string n) => Results.Bytes(Image, "image/jpeg"));
        });
        var fetchers = _silos.Select(s => Fetcher(s, requestsPerSecond: 20)).ToList();
        try
        {
            var host = server.BaseUri.GetLeftPart(UriPartial.Authority);
            var budget = (ClusterHostBudget)_silos[0].Services.GetRequiredService<IHostBudget>();
            var busy = fetchers[0].FetchAsync(server.Url("/busy.jpg"), CancellationToken.None);

            // The others start once the cluster knows of the pause (the first silo records it as soon as it reads the 429).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (await budget.PartitionOf(host).GetPausedUntil(host) is null)
            {
                Assert.True(DateTime.UtcNow < deadline, "the pause never reached the host's budget grain");
                await Task.Delay(20);
            }

            var others = await Task.WhenAll(fetchers.Skip(1).SelectMany((f, i) => Enumerable.Range(0, 4).Select(n => f.FetchAsync(server.Url($"/img/{i}-{n}"), CancellationToken.None))));

            Assert.All(others, r => Assert.True(r.Succeeded, r.Reason));
            Assert.True((await busy).Succeeded);
            var refused = server.TimesOf("/busy.jpg")[0];
            var first = server.Requests.Where(r => r.PathAndQuery.StartsWith("/img/", StringComparison.Ordinal)).Min(r => r.At);
            Assert.True(first - refused >= TimeSpan.FromSeconds(2.9), $"another silo's request came {(first - refused).TotalSeconds:0.00} s after the 429");
            Assert.True(server.TimesOf("/busy.jpg")[1] - refused >= TimeSpan.FromSeconds(2.9));
        }
        finally
        {
            fetchers.ForEach(f => f.Dispose());
        }
    }

    private static HttpFetcher Fetcher(IHost silo, double requestsPerSecond) => new(
        new FetcherOptions { RequestsPerSecondPerHost = requestsPerSecond, ObeyRobots = false, RetryDelay = TimeSpan.FromMilliseconds(50) },
        new NetworkSafetyOptions { AllowLoopback = true },
        budget: silo.Services.GetRequiredService<IHostBudget>());
}
