using System.Text.Json;
using Pipeline.Orchestrator.Demo;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Whole campaigns through the real program: the clipart demo, a crash at any stage, and spec errors.</summary>
public sealed class CampaignTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_demo_campaign_killed_twice_resumes_to_the_same_shards_as_an_uninterrupted_run()
    {
        using var folder = new TemporaryFolder();
        var port = FreePort.Next();
        string[] Demo(string name) =>
        [
            "demo", "--out", folder.Combine(name), "--run-dir", folder.Combine(name + "-state"), "--per-category", "40", "--steps", "160", "--port", $"{port}",
            "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}", "--dashboard-port", "0",
        ];

        var clean = await PipelineExecutable.RunAsync(Demo("clean"), timeoutSeconds: 600);
        output.WriteLine(string.Join('\n', clean.Stdout));
        Assert.True(clean.ExitCode == 0, string.Join('\n', clean.Stderr.TakeLast(30)));
        var accuracy = Assert.Single(clean.Stdout, l => l.StartsWith("demo: zero-shot top-1", StringComparison.Ordinal));
        Assert.Contains("held-out clipart pictures of 8 categories", accuracy, StringComparison.Ordinal);
        // The closing table: an evaluation every 50 steps and the last, one marked best, its weights kept under train/best.
        var table = clean.Stdout.SkipWhile(l => l != DemoReport.Heading).ToList();
        Assert.NotEmpty(table);
        Assert.Equal(["step 50", "step 100", "step 150", "step 160"], table.Select(l => l.Trim()).Where(l => l.StartsWith("step ", StringComparison.Ordinal)).Select(l => l.Split("  ")[0]));
        Assert.Single(table, l => l.EndsWith("   best", StringComparison.Ordinal));
        Assert.Contains(table, l => l.TrimStart().StartsWith("best ", StringComparison.Ordinal) && l.Contains(Path.Combine("train", "best", "step-"), StringComparison.Ordinal));
        Assert.Contains(table, l => l.TrimStart().StartsWith("dashboard ", StringComparison.Ordinal) && l.Contains("http://127.0.0.1:", StringComparison.Ordinal));
        Assert.Single(Directory.GetDirectories(folder.Combine("clean", "train", "best")));
        foreach (var stage in new[] { "queries", "extract", "match", "balance", "fetch", "filter", "dedup", "train" })
        {
            Assert.Contains(clean.Stdout, l => l.TrimStart().StartsWith(stage + " ", StringComparison.Ordinal));
        }

        var expected = await ManifestKeysAsync(folder.Combine("clean", "shards"));
        Assert.True(expected.Count > 100, $"only {expected.Count} samples");
        Assert.Equal(expected.Count, expected.Distinct().Count());
        // Every final sample carries the lineage of its balanced pair, as an independent Parquet reader sees it.
        var lineage = await ShardLineageColumns.ReadStoreAsync(folder.Combine("clean", "shards"));
        Assert.All(lineage, s =>
        {
            Assert.NotNull(s.KeptForEntry);
            Assert.Contains(s.KeptForEntry.Value, s.MatchedEntryIds);
            Assert.InRange(s.KeepProbability ?? -1, double.Epsilon, 1);
            Assert.NotNull(s.Reserve);
        });
        // No entry reaches the demo's t, so the refill after dedup keeps every surviving sample.
        Assert.Equal(
            (await ManifestKeysAsync(folder.Combine("clean", "deduped"))).Order(StringComparer.Ordinal),
            expected.Order(StringComparer.Ordinal));

        // Crash 1: SIGKILL once the fetch stage has begun (its chunks are leased work); crash 2: SIGKILL after the first checkpoint.
        using (var first = PipelineExecutable.Start(Demo("crashed")))
        {
            await first.WaitForOutputAsync(l => l.Contains("stage fetch", StringComparison.Ordinal) || l.Contains("stage filter", StringComparison.Ordinal), TimeSpan.FromMinutes(4));
            first.KillHard();
        }

        using (var second = PipelineExecutable.Start(Demo("crashed")))
        {
            var checkpoints = folder.Combine("crashed", "train", "checkpoints");
            var deadline = DateTime.UtcNow.AddMinutes(6);
            while (!(Directory.Exists(checkpoints) && Directory.EnumerateDirectories(checkpoints, "step-*").Any(d => !d.EndsWith(".partial", StringComparison.Ordinal))))
            {
                Assert.True(DateTime.UtcNow < deadline && !second.HasExited, "no checkpoint appeared: " + second.Transcript());
                await Task.Delay(200);
            }

            second.KillHard();
        }

        var resumed = await PipelineExecutable.RunAsync(Demo("crashed"), timeoutSeconds: 600);
        output.WriteLine(string.Join('\n', resumed.Stdout));
        Assert.True(resumed.ExitCode == 0, string.Join('\n', resumed.Stderr.TakeLast(30)));
        Assert.Contains(resumed.Stdout, l => l.StartsWith("demo: zero-shot top-1", StringComparison.Ordinal));
        var keys = await ManifestKeysAsync(folder.Combine("crashed", "shards"));
        Assert.Equal(expected.Count, keys.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(Lineage(lineage), Lineage(await ShardLineageColumns.ReadStoreAsync(folder.Combine("crashed", "shards"))));

        var status = await PipelineExecutable.RunAsync(
            ["campaign", "status", "demo", "--json", "--run-dir", folder.Combine("crashed-state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"]);
        Assert.Equal(0, status.ExitCode);
        using var json = JsonDocument.Parse(string.Join('\n', status.Stdout));
        Assert.Equal("completed", json.RootElement.GetProperty("campaign").GetProperty("state").GetString());
        Assert.True(json.RootElement.GetProperty("campaign").GetProperty("restarts").GetInt32() >= 2);
        Assert.True(json.RootElement.GetProperty("training").GetProperty("attempt").GetInt32() >= 2, "training was not restarted from its checkpoint");
    }

    [Fact]
    public async Task A_spec_with_an_unknown_key_or_a_bad_value_is_refused_with_its_place()
    {
        using var folder = new TemporaryFolder();
        var spec = folder.Combine("spec.json");
        await File.WriteAllTextAsync(spec, """{ "name": "x", "output": "out", "sources": { "seeds": ["http://example.org/"] }, "fetch": { "chunks": 10 } }""");
        var unknown = await PipelineExecutable.RunAsync(["campaign", "start", spec, "--run-dir", folder.Combine("state")]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains(unknown.Stderr, l => l.Contains("chunks", StringComparison.Ordinal) && l.Contains(spec, StringComparison.Ordinal));

        await File.WriteAllTextAsync(spec, """{ "name": "bad name", "output": "out", "sources": { "seeds": ["http://example.org/"] } }""");
        var badName = await PipelineExecutable.RunAsync(["campaign", "start", spec, "--run-dir", folder.Combine("state")]);
        Assert.Equal(2, badName.ExitCode);
        Assert.Contains(badName.Stderr, l => l.Contains("name 'bad name'", StringComparison.Ordinal));

        var missing = await PipelineExecutable.RunAsync(
            ["campaign", "status", "nothing", "--run-dir", folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains(missing.Stderr, l => l.Contains("no campaign named 'nothing'", StringComparison.Ordinal));

        // A candidate file that is not there fails the extract stage with its path, not with "no candidates".
        await File.WriteAllTextAsync(spec, $$"""{ "name": "lists", "output": "{{folder.Combine("lists")}}", "sources": { "candidates": ["{{folder.Combine("absent.jsonl")}}"] }, "training": { "enabled": false } }""");
        var absent = await PipelineExecutable.RunAsync(
            ["campaign", "start", spec, "--run-dir", folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}"], timeoutSeconds: 300);
        Assert.Equal(1, absent.ExitCode);
        Assert.Contains(absent.Stdout, l => l.Contains("candidate file", StringComparison.Ordinal) && l.Contains("absent.jsonl", StringComparison.Ordinal) && l.Contains("does not exist", StringComparison.Ordinal));
    }

    private static List<string> Lineage(IEnumerable<ShardLineageColumns> samples) => [.. samples.Select(s => s.Describe()).Order(StringComparer.Ordinal)];

    internal static async Task<List<string>> ManifestKeysAsync(string location)
    {
        var store = ShardStoreLocation.Open(location);
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        var keys = new List<string>();
        foreach (var entry in manifest.Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(store, entry, CancellationToken.None);
            for (var g = 0; g < entry.RowGroups.Count; g++)
            {
                keys.AddRange((await reader.ReadRowGroupAsync(g, CancellationToken.None)).Select(s => s.Key));
            }
        }

        return keys;
    }
}
