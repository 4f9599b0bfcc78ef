using Pipeline.Curation.Queries;
using Pipeline.Curation.Tests.Queries;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

public sealed class QueriesCommandTests
{
    [Fact]
    public async Task Build_from_a_multistream_dump_pageviews_and_wordnet_then_stats()
    {
        using var folder = new TemporaryFolder("queries-cli");
        var (dump, _, _) = WikiDumps.WriteMultistream(folder.Path, "enwiki-20240501-pages-articles", WikiDumps.Generated(400, seed: 11), pagesPerStream: 40);
        var views = Directory.CreateDirectory(Path.Combine(folder.Path, "views")).FullName;
        WikiDumps.WritePageviews(Path.Combine(views, "pageviews-20240501-100000.gz"), "en Golden_Gate_Bridge 90 0", "en Talk:Bridge 900 0");
        var output = Path.Combine(folder.Path, "queries.parquet");

        var build = await PipelineExecutable.RunAsync(
            ["queries", "build", "--wiki", dump, "--pageviews", views, "--out", output, "--min-word-count", "30", "--min-bigram-count", "5", "--min-bigram-pmi", "2", "--partition-mb", "0", "--parallel", "2"]);
        Assert.True(build.ExitCode == 0, string.Join('\n', build.Stdout.Concat(build.Stderr)));
        Assert.Contains(build.Stderr, l => l.StartsWith("count: ", StringComparison.Ordinal) && l.Contains("tokens/s", StringComparison.Ordinal) && l.Contains("ETA", StringComparison.Ordinal));
        Assert.Contains(build.Stdout, l => l.StartsWith("queries: ", StringComparison.Ordinal) && l.Contains("wordnet", StringComparison.Ordinal));

        var entries = await QueryEntryFile.ReadAsync(output, CancellationToken.None);
        Assert.Contains(entries, e => e.Text == "Golden Gate Bridge" && e.Views == 90);
        Assert.Contains(entries, e => e.Sources.HasFlag(QuerySources.Bigram));
        Assert.Contains(entries, e => e.Text == "dog" && e.Sources.HasFlag(QuerySources.WordNet));
        Assert.True(File.Exists(QuerySummary.PathFor(output)));

        var stats = await PipelineExecutable.RunAsync(["queries", "stats", output]);
        Assert.True(stats.ExitCode == 0, string.Join('\n', stats.Stdout.Concat(stats.Stderr)));
        Assert.Contains(stats.Stdout, l => l.Contains($"{entries.Count:N0} entries", StringComparison.Ordinal));
        Assert.Contains(stats.Stdout, l => l.StartsWith("  top titles: Golden Gate Bridge (90 views)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_inputs_and_bad_thresholds_are_configuration_errors()
    {
        using var folder = new TemporaryFolder("queries-errors");
        var missing = await PipelineExecutable.RunAsync(["queries", "build", "--wiki", "/nonexistent/enwiki.xml.bz2", "--out", folder.Path + "/q.parquet"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains(missing.Stderr, l => l.Contains("/nonexistent/enwiki.xml.bz2 does not exist", StringComparison.Ordinal));

        var bad = await PipelineExecutable.RunAsync(["queries", "build", "--out", folder.Path + "/q.parquet", "--buckets", "0"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains(bad.Stderr, l => l.Contains("--buckets must be between 1 and 4096, got 0", StringComparison.Ordinal));

        var notEntries = Path.Combine(folder.Path, "x.parquet");
        await File.WriteAllTextAsync(notEntries, "not parquet");
        var stats = await PipelineExecutable.RunAsync(["queries", "stats", notEntries]);
        Assert.Equal(2, stats.ExitCode);
        Assert.Contains(stats.Stderr, l => l.StartsWith($"pipeline: error: {notEntries}: not a Parquet file", StringComparison.Ordinal));
    }
}
