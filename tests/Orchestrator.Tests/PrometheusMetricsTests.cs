using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Crawler.Downloading;
using Pipeline.Crawler.Fetching;
using Pipeline.Orchestrator.Dashboard;
using Pipeline.Orchestrator.Grains.WorkQueues;
using Pipeline.Orchestrator.Hosting;
using Pipeline.Orchestrator.Shards;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A real Prometheus (Debian's) scrapes a silo's <c>/metrics</c>, behind the dashboard's token, and sees a pipeline counter move.</summary>
public sealed class PrometheusMetricsTests
{
    private const string Prometheus = "/usr/bin/prometheus";
    private const string Token = "metrics-test-token";

    [Fact]
    public async Task Prometheus_scrapes_the_silo_with_its_token_and_a_pipeline_counter_moved()
    {
        Assert.True(File.Exists(Prometheus), $"{Prometheus} is missing: infra/setup.sh installs Debian's prometheus");
        using var folder = new TemporaryFolder("prometheus");
        using var run = RunFolder.Open(folder.Combine("state"), exclusive: true);
        var options = new PipelineOptions { RunDirectory = run.Root, SiloPort = FreePort.Next(), GatewayPort = FreePort.Next(), ClusterId = "metrics" };
        var dashboard = new PipelineDashboardOptions { Port = 0, Token = Token };
        using var host = await PipelineHosts.StartSiloAsync(EmbeddedSilo.QuietConfiguration(), options, run, verbose: false, CancellationToken.None, dashboard);
        try
        {
            var address = DashboardWebHost.Address(host.Services)!;
            var metrics = new Uri(address, "metrics");

            // Grain calls, which the silo counts as pipeline.grain.calls.
            var queue = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IWorkQueueGrain>("metrics");
            await queue.Fill(["a", "b", "c"]);
            for (var i = 0; i < 5; i++)
            {
                await queue.GetProgress();
            }

            // Shards committed and fetch outcomes, through the code the writer and the fetcher run.
            await using (var writer = new ShardWriter(new LocalFolderStore(folder.Combine("shards")), new ShardWriterOptions { TargetSamples = 10 }))
            {
                var synthetic = new SyntheticSamples(16, 1);
                for (var i = 0; i < 25; i++)
                {
                    await writer.WriteAsync(synthetic.Create(i), CancellationToken.None);
                }

                await writer.CompleteAsync(CancellationToken.None);
            }

            var crawl = new CrawlStatistics();
            crawl.Record("http://127.0.0.1/a.jpg", FetchErrorClass.None, 1000);
            crawl.Record("http://127.0.0.1/b.jpg", FetchErrorClass.Timeout, 0);

            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(metrics)).StatusCode);

            var port = FreePort.Next();
            var config = folder.Combine("prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: pipeline
                    metrics_path: /metrics
                    authorization:
                      type: Bearer
                      credentials: {Token}
                    static_configs:
                      - targets: ['{address.Authority}']
                """);
            using var prometheus = ManagedProcess.Start(Prometheus, [$"--config.file={config}", $"--storage.tsdb.path={folder.Combine("tsdb")}", $"--web.listen-address=127.0.0.1:{port}"]);

            // The scrape succeeded (up == 1) and the counter of calls to the work-queue grain has its value.
            var calls = await QueryUntilAsync(http, port, "sum(pipeline_grain_calls_total{grain_interface=~\".*IWorkQueueGrain\"})", v => v >= 6, prometheus);
            Assert.True(calls >= 6, $"pipeline_grain_calls_total for the queue is {calls}");
            Assert.Equal(1, await QueryUntilAsync(http, port, "up{job=\"pipeline\"}", v => v == 1, prometheus));
            Assert.True(await QueryUntilAsync(http, port, "pipeline_sharding_samples_total", v => v >= 25, prometheus) >= 25);
            Assert.True(await QueryUntilAsync(http, port, "pipeline_crawler_fetches_total{outcome=\"timeout\"}", v => v >= 1, prometheus) >= 1);
            // Orleans' own meters come along.
            Assert.True(await QueryUntilAsync(http, port, "count({__name__=~\"orleans_.*\"})", v => v > 0, prometheus) > 0);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Polls Prometheus' query API until the query's single value satisfies <paramref name="done"/> (or 60 s pass) and returns it.</summary>
    private static async Task<double> QueryUntilAsync(HttpClient http, int port, string query, Func<double, bool> done, ManagedProcess prometheus)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var last = double.NaN;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(query)}"));
                using var json = JsonDocument.Parse(body);
                var result = json.RootElement.GetProperty("data").GetProperty("result");
                if (result.GetArrayLength() > 0)
                {
                    last = double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                    if (done(last))
                    {
                        return last;
                    }
                }
            }
            catch (HttpRequestException)
            {
                // Prometheus is still starting.
            }

            Assert.False(prometheus.HasExited, prometheus.Transcript());
            await Task.Delay(500);
        }

        return last;
    }
}
