using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

/// <summary>Full disks, exhausted inodes and read-only mounts, on real (small tmpfs) file systems.</summary>
public sealed class StoreFaultTests
{
    [Fact]
    public async Task A_shard_too_big_for_the_disk_fails_naming_it_leaves_no_staging_file_and_a_rerun_that_fits_succeeds()
    {
        using var tmpfs = new SmallTmpfs(512 << 10);
        var root = tmpfs.Combine("store");

        // About 800 KB of incompressible images in one shard, on a 512 KB file system.
        var error = await Assert.ThrowsAsync<ShardStoreException>(() => TestSamples.WriteAsync(new LocalFolderStore(root), 400, shardSamples: 1000, rowGroupSamples: 50));

        Assert.StartsWith($"cannot write shard part-00000 to {root}/shards/part-00000.", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(".parquet: no space left on device", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
        // About 200 KB: fits only because the failed attempt gave its space back.
        var commits = await TestSamples.WriteAsync(new LocalFolderStore(root), 100, shardSamples: 1000, rowGroupSamples: 50);
        Assert.Equal(CommitOutcome.Committed, Assert.Single(commits).Outcome);
        Assert.DoesNotContain(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories), f => Path.GetFileName(f).StartsWith(AtomicFile.TemporaryPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_free_inode_for_the_manifest_lock_is_reported_at_once_as_such_and_the_published_shard_withdrawn()
    {
        // Inodes for the root, the store, shards/ and the shard's file: the lock would need a fifth.
        using var tmpfs = new SmallTmpfs(1 << 20, inodes: 4);
        var root = tmpfs.Combine("store");

        var error = await Assert.ThrowsAsync<ShardStoreException>(() => TestSamples.WriteAsync(new LocalFolderStore(root), 20, shardSamples: 20, rowGroupSamples: 10));

        Assert.Equal($"cannot create {root}/manifest.json.lock: no space left on device", error.Message);
        Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_read_only_store_is_reported_at_once_for_the_manifest_lock_and_for_a_shard()
    {
        using var tmpfs = new SmallTmpfs(1 << 20);
        var root = tmpfs.Combine("store");
        await TestSamples.WriteAsync(new LocalFolderStore(root), 20, shardSamples: 20, rowGroupSamples: 10);
        tmpfs.Remount(readOnly: true);
        var store = new LocalFolderStore(root);

        var lockError = await Assert.ThrowsAsync<ShardStoreException>(() => store.TryReplaceAsync(ManifestStore.ManifestPath, "{}"u8.ToArray(), null, CancellationToken.None));
        var writeError = await Assert.ThrowsAsync<ShardStoreException>(() => TestSamples.WriteAsync(store, 20, shardSamples: 20, rowGroupSamples: 10, first: 100));

        Assert.Equal($"cannot create {root}/manifest.json.lock: read-only file system", lockError.Message);
        Assert.StartsWith($"cannot write shard part-00000 to {root}/shards/part-00000.", writeError.Message, StringComparison.Ordinal);
        Assert.EndsWith(": read-only file system", writeError.Message, StringComparison.Ordinal);
    }
}
