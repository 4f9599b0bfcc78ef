using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A campaign's extract reads img2dataset-style URL lists, with their own column names, into the key-cut partitions.</summary>
public sealed class CampaignExtractTests
{
    [Fact]
    public async Task Url_lists_of_any_format_go_into_sorted_distinct_partitions_through_spilled_runs()
    {
        using var folder = new TemporaryFolder("campaign-extract");
        var csv = folder.Combine("list.csv");
        await File.WriteAllLinesAsync(csv, ["URL,TEXT", .. Enumerable.Range(0, 60).Select(i => $"https://img.example/{i}.jpg,a photo of cat {i}"), "https://img.example/untitled.jpg,"]);
        var jsonl = folder.Combine("more.jsonl");

        // Half the JSON lines repeat pairs of the CSV list; each pair must be written once.
        await File.WriteAllLinesAsync(jsonl, Enumerable.Range(30, 60).Select(i => $$"""{"URL":"https://img.example/{{i}}.jpg","TEXT":"a photo of cat {{i}}"}"""));
        var spec = new JsonObject
        {
            ["name"] = "lists",
            ["output"] = folder.Combine("campaign"),
            ["sources"] = new JsonObject
            {
                ["candidates"] = new JsonArray(csv, jsonl),
                ["columns"] = new JsonObject { ["url"] = "URL", ["caption"] = "TEXT" },
                ["partitions"] = 3,
                ["spillAfter"] = 7,
            },
        };
        var specFile = folder.Combine("spec.json");
        await File.WriteAllTextAsync(specFile, spec.ToJsonString());
        using var runner = new CampaignStageRunner(await CampaignSpecFile.LoadAsync(specFile, CancellationToken.None), new ShardStoreOptions(), NullLoggerFactory.Instance);
        var lines = new List<string>();

        var distinct = await runner.ExtractAsync(new ImmediateProgress<StageProgress>(p => lines.Add(p.ToString())), CancellationToken.None);

        Assert.Equal(90, distinct);
        Assert.True(lines.Any(l => l.Contains("list.csv", StringComparison.Ordinal) && l.Contains("untitled.jpg", StringComparison.Ordinal)), string.Join("\n", lines));
        var keys = new List<string>();
        for (var p = 0; p < 3; p++)
        {
            var part = new List<string>();
            foreach (var line in await File.ReadAllLinesAsync(Path.Combine(runner.Paths.Candidates, $"part-{p:D4}.jsonl")))
            {
                var json = JsonNode.Parse(line)!;
                var url = json["url"]!.GetValue<string>();
                var caption = json["caption"]!.GetValue<string>();
                Assert.Equal(SampleKey.Derive(url, caption), json["key"]!.GetValue<string>());
                part.Add(json["key"]!.GetValue<string>());
            }

            Assert.Equal(part.Order(StringComparer.Ordinal), part);
            keys.AddRange(part);
        }

        Assert.Equal(90, keys.Distinct().Count());
        Assert.Equal(90, keys.Count);
        Assert.False(Directory.Exists(Path.Combine(runner.Paths.Candidates, ".extract-runs")));
    }
}
