using Pipeline.Orchestrator.Shards;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Orchestrator.Tests;

/// <summary>Leftovers of killed writers, <c>shard verify --clean</c>, and full or read-only stores, as a user meets them.</summary>
public sealed class ShardLeftoverCommandTests
{
    [Fact]
    public async Task Verify_warns_about_a_killed_writers_leftovers_and_clean_removes_them_listing_each()
    {
        using var folder = new TemporaryFolder();
        var store = folder.Combine("store");
        await KilledShardWriter.RunAsync(Generate(store, 20_000), store);
        var leftovers = await UncommittedAsync(store);
        Assert.NotEmpty(leftovers);

        var verify = await PipelineExecutable.RunAsync(["shard", "verify", store]);
        Assert.True(verify.ExitCode == 0, Transcript(verify));
        Assert.Equal(leftovers.Count, verify.Stdout.Count(line => line.StartsWith("warning: ", StringComparison.Ordinal)));
        Assert.Equal(leftovers, await UncommittedAsync(store));

        var clean = await PipelineExecutable.RunAsync(["shard", "verify", store, "--clean"]);
        Assert.True(clean.ExitCode == 0, Transcript(clean));
        Assert.Equal(leftovers, clean.Stdout.Where(line => line.StartsWith("removed: ", StringComparison.Ordinal)).Select(line => line.Split(' ')[1]).Order(StringComparer.Ordinal));
        Assert.Contains($"clean: removed {leftovers.Count} leftovers", string.Join('\n', clean.Stdout), StringComparison.Ordinal);
        Assert.DoesNotContain(clean.Stdout, line => line.StartsWith("warning: ", StringComparison.Ordinal));
        Assert.Empty(await UncommittedAsync(store));
    }

    [Fact]
    public async Task A_rerun_after_a_kill_removes_the_killed_writers_leftovers()
    {
        using var folder = new TemporaryFolder();
        var store = folder.Combine("store");
        string[] generate = Generate(store, 20_000);
        await KilledShardWriter.RunAsync(generate, store);
        Assert.NotEmpty(await UncommittedAsync(store));

        var rerun = await PipelineExecutable.RunAsync(generate);

        Assert.True(rerun.ExitCode == 0, Transcript(rerun));
        Assert.Empty(await UncommittedAsync(store));
        Assert.Equal(10, (await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None)).Shards.Count);
    }

    [Fact]
    public async Task Verify_clean_in_another_process_keeps_a_live_writers_staging_file()
    {
        using var folder = new TemporaryFolder();
        var store = folder.Combine("store");
        Assert.Equal(0, (await PipelineExecutable.RunAsync(Generate(store, 10))).ExitCode);
        var samples = new SyntheticSamples(32, 7);
        await using var live = new ShardWriter(new LocalFolderStore(store), new ShardWriterOptions { NamePrefix = "live", TargetSamples = 1000, RowGroupSamples = 10 });
        for (var i = 0; i < 20; i++)
        {
            await live.WriteAsync(samples.Create(i), CancellationToken.None);
        }

        var staging = Assert.Single(Directory.GetFiles(Path.Combine(store, "shards"), ".tmp-live-*"));
        // Made after the live writer started: its own start would have collected it.
        var dead = Path.Combine(store, "shards", ".tmp-synthetic-00005.0123456789ab.parquet.5f0e7c2a9b1d4e3f8a6b0c1d2e3f4a5b");
        await File.WriteAllBytesAsync(dead, new byte[1000]);

        var clean = await PipelineExecutable.RunAsync(["shard", "verify", store, "--clean"]);

        Assert.True(clean.ExitCode == 0, Transcript(clean));
        Assert.Contains($"removed: shards/{Path.GetFileName(dead)} (1000 bytes): staging file, its writer is gone", clean.Stdout);
        Assert.Contains(clean.Stdout, line => line.StartsWith($"kept: shards/{Path.GetFileName(staging)} (", StringComparison.Ordinal) && line.EndsWith("): staging file, in use by a live writer", StringComparison.Ordinal));
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(staging));
        Assert.Equal(CommitOutcome.Committed, Assert.Single(await live.CompleteAsync(CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Generate_on_a_full_disk_exits_2_naming_the_shard_and_leaves_nothing_then_a_rerun_that_fits_succeeds()
    {
        using var tmpfs = new SmallTmpfs(1 << 20);
        var store = tmpfs.Combine("store");

        var full = await PipelineExecutable.RunAsync(Generate(store, 5000, side: 64));

        Assert.True(full.ExitCode == 2, Transcript(full));
        var error = Assert.Single(full.Stderr, line => line.StartsWith("pipeline: error: ", StringComparison.Ordinal));
        Assert.Matches($@"^pipeline: error: cannot write shard synthetic-00000 to {store}/shards/synthetic-00000\.[0-9a-f]{{12}}\.parquet: no space left on device$", error);
        Assert.DoesNotContain(Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories), f => !f.EndsWith(".lock", StringComparison.Ordinal));

        var rerun = await PipelineExecutable.RunAsync(Generate(store, 100, side: 64));
        Assert.True(rerun.ExitCode == 0, Transcript(rerun));
    }

    [Fact]
    public async Task Generate_on_a_read_only_store_exits_2_at_once_saying_so()
    {
        using var tmpfs = new SmallTmpfs(1 << 20);
        var store = tmpfs.Combine("store");
        Assert.Equal(0, (await PipelineExecutable.RunAsync(Generate(store, 10))).ExitCode);
        tmpfs.Remount(readOnly: true);

        var readOnly = await PipelineExecutable.RunAsync(["shard", "generate", store, "--samples", "10", "--prefix", "more"]);

        Assert.True(readOnly.ExitCode == 2, Transcript(readOnly));
        Assert.Matches($@"^pipeline: error: cannot write shard more-00000 to {store}/shards/more-00000\.[0-9a-f]{{12}}\.parquet: read-only file system$", Assert.Single(readOnly.Stderr));
    }

    private static string[] Generate(string store, int samples, int side = 32) =>
        ["shard", "generate", store, "--samples", $"{samples}", "--shard-samples", "2000", "--row-group-samples", "200", "--side", $"{side}"];

    /// <summary>Files under shards/ that the manifest does not list: staging files and never-committed shards.</summary>
    private static async Task<List<string>> UncommittedAsync(string store)
    {
        var listed = (await new ManifestStore(new LocalFolderStore(store)).LoadAsync(CancellationToken.None)).Shards.Select(s => s.Path).ToHashSet();
        return [.. Directory.GetFiles(Path.Combine(store, ShardWriter.ShardFolder))
            .Select(f => $"{ShardWriter.ShardFolder}/{Path.GetFileName(f)}")
            .Where(f => !listed.Contains(f))
            .Order(StringComparer.Ordinal)];
    }

    private static string Transcript((int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr) run) =>
        $"exit {run.ExitCode}\n{string.Join('\n', run.Stdout)}\n{string.Join('\n', run.Stderr)}";
}
