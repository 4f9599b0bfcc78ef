using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary><c>pipeline shard ...</c> as a user runs it, including a writer killed mid-shard.</summary>
public sealed class ShardCommandTests
{
    private const int Samples = 50_000;

    [Fact]
    public async Task A_writer_killed_mid_shard_leaves_a_consistent_manifest_and_a_rerun_completes_it()
    {
        using var folder = new TemporaryFolder();
        var store = folder.Combine("store");
        string[] generate = ["shard", "generate", store, "--samples", $"{Samples}", "--shard-samples", "5000", "--row-group-samples", "500", "--side", "32"];

        await KilledShardWriter.RunAsync(generate, store);

        var afterCrash = await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None);
        Assert.Single(afterCrash.Shards);
        Assert.All(afterCrash.Shards, s => Assert.Equal(5000, s.Samples));
        var verify = await PipelineExecutable.RunAsync(["shard", "verify", store]);
        Assert.True(verify.ExitCode == 0, string.Join('\n', verify.Stdout.Concat(verify.Stderr)));
        // Killed after publishing its next shard, before committing it: a warning, and the manifest is intact.
        Assert.Contains(verify.Stdout, line => line.Contains("not in the manifest", StringComparison.Ordinal));

        var rerun = await PipelineExecutable.RunAsync(generate);
        Assert.True(rerun.ExitCode == 0, string.Join('\n', rerun.Stdout.Concat(rerun.Stderr)));
        Assert.Equal(afterCrash.Shards.Count, rerun.Stderr.Count(line => line.Contains(" alreadycommitted:", StringComparison.Ordinal)));

        var manifest = await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None);
        Assert.Equal(10, manifest.Shards.Count);
        Assert.Equal(afterCrash.Shards.Select(s => s.Path), manifest.Shards.Take(afterCrash.Shards.Count).Select(s => s.Path));
        var keys = new HashSet<string>();
        await foreach (var sample in new ShardStreamReader(new LocalFolderStore(store), manifest, new ShardStreamOptions { Epochs = 1 }).ReadAsync())
        {
            Assert.True(keys.Add(sample.Key), $"sample {sample.Key} read twice");
        }

        Assert.Equal(Samples, keys.Count);
    }

    [Fact]
    public async Task Verify_exits_1_naming_a_damaged_row_group_and_stats_inspect_read_a_clean_store()
    {
        using var folder = new TemporaryFolder();
        var store = folder.Combine("store");
        var generate = await PipelineExecutable.RunAsync(["shard", "generate", store, "--samples", "300", "--shard-samples", "100", "--row-group-samples", "50"]);
        Assert.Equal(0, generate.ExitCode);

        var stats = await PipelineExecutable.RunAsync(["shard", "stats", store, "--json"]);
        Assert.Equal(0, stats.ExitCode);
        Assert.Contains("\"samples\": 300", string.Join('\n', stats.Stdout), StringComparison.Ordinal);
        var inspect = await PipelineExecutable.RunAsync(["shard", "inspect", store, "--rows", "2"]);
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains(inspect.Stdout, line => line.Contains("jpg=UNCOMPRESSED", StringComparison.Ordinal));

        var entry = (await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None)).Shards[1];
        using (var file = new FileStream(Path.Combine(store, entry.Path), FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = entry.RowGroups[1].Offset + 100;
            var value = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)~value);
        }

        var verify = await PipelineExecutable.RunAsync(["shard", "verify", store]);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains(verify.Stdout, line => line.StartsWith("ERROR", StringComparison.Ordinal) && line.Contains(entry.Name, StringComparison.Ordinal) && line.Contains("row group 1", StringComparison.Ordinal));

        var missing = await PipelineExecutable.RunAsync(["shard", "verify", folder.Combine("nowhere")]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains(missing.Stderr, line => line.Contains("manifest.json does not exist", StringComparison.Ordinal));
    }
}
