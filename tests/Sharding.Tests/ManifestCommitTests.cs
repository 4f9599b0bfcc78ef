using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

public sealed class ManifestCommitTests
{
    [Fact]
    public async Task Rewriting_committed_shards_changes_nothing()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var first = await TestSamples.WriteAsync(store, 120, shardSamples: 50, rowGroupSamples: 20);
        var again = await TestSamples.WriteAsync(store, 120, shardSamples: 50, rowGroupSamples: 20);

        Assert.All(again, c => Assert.Equal(CommitOutcome.AlreadyCommitted, c.Outcome));
        Assert.Equal(first.Select(c => (c.Entry.Path, c.Entry.Sha256)), again.Select(c => (c.Entry.Path, c.Entry.Sha256)));
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        Assert.Equal(3, manifest.Shards.Count);
        Assert.Equal(120, manifest.TotalSamples);
        // No second file was published for a name already committed, and no staging file is left.
        Assert.Equal(manifest.Shards.Select(s => s.Path).Order(), Files(folder));
    }

    [Fact]
    public async Task A_different_shard_under_a_committed_name_is_discarded_and_the_first_kept()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var original = (await TestSamples.WriteAsync(store, 30, shardSamples: 100, rowGroupSamples: 10)).Single();
        var other = (await TestSamples.WriteAsync(store, 30, shardSamples: 100, rowGroupSamples: 10, first: 500)).Single();

        Assert.Equal(CommitOutcome.KeptExisting, other.Outcome);
        Assert.Equal(original.Entry.Path, other.Entry.Path);
        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        Assert.Equal(original.Entry.Sha256, Assert.Single(manifest.Shards).Sha256);
        Assert.Equal([original.Entry.Path], Files(folder));
    }

    [Fact]
    public async Task Concurrent_writers_lose_no_commit()
    {
        using var folder = new TemporaryFolder();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
            // A store object per writer, as separate processes would have.
            TestSamples.WriteAsync(new LocalFolderStore(folder.Path), 60, shardSamples: 10, rowGroupSamples: 10, prefix: $"w{w}", first: w * 1000)));
        var commits = (await Task.WhenAll(writers)).SelectMany(c => c).ToList();

        Assert.Equal(48, commits.Count);
        Assert.All(commits, c => Assert.Equal(CommitOutcome.Committed, c.Outcome));
        var manifest = await new ManifestStore(new LocalFolderStore(folder.Path)).LoadAsync(CancellationToken.None);
        Assert.Equal(commits.Select(c => c.Entry.Name).Order(), manifest.Shards.Select(s => s.Name).Order());
        Assert.Equal(480, manifest.TotalSamples);
    }

    [Fact]
    public async Task An_abandoned_writer_leaves_nothing_visible()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        await using (var writer = new ShardWriter(store, new ShardWriterOptions { TargetSamples = 100, RowGroupSamples = 10 }))
        {
            for (var i = 0; i < 55; i++)
            {
                await writer.WriteAsync(TestSamples.Create(i), CancellationToken.None);
            }
        }

        Assert.Empty((await new ManifestStore(store).LoadAsync(CancellationToken.None)).Shards);
        Assert.Empty(Files(folder));
    }

    [Fact]
    public async Task Invalid_samples_are_refused_by_key()
    {
        using var folder = new TemporaryFolder();
        await using var writer = new ShardWriter(new LocalFolderStore(folder.Path), new ShardWriterOptions());
        var error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(TestSamples.Create(3) with { Sha256 = "abc" }, CancellationToken.None));
        Assert.Contains("key-000003", error.Message, StringComparison.Ordinal);
    }

    private static string[] Files(TemporaryFolder folder) =>
        Directory.Exists(folder.Combine(ShardWriter.ShardFolder))
            ? [.. Directory.GetFiles(folder.Combine(ShardWriter.ShardFolder)).Select(f => $"{ShardWriter.ShardFolder}/{Path.GetFileName(f)}").Order()]
            : [];
}
