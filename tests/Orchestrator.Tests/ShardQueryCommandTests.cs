using System.Text.Json;
using Pipeline.Curation.Tests;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary><c>pipeline shard query</c>: SQL through DuckDB over the committed samples and curation's dropped records.</summary>
public sealed class ShardQueryCommandTests
{
    [Fact]
    public async Task Samples_are_the_committed_shards_only_and_print_as_a_table_json_or_csv()
    {
        using var folder = new TemporaryFolder("shard-query");
        var store = folder.Combine("store");
        var generate = await PipelineExecutable.RunAsync(["shard", "generate", store, "--samples", "250", "--shard-samples", "100", "--side", "16"]);
        Assert.True(generate.ExitCode == 0, string.Join('\n', generate.Stdout.Concat(generate.Stderr)));
        var manifest = await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None);
        // A shard file never committed (a copy of a committed one under another name) must not be read.
        File.Copy(Path.Combine(store, manifest.Shards[0].Path), Path.Combine(store, "synthetic-00009.parquet"));

        var count = await PipelineExecutable.RunAsync(["shard", "query", store, "SELECT count(*) AS n, count(DISTINCT key) AS keys FROM samples", "--json"]);
        Assert.True(count.ExitCode == 0, string.Join('\n', count.Stdout.Concat(count.Stderr)));
        using (var json = JsonDocument.Parse(string.Join('\n', count.Stdout)))
        {
            var row = Assert.Single(json.RootElement.EnumerateArray());
            Assert.Equal((250, 250), (row.GetProperty("n").GetInt64(), row.GetProperty("keys").GetInt64()));
        }

        var table = await PipelineExecutable.RunAsync(["shard", "query", store, "SELECT key, width, jpg FROM samples ORDER BY key LIMIT 2"]);
        Assert.True(table.ExitCode == 0, string.Join('\n', table.Stdout.Concat(table.Stderr)));
        Assert.Matches(@"^key\s+\| width \| jpg", table.Stdout[0]);
        Assert.Matches(@"^\S+\s+\| \d+\s+\| <\d+ bytes>$", table.Stdout[2]);
        Assert.Equal("(2 rows)", table.Stdout[^1]);

        var csv = await PipelineExecutable.RunAsync(["shard", "query", store, "SELECT 'a, \"b\"' AS text, 3 AS n FROM samples LIMIT 3", "--csv", "--limit", "2"]);
        Assert.True(csv.ExitCode == 0, string.Join('\n', csv.Stdout.Concat(csv.Stderr)));
        Assert.Equal(["text,n", "\"a, \"\"b\"\"\",3", "\"a, \"\"b\"\"\",3"], csv.Stdout);
        Assert.Contains(csv.Stderr, l => l.Contains("more than 2 rows; the first 2 printed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dropped_records_of_the_curation_steps_are_queryable_with_their_step_and_shard()
    {
        using var folder = new TemporaryFolder("shard-query-dropped");
        var (samples, drops) = CurationInputs.WithDuplicates();
        var input = folder.Combine("fetched");
        await CurationInputs.WriteAsync(input, samples, perShard: 6);
        var deduped = folder.Combine("deduped");
        var dedup = await PipelineExecutable.RunAsync(["curate", "dedup", input, "--out", deduped]);
        Assert.True(dedup.ExitCode == 0, string.Join('\n', dedup.Stdout.Concat(dedup.Stderr)));

        var query = await PipelineExecutable.RunAsync(["shard", "query", deduped, "SELECT step, reason, count(*) AS n, count(DISTINCT shard) AS shards FROM dropped GROUP BY ALL ORDER BY reason", "--json"]);
        Assert.True(query.ExitCode == 0, string.Join('\n', query.Stdout.Concat(query.Stderr)));
        using var json = JsonDocument.Parse(string.Join('\n', query.Stdout));
        var byReason = json.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("reason").GetString()!, r => r.GetProperty("n").GetInt64());
        Assert.Equal(drops.GroupBy(d => d.Value.Reason).ToDictionary(g => g.Key, g => (long)g.Count()), byReason);
        Assert.All(json.RootElement.EnumerateArray(), r => Assert.Equal("dedup", r.GetProperty("step").GetString()));

        // A near duplicate names the sample it was dropped for, which the samples view still holds.
        var kept = await PipelineExecutable.RunAsync(["shard", "query", deduped, "SELECT count(*) FROM dropped d JOIN samples s ON s.key = d.duplicate_of WHERE d.reason = 'near_duplicate'", "--csv"]);
        Assert.True(kept.ExitCode == 0, string.Join('\n', kept.Stdout.Concat(kept.Stderr)));
        Assert.Equal(byReason["near_duplicate"].ToString(System.Globalization.CultureInfo.InvariantCulture), kept.Stdout[1]);
    }

    [Fact]
    public async Task A_store_on_azure_blob_is_copied_committed_files_only_and_queried_the_same()
    {
        using var azurite = await AzuriteServer.StartAsync();
        var environment = new Dictionary<string, string> { ["PIPELINE_Sharding__Storage__AzureConnectionString"] = azurite.ConnectionString };
        var generate = await PipelineExecutable.RunAsync(["shard", "generate", "azure://shards/query", "--samples", "120", "--shard-samples", "50", "--side", "16"], environment);
        Assert.True(generate.ExitCode == 0, string.Join('\n', generate.Stdout.Concat(generate.Stderr)));

        var query = await PipelineExecutable.RunAsync(["shard", "query", "azure://shards/query", "SELECT count(*) AS n, min(key) < max(key) AS ordered FROM samples", "--csv", "-v"], environment);
        Assert.True(query.ExitCode == 0, string.Join('\n', query.Stdout.Concat(query.Stderr)));
        Assert.Equal(["n,ordered", "120,true"], query.Stdout);
        Assert.Equal(3, query.Stderr.Count(l => l.StartsWith("query: copying ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Bad_sql_is_one_error_line_with_exit_2()
    {
        using var folder = new TemporaryFolder("shard-query-bad");
        var store = folder.Combine("store");
        Assert.Equal(0, (await PipelineExecutable.RunAsync(["shard", "generate", store, "--samples", "10", "--side", "16"])).ExitCode);

        var bad = await PipelineExecutable.RunAsync(["shard", "query", store, "SELECT nope FROM samples"]);
        Assert.Equal(2, bad.ExitCode);
        var line = Assert.Single(bad.Stderr, l => l.StartsWith("pipeline: error: query: ", StringComparison.Ordinal));
        Assert.Contains("nope", line, StringComparison.Ordinal);
        var both = await PipelineExecutable.RunAsync(["shard", "query", store, "SELECT 1", "--json", "--csv"]);
        Assert.Equal(2, both.ExitCode);
    }
}
