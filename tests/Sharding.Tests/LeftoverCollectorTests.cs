using Pipeline.Sharding.Leftovers;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Verification;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

/// <summary>What dead writers leave goes; what live writers hold stays (their locks are real OS locks, held in this process).</summary>
public sealed class LeftoverCollectorTests
{
    private const string DeadStaging = "shards/.tmp-part-00007.0123456789ab.parquet.5f0e7c2a9b1d4e3f8a6b0c1d2e3f4a5b";
    private const string DeadPublished = "shards/part-00008.0123456789ab.parquet";
    private const string DeadManifestStaging = ".tmp-manifest.json.9b1d4e3f8a6b0c1d2e3f4a5b5f0e7c2a";

    [Fact]
    public async Task A_writer_starting_on_a_store_removes_dead_leftovers_but_no_live_writers_files()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        // A store with a manifest, made without a writer: the writer under test must be this process's first.
        Assert.True(await store.TryReplaceAsync(ManifestStore.ManifestPath, ManifestStore.Serialize(ShardManifest.Empty), null, CancellationToken.None));
        WriteDeadLeftovers(folder);
        await using var liveStaging = await store.BeginWriteAsync("shards/live-00000.aaaaaaaaaaaa.parquet", CancellationToken.None);
        await liveStaging.Stream.WriteAsync(new byte[5000]);
        // Published but not yet committed: its writer is between the rename and the manifest commit.
        var livePublished = await store.BeginWriteAsync("shards/live-00001.bbbbbbbbbbbb.parquet", CancellationToken.None);
        await livePublished.Stream.WriteAsync(new byte[3000]);
        await livePublished.CommitAsync(CancellationToken.None);

        var commits = await TestSamples.WriteAsync(new LocalFolderStore(folder.Path), 30, shardSamples: 30, rowGroupSamples: 10);

        var left = Files(folder);
        Assert.DoesNotContain(DeadStaging, left);
        Assert.DoesNotContain(DeadPublished, left);
        Assert.DoesNotContain(DeadManifestStaging, left);
        Assert.Contains("shards/live-00001.bbbbbbbbbbbb.parquet", left);
        Assert.Single(left, f => f.StartsWith("shards/.tmp-live-00000.aaaaaaaaaaaa.parquet.", StringComparison.Ordinal));
        Assert.Contains(Assert.Single(commits).Entry.Path, left);

        // Once its writer is done without committing, the published file is a leftover too.
        await livePublished.DisposeAsync();
        var collected = await LeftoverCollector.CollectAsync(store, CancellationToken.None);
        var published = Assert.Single(collected, l => !l.IsStaging);
        Assert.Equal(new Leftover("shards/live-00001.bbbbbbbbbbbb.parquet", 3000, false, true, "published but never committed, its writer is gone"), published);
        var staging = Assert.Single(collected, l => l.IsStaging);
        Assert.False(staging.Removed);
        Assert.Equal("staging file, in use by a live writer", staging.Note);
        Assert.Equal(commits.Select(c => c.Entry.Path).Append(staging.Path).Append(ManifestStore.ManifestPath).Order(StringComparer.Ordinal), Files(folder));
    }

    [Fact]
    public async Task Verify_only_warns_about_leftovers_and_collecting_removes_and_lists_them()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var committed = (await TestSamples.WriteAsync(store, 20, shardSamples: 20, rowGroupSamples: 10)).Single().Entry;
        WriteDeadLeftovers(folder);

        var report = await ShardVerifier.VerifyAsync(store, null, CancellationToken.None);
        Assert.False(report.HasErrors);
        Assert.Equal([DeadStaging, DeadPublished], report.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.Equal(5, Files(folder).Count);

        var collected = await LeftoverCollector.CollectAsync(store, CancellationToken.None);
        Assert.Equal(
            [
                new Leftover(DeadManifestStaging, 10, true, true, "staging file, its writer is gone"),
                new Leftover(DeadStaging, 1000, true, true, "staging file, its writer is gone"),
                new Leftover(DeadPublished, 2000, false, true, "published but never committed, its writer is gone"),
            ],
            collected.OrderBy(l => l.Path, StringComparer.Ordinal));
        Assert.Equal([ManifestStore.ManifestPath, committed.Path], Files(folder));
        Assert.Empty((await ShardVerifier.VerifyAsync(store, null, CancellationToken.None)).Problems);
    }

    [Fact]
    public async Task Without_a_manifest_only_staging_files_are_leftovers()
    {
        using var folder = new TemporaryFolder();
        WriteDeadLeftovers(folder);

        var collected = await LeftoverCollector.CollectAsync(new LocalFolderStore(folder.Path), CancellationToken.None);

        Assert.Equal([DeadManifestStaging, DeadStaging], collected.Select(l => l.Path).Order(StringComparer.Ordinal));
        Assert.Equal([DeadPublished], Files(folder));
    }

    /// <summary>Files as a writer SIGKILLed at different moments leaves them: nobody holds them any more.</summary>
    private static void WriteDeadLeftovers(TemporaryFolder folder)
    {
        Directory.CreateDirectory(folder.Combine(ShardWriter.ShardFolder));
        File.WriteAllBytes(folder.Combine(DeadStaging), new byte[1000]);
        File.WriteAllBytes(folder.Combine(DeadPublished), new byte[2000]);
        File.WriteAllBytes(folder.Combine(DeadManifestStaging), new byte[10]);
    }

    private static List<string> Files(TemporaryFolder folder) =>
        [.. Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder.Path, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => !f.EndsWith(".lock", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
}
