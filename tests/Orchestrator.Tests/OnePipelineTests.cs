using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Curation.Counting;
using Pipeline.Curation.Stages;
using Pipeline.Curation.Tests;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>The commands and a campaign run the same stage operations: one live site, the same final shards.</summary>
public sealed class OnePipelineTests(ITestOutputHelper log) : IDisposable
{
    private static readonly string[] Entries = ["cat", "dog", "bird"];
    private const int Images = 27;
    private const int T = 5;
    private const int Seed = 11;

    // Missing images are lost in fetch; the last two repeat the first two and are lost in dedup: the refill stands in.
    private static readonly HashSet<int> Missing = [3, 6, 7, 13];

    private readonly TemporaryFolder _folder = new("one-pipeline");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("parquet")]
    [InlineData("webdataset")]
    public async Task A_live_site_through_the_commands_and_through_a_campaign_gives_the_same_final_shards_keys_lineage_and_image_bytes(string format)
    {
        await using var site = await LoopbackWebServer.StartAsync(app =>
        {
            app.MapGet("/robots.txt", () => Results.Text("User-agent: *\nAllow: /\n"));
            app.MapGet("/", () => Results.Content(
                string.Concat(Enumerable.Range(0, Images).Select(i => $"<img src='/img/{i}.jpg' alt='a {Entries[i % 3]} picture number {i}{(i % 4 == 0 ? " with a bird" : "")}'>")),
                "text/html"));
            app.MapGet("/img/{n:int}.jpg", (int n) => Missing.Contains(n)
                ? Results.NotFound()
                : Results.Bytes(SyntheticPhotos.Jpeg(n >= Images - 2 ? n - (Images - 2) : n, 160, 120), "image/jpeg"));
        });
        var entries = _folder.Combine("entries.txt");
        await File.WriteAllLinesAsync(entries, Entries);

        // The commands, one stage each.
        string F(string name) => _folder.Combine("commands", name);
        await RunAsync("crawl", "extract", "--seed", site.BaseUri.AbsoluteUri, "--out", F("candidates.jsonl"), "--allow-loopback");
        await RunAsync("curate", "match", F("candidates.jsonl"), "--entries", entries, "--out", F("matched"));
        await RunAsync("curate", "balance", "--matches", F("matched"), "--out", F("balanced"), "-t", $"{T}", "--seed", $"{Seed}");
        await RunAsync("crawl", "fetch", Path.Combine(F("balanced"), "balanced.parquet"), "--out", F("fetched"), "--allow-loopback");
        await RunAsync("curate", "filter", F("fetched"), "--out", F("filtered"));
        await RunAsync("curate", "dedup", F("filtered"), "--out", F("deduped"));
        await RunAsync("curate", "refill", F("deduped"), "--matches", F("matched"), "--out", F("final"), "-t", $"{T}", "--seed", $"{Seed}", "--format", format);

        // The campaign, the same settings in its spec.
        var spec = new JsonObject
        {
            ["name"] = "same",
            ["seed"] = Seed,
            ["output"] = _folder.Combine("campaign"),
            ["sources"] = new JsonObject { ["seeds"] = new JsonArray(site.BaseUri.AbsoluteUri) },
            ["queries"] = new JsonObject { ["wordNet"] = false, ["entries"] = entries },
            ["network"] = new JsonObject { ["allowLoopback"] = true },
            ["balancing"] = new JsonObject { ["threshold"] = T },
            ["training"] = new JsonObject { ["enabled"] = false },
            ["format"] = format,
        };
        var specFile = _folder.Combine("same.json");
        await File.WriteAllTextAsync(specFile, spec.ToJsonString());
        await RunAsync("campaign", "start", specFile, "--run-dir", _folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}");

        var byCommands = await ReadFinalAsync(F("final"), format);
        var byCampaign = await ReadFinalAsync(_folder.Combine("campaign", "shards"), format);
        log.WriteLine($"commands: {byCommands.Count} samples, {byCommands.Count(s => s.Reserve == true)} from the reserve; campaign: {byCampaign.Count}");
        // Which pairs are kept depends on their keys, which hold the server's port; both paths see the same keys.
        Assert.NotEmpty(byCommands);
        Assert.All(byCommands, s => Assert.NotNull(s.KeptForEntry));
        Assert.Equal(Describe(byCommands), Describe(byCampaign));

        // The campaign's fill counts the final samples, after the refill: an entry is below target when it holds fewer than min(t, matched).
        var matched = await EntryCounts.LoadAsync(Path.Combine(F("matched"), MatchStage.CountsFile), CancellationToken.None);
        var final = byCampaign.GroupBy(s => s.KeptForEntry!.Value).ToDictionary(g => g.Key, g => g.Count());
        var below = Enumerable.Range(0, matched.EntryCount).Count(e => matched[e] > 0 && final.GetValueOrDefault(e) < Math.Min(T, matched[e]));
        var status = await RunAsync("campaign", "status", "same", "--run-dir", _folder.Combine("state"), "--silo-port", $"{FreePort.Next()}", "--gateway-port", $"{FreePort.Next()}");
        Assert.Contains(status, l => l.Contains($"{final.Count} in the final shards, {below} below target (t = {T})", StringComparison.Ordinal));
    }

    /// <summary>The final store's lineage columns; tar shards (checked to be tars) are read through a conversion to Parquet.</summary>
    private async Task<List<ShardLineageColumns>> ReadFinalAsync(string store, string format)
    {
        var manifest = await new Sharding.Manifest.ManifestStore(new Sharding.Storage.LocalFolderStore(store)).LoadAsync(CancellationToken.None);
        Assert.All(manifest.Shards, s => Assert.Equal(Sharding.Samples.ShardFormats.Parse(format), s.FileFormat));
        if (format == "parquet")
        {
            return await ShardLineageColumns.ReadStoreAsync(store);
        }

        var copy = _folder.Combine("as-parquet", Path.GetFileName(Path.GetDirectoryName(store))!);
        await Sharding.Conversion.ShardConverter.ConvertAsync(new Sharding.Storage.LocalFolderStore(store), new Sharding.Storage.LocalFolderStore(copy), Sharding.Samples.ShardFormat.Parquet, null, CancellationToken.None);
        return await ShardLineageColumns.ReadStoreAsync(copy);
    }

    private static List<string> Describe(IEnumerable<ShardLineageColumns> samples) => [.. samples.Select(s => s.Describe()).Order(StringComparer.Ordinal)];

    private async Task<IReadOnlyList<string>> RunAsync(params string[] arguments)
    {
        var result = await PipelineExecutable.RunAsync(arguments, timeoutSeconds: 300);
        log.WriteLine($"$ pipeline {string.Join(' ', arguments)} -> {result.ExitCode}\n{string.Join('\n', result.Stdout)}\n{string.Join('\n', result.Stderr.TakeLast(4))}");
        Assert.True(result.ExitCode == 0, string.Join('\n', result.Stdout.Concat(result.Stderr.TakeLast(20))));
        return result.Stdout;
    }
}
