using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Curation.Queries;
using Pipeline.Curation.Tests.Queries;
using Pipeline.Orchestrator.Campaigns;
using Pipeline.Sharding.Progress;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>A campaign builds its queries from a Wikipedia dump and pageviews exactly as <c>queries build</c> does.</summary>
public sealed class CampaignQueriesTests
{
    [Fact]
    public async Task Campaign_queries_from_a_dump_and_pageviews_are_the_command_s_entries_plus_the_extra_ones()
    {
        using var folder = new TemporaryFolder("campaign-queries");
        var (dump, _, _) = WikiDumps.WriteMultistream(folder.Path, "enwiki-20240501-pages-articles", WikiDumps.Generated(300, seed: 5), pagesPerStream: 30);
        var views = Directory.CreateDirectory(folder.Combine("views")).FullName;
        WikiDumps.WritePageviews(Path.Combine(views, "pageviews-20240501-100000.gz"), "en Golden_Gate_Bridge 90 0", "en Talk:Bridge 900 0");
        var output = folder.Combine("queries.parquet");

        var build = await PipelineExecutable.RunAsync(
            ["queries", "build", "--wiki", dump, "--pageviews", views, "--no-wordnet", "--out", output, "--min-word-count", "30", "--min-bigram-count", "5", "--min-bigram-pmi", "2", "--max-number", "9", "--partition-mb", "0"]);
        Assert.True(build.ExitCode == 0, string.Join('\n', build.Stdout.Concat(build.Stderr)));
        var command = await QueryEntryFile.ReadAsync(output, CancellationToken.None);

        var specFile = folder.Combine("spec.json");
        var spec = new JsonObject
        {
            ["name"] = "wiki",
            ["output"] = folder.Combine("campaign"),
            ["sources"] = new JsonObject { ["seeds"] = new JsonArray("http://example.org/") },
            ["queries"] = new JsonObject
            {
                ["wordNet"] = false,
                ["wikipedia"] = dump,
                ["pageviews"] = new JsonArray(views),
                ["extra"] = new JsonArray("zebra crossing", "Golden Gate Bridge"),
                ["build"] = new JsonObject { ["minUnigramCount"] = 30, ["minBigramCount"] = 5, ["minBigramPmi"] = 2, ["maxNumber"] = 9, ["partitionBytes"] = 1 },
            },
        };
        await File.WriteAllTextAsync(specFile, spec.ToJsonString());
        using var runner = new CampaignStageRunner(await CampaignSpecFile.LoadAsync(specFile, CancellationToken.None), new ShardStoreOptions(), NullLoggerFactory.Instance);
        var lines = new List<string>();
        var count = await runner.BuildQueriesAsync(new QueryWorker(new QueryCounters()), new ImmediateProgress<StageProgress>(p => lines.Add(p.ToString())), CancellationToken.None);

        var entries = JsonSerializer.Deserialize<List<string>>(await File.ReadAllBytesAsync(runner.Paths.Entries))!;
        Assert.Equal(count, entries.Count);
        Assert.Equal([.. command.Select(e => e.Text), "zebra crossing"], entries);
        Assert.Contains("Golden Gate Bridge", entries);
        Assert.Contains(command, e => e.Sources.HasFlag(QuerySources.Bigram));
        Assert.Contains(lines, l => l.StartsWith("queries: wrote ", StringComparison.Ordinal));

        // The built entries keep their sources and counts, as the command's file does.
        var built = await QueryEntryFile.ReadAsync(runner.Paths.BuiltEntries, CancellationToken.None);
        Assert.Equal(command, built);
    }
}
