using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NetVips;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;
using Xunit.Abstractions;

namespace Pipeline.Orchestrator.Tests;

/// <summary>`pipeline crawl refresh` against a real web server on 127.0.0.1 whose images change after `crawl fetch`.</summary>
public sealed class CrawlRefreshCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly TemporaryFolder _folder = new("refresh");

    public void Dispose() => _folder.Dispose();

    private async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunAsync(params string[] arguments)
    {
        var result = await PipelineExecutable.RunAsync(arguments);
        log.WriteLine($"$ pipeline {string.Join(' ', arguments)} -> {result.ExitCode}\n{string.Join('\n', result.Stdout)}\n{string.Join('\n', result.Stderr.TakeLast(8))}");
        return result;
    }

    [Fact]
    public async Task Refresh_reports_alive_changed_dead_and_unreachable_and_apply_drops_only_dead_and_changed_once()
    {
        var jpeg = Crawler.Images.TestPattern.GradientJpeg(400, 300);
        var reencoded = Crawler.Images.TestPattern.GradientJpeg(400, 300, quality: 60);
        byte[] other;
        using (var image = Image.NewFromBuffer(jpeg))
        using (var turned = image.Rot180())
        {
            other = turned.JpegsaveBuffer(q: 90);
        }

        var changed = false;
        await using var site = await LoopbackWebServer.StartAsync(app => app.MapGet("/img/{name}", (string name) =>
            !Volatile.Read(ref changed) ? Results.Bytes(jpeg, "image/jpeg") : name switch
            {
                "gone.jpg" => Results.NotFound(),
                "swapped.jpg" => Results.Bytes(other, "image/jpeg"),
                "reencoded.jpg" => Results.Bytes(reencoded, "image/jpeg"),
                "flaky.jpg" => Results.StatusCode(500),
                _ => Results.Bytes(jpeg, "image/jpeg"),
            }));
        string[] names = ["a.jpg", "gone.jpg", "reencoded.jpg", "swapped.jpg", "b.jpg", "flaky.jpg"];
        var list = _folder.Combine("list.jsonl");
        await File.WriteAllLinesAsync(list, names.Select((n, i) => JsonSerializer.Serialize(new { url = site.Url("/img/" + n).AbsoluteUri, caption = $"picture {i}" })));
        var config = _folder.Combine("no-retries.json");
        await File.WriteAllTextAsync(config, """{"Crawler": {"Fetching": {"Retries": 0}}}""");
        var store = _folder.Combine("store");
        var fetched = await RunAsync("crawl", "fetch", list, "--out", store, "--allow-loopback", "--chunk", "3", "--size", "64", "--config", config);
        Assert.Equal(0, fetched.ExitCode);
        Volatile.Write(ref changed, true);

        var refresh = await RunAsync("crawl", "refresh", store, "--allow-loopback", "--size", "64", "--config", config);
        Assert.Equal(0, refresh.ExitCode);
        Assert.Contains("6 samples in 2 shards: 3 alive, 1 changed, 1 dead, 1 unreachable", refresh.Stdout[0], StringComparison.Ordinal);
        Assert.Equal("  statuses: 200 4, 404 1, 500 1", refresh.Stdout[1]);
        var lines = (await File.ReadAllLinesAsync(Path.Combine(store, "refresh", "0001", "refresh.jsonl"))).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var classes = lines.ToDictionary(l => l.GetProperty("url").GetString()![(site.BaseUri.AbsoluteUri.Length + 4)..], l => l.GetProperty("class").GetString());
        Assert.Equal(
            new Dictionary<string, string?> { ["a.jpg"] = "alive", ["gone.jpg"] = "dead", ["reencoded.jpg"] = "alive", ["swapped.jpg"] = "changed", ["b.jpg"] = "alive", ["flaky.jpg"] = "unreachable" },
            classes);
        Assert.Contains(lines, l => l.GetProperty("class").GetString() == "dead" && l.GetProperty("status").GetInt32() == 404);
        using (var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(store, "refresh", "0001", "summary.json"))))
        {
            Assert.Equal(6, summary.RootElement.GetProperty("samples").GetInt64());
            Assert.Equal(3, summary.RootElement.GetProperty("byClass").GetProperty("alive").GetInt64());
        }

        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(store, "refresh", RefreshFolderFile)));

        // An interrupted run (its second shard and summary not yet written) resumes: only that shard is fetched again.
        File.Delete(Path.Combine(store, "refresh", "0001", "summary.json"));
        File.Delete(Path.Combine(store, "refresh", "0001", "shards", "list-00001-00000.jsonl"));
        var resumed = await RunAsync("crawl", "refresh", store, "--allow-loopback", "--size", "64", "--config", config);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("run 0001: 6 samples in 2 shards: 3 alive, 1 changed, 1 dead, 1 unreachable", resumed.Stdout[0], StringComparison.Ordinal);
        Assert.Equal((2, 3), (site.TimesOf("/img/a.jpg").Count, site.TimesOf("/img/b.jpg").Count));
        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(store, "refresh", RefreshFolderFile)));

        var output = _folder.Combine("refreshed");
        var apply = await RunAsync("crawl", "refresh", store, "--apply", "--out", output, "--allow-loopback", "--size", "64");
        var again = await RunAsync("crawl", "refresh", store, "--apply", "--out", output, "--allow-loopback", "--size", "64");
        var verify = await RunAsync("shard", "verify", output);

        Assert.Equal(0, apply.ExitCode);
        Assert.Contains("run 0001", apply.Stdout[0], StringComparison.Ordinal);
        Assert.Contains(apply.Stdout, l => l.Contains("applied run 0001: 2 dead or changed samples removed from 2 shards (0 already applied)", StringComparison.Ordinal));
        Assert.Equal(0, again.ExitCode);
        Assert.Contains(again.Stdout, l => l.Contains("0 dead or changed samples removed from 2 shards (2 already applied)", StringComparison.Ordinal));
        Assert.Equal(0, verify.ExitCode);
        Assert.Equal([1], ReadRuns(store));

        var before = await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None);
        var after = await new ManifestStore(new LocalFolderStore(output)).LoadAsync(CancellationToken.None);
        Assert.Equal(6, before.TotalSamples);
        Assert.Equal(4, after.TotalSamples);
        Assert.Equal(before.Shards.Select(s => s.Name), after.Shards.Select(s => s.Name));
        var diff = (await File.ReadAllLinesAsync(Path.Combine(store, "refresh", "0001", "diff.jsonl"))).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var removed = diff.SelectMany(d => d.GetProperty("removedKeys").EnumerateArray().Select(k => k.GetString())).Order(StringComparer.Ordinal).ToList();
        var expected = lines.Where(l => l.GetProperty("class").GetString() is "dead" or "changed").Select(l => l.GetProperty("key").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, removed);
        Assert.All(diff, d => Assert.Equal(d.GetProperty("old").GetProperty("samples").GetInt64() - d.GetProperty("removedKeys").GetArrayLength(), d.GetProperty("new").GetProperty("samples").GetInt64()));

        // In place: the checked store's shards lose the same samples through the commit protocol, once.
        var inPlace = await RunAsync("crawl", "refresh", store, "--apply", "--allow-loopback", "--size", "64");
        var inPlaceAgain = await RunAsync("crawl", "refresh", store, "--apply", "--allow-loopback", "--size", "64");
        var verifyInPlace = await RunAsync("shard", "verify", store);

        Assert.Equal(0, inPlace.ExitCode);
        Assert.Contains(inPlace.Stdout, l => l.Contains("applied run 0001 in place: 2 dead or changed samples removed", StringComparison.Ordinal));
        Assert.Contains(inPlaceAgain.Stdout, l => l.Contains("applied run 0001 in place: 0 dead or changed samples removed", StringComparison.Ordinal));
        Assert.Equal(0, verifyInPlace.ExitCode);
        var refreshed = await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None);
        Assert.Equal(4, refreshed.TotalSamples);
        Assert.Equal(before.Shards.Select(s => s.Name), refreshed.Shards.Select(s => s.Name));
        var left = await ShardLineageColumns.ReadStoreAsync(store);
        Assert.Empty(left.Select(r => r.Key).Intersect(expected, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_missing_store_a_bad_flag_and_out_without_apply_are_one_error_line_with_exit_code_2()
    {
        var missing = await RunAsync("crawl", "refresh", _folder.Combine("nothing-here"));
        var distance = await RunAsync("crawl", "refresh", _folder.Path, "--max-distance", "65");
        var outAlone = await RunAsync("crawl", "refresh", _folder.Path, "--out", _folder.Combine("elsewhere"));
        var empty = await RunAsync("crawl", "refresh", _folder.Path);

        foreach (var (result, text) in new[] { (missing, "no such folder"), (distance, "--max-distance"), (outAlone, "--out is only used with --apply"), (empty, "has no committed shards") })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(result.Stderr, l => l.StartsWith("pipeline: error: ", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal));
        }

        Assert.False(Directory.Exists(_folder.Combine("nothing-here")));
    }

    private const string RefreshFolderFile = "datacard.jsonl";

    private static List<int> ReadRuns(string store) =>
        [.. Directory.GetDirectories(Path.Combine(store, "refresh")).Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))];
}
