using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Orchestrator.Cli;
using Pipeline.Orchestrator.Demo;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A campaign on a real three-silo Redis cluster that loses one silo while crawling and another while training.</summary>
public sealed class ClusterCampaignTests(ITestOutputHelper log)
{
    // Fast failure detection, so a killed silo is declared dead in seconds; a campaign reminder every 10 s.
    private static readonly Dictionary<string, string> Tuned = new(RedisClusterTests.FastMembership) { ["PIPELINE_Pipeline__CampaignReminderPeriod"] = "00:00:10" };

    [Fact]
    public async Task A_campaign_survives_a_silo_killed_while_crawling_and_another_while_training_with_the_same_shards_as_an_uninterrupted_run()
    {
        using var folder = new TemporaryFolder();
        var site = ClipartSite.Build(ClipartSite.DefaultRoot, ClipartCategory.Defaults, 60);
        await using var web = await DemoWebServer.StartAsync(site, FreePort.Next(), CancellationToken.None);

        // The uninterrupted run: the same spec in one process (which also serves the dashboard while it runs).
        var reference = await PipelineExecutable.RunAsync(
            ["campaign", "start", WriteSpec(folder, site, web.Address, "reference"), "--dashboard", "--run-dir", folder.Combine("reference-state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"],
            new Dictionary<string, string> { ["PIPELINE_Dashboard__Port"] = "0" },
            timeoutSeconds: 600);
        Assert.True(reference.ExitCode == 0, string.Join('\n', reference.Stderr.TakeLast(30)));
        Assert.Contains(reference.Stderr, l => l.StartsWith("dashboard: http://127.0.0.1:", StringComparison.Ordinal));
        var expected = await CampaignTests.ManifestKeysAsync(folder.Combine("reference", "shards"));
        Assert.True(expected.Count > 100, $"only {expected.Count} samples");

        using var redis = await RedisServer.StartAsync();
        var silos = new List<(ManagedProcess Process, int Port)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var port = FreePort.Next();
                silos.Add((PipelineExecutable.Start(
                    ["silo", "--cluster", redis.ConnectionString, "--advertise", "127.0.0.1", "--silo-port", $"{port}", "--gateway-port", $"{FreePort.Next()}"], Tuned), port));
            }

            foreach (var (silo, _) in silos)
            {
                await silo.WaitForOutputAsync(l => l.Contains("joined cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
            }

            // A dashboard that is a client of the cluster watches the campaign through both kills.
            var dashboardPort = FreePort.Next();
            using var dashboard = PipelineExecutable.Start(["dashboard", "--cluster", redis.ConnectionString, "--port", $"{dashboardPort}"]);
            await dashboard.WaitForOutputAsync(l => l.StartsWith("dashboard: http://127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}/") };

            using var campaign = PipelineExecutable.Start(["campaign", "start", WriteSpec(folder, site, web.Address, "cluster"), "--cluster", redis.ConnectionString], Tuned);

            // Crawling: kill a silo that holds a fetch lease while chunks are still pending, so its chunk must be taken over.
            var victim = await WaitForLeaseHolderAsync(http, silos, campaign);
            log.WriteLine($"killing silo on port {victim.Port} while it holds a fetch lease");
            victim.Process.KillHard();

            // Training: kill the silo that runs the training worker (the client reads where it was placed).
            await campaign.WaitForOutputAsync(l => l.Contains("stage train: train: step ", StringComparison.Ordinal) && !l.Contains("train: step 0/", StringComparison.Ordinal), TimeSpan.FromMinutes(6));
            var status = await PipelineExecutable.RunAsync(["train", "status", "demo", "--json", "--cluster", redis.ConnectionString]);
            Assert.True(status.ExitCode == 0, string.Join('\n', status.Stderr));
            var placement = JsonDocument.Parse(string.Join('\n', status.Stdout)).RootElement.GetProperty("placements")[0].GetString()!;
            var trainer = silos.Single(s => !s.Process.HasExited && placement.Contains(PortText(s.Port), StringComparison.Ordinal));
            log.WriteLine($"killing silo on port {trainer.Port}, which trains ({placement})");
            trainer.Process.KillHard();

            var exit = await campaign.WaitForExitAsync(TimeSpan.FromMinutes(8));
            await Task.Delay(100);
            log.WriteLine(campaign.Transcript());
            Assert.Equal(0, exit);

            var keys = await CampaignTests.ManifestKeysAsync(folder.Combine("cluster", "shards"));
            Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));

            // The dashboard sees the one silo left, the chunk taken over and the training restart.
            using var snapshot = await SnapshotAsync(http);
            Assert.Equal(1, snapshot.RootElement.GetProperty("silos").GetArrayLength());
            var demo = snapshot.RootElement.GetProperty("campaigns")[0];
            Assert.Equal("completed", demo.GetProperty("status").GetProperty("state").GetString());
            Assert.True(demo.GetProperty("fetch").GetProperty("reclaimed").GetInt32() >= 1, "no fetch lease of the killed silo was taken over: " + demo.GetProperty("fetch"));
            Assert.True(demo.GetProperty("training").GetProperty("attempt").GetInt32() >= 2, "training was not placed again after its silo died");
            dashboard.Terminate();
        }
        finally
        {
            foreach (var (silo, _) in silos)
            {
                log.WriteLine(string.Join('\n', silo.StandardOutput.Concat(silo.StandardError).TakeLast(15)));
                silo.Dispose();
            }
        }
    }

    /// <summary>Polls the dashboard until a live silo's campaign worker holds a fetch lease with chunks still pending.</summary>
    private static async Task<(ManagedProcess Process, int Port)> WaitForLeaseHolderAsync(HttpClient dashboard, List<(ManagedProcess Process, int Port)> silos, ManagedProcess campaign)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline && !campaign.HasExited, "no silo held a fetch lease with chunks pending: " + campaign.Transcript());
            using var snapshot = await SnapshotAsync(dashboard);
            if (snapshot.RootElement.GetProperty("campaigns").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } demo
                && demo.GetProperty("fetch") is var fetch && fetch.GetProperty("pending").GetInt32() >= 3)
            {
                var holders = fetch.GetProperty("holders").EnumerateArray().Select(h => h.GetString()!).ToList();
                var holder = silos.FirstOrDefault(s => holders.Any(h => h.Contains(PortText(s.Port), StringComparison.Ordinal)));
                if (holder.Process is not null)
                {
                    return holder;
                }
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The dashboard's snapshot; while the client fails over from a killed gateway a reading can fail, so it retries for 30 s.</summary>
    private static async Task<JsonDocument> SnapshotAsync(HttpClient dashboard)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return JsonDocument.Parse(await dashboard.GetStringAsync(new Uri("api/snapshot", UriKind.Relative)));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    // Silo addresses in worker keys and placements read 127.0.0.1:PORT@GENERATION.
    private static string PortText(int port) => $":{port.ToString(CultureInfo.InvariantCulture)}@";

    /// <summary>The demo's spec with small fetch chunks and short leases and heartbeats, so a dead silo's work moves on in seconds.</summary>
    private static string WriteSpec(TemporaryFolder folder, ClipartSite site, Uri web, string name)
    {
        var output = folder.Combine(name);
        site.WriteEvaluationFolder(Path.Combine(output, "eval"));
        var spec = JsonNode.Parse(CampaignSpecFile.ToJson(DemoCommand.Spec(web, output, 300)))!;
        spec["fetch"]!["chunk"] = 50;
        spec["fetch"]!["lease"] = "00:00:06";
        spec["training"]!["heartbeatTimeout"] = "00:00:10";
        var path = folder.Combine(name + ".json");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }
}
