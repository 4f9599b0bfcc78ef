using System.Runtime.CompilerServices;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

/// <summary>The manifest's root holds only the open segment, so a commit costs the same at any number of shards.</summary>
public sealed class ManifestSegmentTests
{
    private static ShardEntry Entry(int i, string sha = "00") =>
        new($"part-{i:D6}", $"shards/part-{i:D6}.parquet", 10, 1000, sha + new string('a', 62), DateTimeOffset.UnixEpoch.AddSeconds(i),
            [new RowGroupEntry(4, 500, 5, "0123456789abcdef"), new RowGroupEntry(504, 400, 5, "fedcba9876543210")], new ByteRange(904, 96, "00112233aabbccdd"));

    [Fact]
    public async Task Commit_cost_stays_flat_as_the_manifest_grows()
    {
        using var folder = new TemporaryFolder("manifest-cost");
        var store = new CountingStore(new LocalFolderStore(folder.Path));
        var manifests = new ManifestStore(store) { SegmentSize = 32 };
        var costs = new List<long>();
        for (var i = 0; i < 1200; i++)
        {
            var before = store.Bytes;
            Assert.Equal(CommitOutcome.Committed, (await manifests.CommitAsync(Entry(i), "jpg", CancellationToken.None)).Outcome);
            costs.Add(store.Bytes - before);
        }

        // Bytes read and written by the commits 1,101-1,200 against 101-200: a whole-manifest rewrite would be ~8 times more.
        var early = costs.Skip(100).Take(100).Sum();
        var late = costs.Skip(1100).Take(100).Sum();
        Assert.True(late <= early * 1.25, $"100 commits cost {early:N0} bytes after 100 shards and {late:N0} bytes after 1,100");
        Assert.True(new FileInfo(Path.Combine(folder.Path, ManifestStore.ManifestPath)).Length < 32 * 1000, "the root holds at most one segment of shards");

        var manifest = await new ManifestStore(new LocalFolderStore(folder.Path)).LoadAsync(CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 1200).Select(i => $"part-{i:D6}"), manifest.Shards.Select(s => s.Name));
        Assert.Equal("jpg", manifest.ImageColumn);
        Assert.Equal(ShardManifest.CurrentFormat, manifest.Format);
        Assert.Equal(1200 / 32, Directory.GetFiles(Path.Combine(folder.Path, ManifestStore.SegmentFolder), "*.json").Length);
    }

    [Fact]
    public async Task Names_in_sealed_segments_are_found_and_not_committed_twice()
    {
        using var folder = new TemporaryFolder("manifest-names");
        var manifests = new ManifestStore(new LocalFolderStore(folder.Path)) { SegmentSize = 8 };
        for (var i = 0; i < 40; i++)
        {
            await manifests.CommitAsync(Entry(i), "jpg", CancellationToken.None);
        }

        // Another process's manifest store: nothing cached, the sealed segments are read from the files.
        var other = new ManifestStore(new LocalFolderStore(folder.Path));
        Assert.Equal(Entry(3), await other.FindAsync("part-000003", CancellationToken.None), ShardEntryComparer.Instance);
        Assert.Null(await other.FindAsync("part-999999", CancellationToken.None));
        Assert.Equal(CommitOutcome.AlreadyCommitted, (await other.CommitAsync(Entry(3), "jpg", CancellationToken.None)).Outcome);
        var kept = await other.CommitAsync(Entry(5, sha: "ff"), "jpg", CancellationToken.None);
        Assert.Equal(CommitOutcome.KeptExisting, kept.Outcome);
        Assert.StartsWith("00", kept.Entry.Sha256, StringComparison.Ordinal);
        Assert.Equal(40, (await other.LoadAsync(CancellationToken.None)).Shards.Count);
        var webp = await Assert.ThrowsAsync<ShardManifestException>(() => other.CommitAsync(Entry(41), "webp", CancellationToken.None));
        Assert.Contains("holds 'jpg' shards", webp.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_format_1_manifest_is_read_as_it_is_and_converted_by_its_next_commit()
    {
        using var folder = new TemporaryFolder("manifest-v1");
        var legacy = new ShardManifest("pipeline-shards/1", "jpg", [.. Enumerable.Range(0, 150).Select(i => Entry(i))]);
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, ManifestStore.ManifestPath), ManifestStore.Serialize(legacy));
        var manifests = new ManifestStore(new LocalFolderStore(folder.Path)) { SegmentSize = 64 };

        Assert.Equal(150, (await manifests.LoadAsync(CancellationToken.None)).Shards.Count);
        Assert.Equal(CommitOutcome.AlreadyCommitted, (await manifests.CommitAsync(Entry(149), "jpg", CancellationToken.None)).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await manifests.CommitAsync(Entry(150), "jpg", CancellationToken.None)).Outcome);

        var manifest = await new ManifestStore(new LocalFolderStore(folder.Path)).LoadAsync(CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 151).Select(i => $"part-{i:D6}"), manifest.Shards.Select(s => s.Name));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(folder.Path, ManifestStore.SegmentFolder), "*.json").Length);
        Assert.Contains("\"sealedSegments\": 2", await File.ReadAllTextAsync(Path.Combine(folder.Path, ManifestStore.ManifestPath)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_writers_sealing_small_segments_lose_and_repeat_no_commit()
    {
        using var folder = new TemporaryFolder("manifest-race");
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            // A store and manifest per writer, as separate processes have; the same names too, so they race for them.
            var manifests = new ManifestStore(new LocalFolderStore(folder.Path)) { SegmentSize = 4 };
            var outcomes = new List<CommitOutcome>();
            for (var i = 0; i < 60; i++)
            {
                outcomes.Add((await manifests.CommitAsync(Entry(i % 2 == 0 ? i : (w * 1000) + i), "jpg", CancellationToken.None)).Outcome);
            }

            return outcomes;
        }));
        var outcomes = (await Task.WhenAll(writers)).SelectMany(o => o).ToList();

        var manifest = await new ManifestStore(new LocalFolderStore(folder.Path)).LoadAsync(CancellationToken.None);
        Assert.Equal(30 + (4 * 30), manifest.Shards.Count);
        Assert.Equal(manifest.Shards.Count, manifest.Shards.Select(s => s.Name).Distinct().Count());
        Assert.Equal(manifest.Shards.Count, outcomes.Count(o => o == CommitOutcome.Committed));
        Assert.Equal(3 * 30, outcomes.Count(o => o == CommitOutcome.AlreadyCommitted));
    }

    /// <summary>Compares entries by value, row groups included.</summary>
    private sealed class ShardEntryComparer : IEqualityComparer<ShardEntry?>
    {
        public static readonly ShardEntryComparer Instance = new();

        public bool Equals(ShardEntry? x, ShardEntry? y) =>
            x is not null && y is not null && (x with { RowGroups = [] }) == (y with { RowGroups = [] }) && x.RowGroups.SequenceEqual(y.RowGroups);

        public int GetHashCode(ShardEntry? obj) => obj?.Name.GetHashCode(StringComparison.Ordinal) ?? 0;
    }

    /// <summary>A real store that counts the bytes of manifest reads and writes passing through it.</summary>
    private sealed class CountingStore(IShardStore inner) : IShardStore
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public string Location => inner.Location;

        public bool CanTellLiveWriters => inner.CanTellLiveWriters;

        public string Describe(string path) => inner.Describe(path);

        public Task<IStagedWrite> BeginWriteAsync(string path, CancellationToken cancellationToken) => inner.BeginWriteAsync(path, cancellationToken);

        public Task<long?> GetLengthAsync(string path, CancellationToken cancellationToken) => inner.GetLengthAsync(path, cancellationToken);

        public Task ReadRangeAsync(string path, long offset, Memory<byte> buffer, CancellationToken cancellationToken) => inner.ReadRangeAsync(path, offset, buffer, cancellationToken);

        public Task<Stream> OpenSequentialAsync(string path, CancellationToken cancellationToken) => inner.OpenSequentialAsync(path, cancellationToken);

        public async Task<VersionedContent?> ReadVersionedAsync(string path, CancellationToken cancellationToken)
        {
            var content = await inner.ReadVersionedAsync(path, cancellationToken);
            Interlocked.Add(ref _bytes, content?.Content.Length ?? 0);
            return content;
        }

        public Task<bool> TryReplaceAsync(string path, ReadOnlyMemory<byte> content, string? expectedVersion, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _bytes, content.Length);
            return inner.TryReplaceAsync(path, content, expectedVersion, cancellationToken);
        }

        public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var item in inner.ListAsync(prefix, cancellationToken))
            {
                yield return item;
            }
        }

        public Task DeleteAsync(string path, CancellationToken cancellationToken) => inner.DeleteAsync(path, cancellationToken);

        public Task<bool> TryRemoveAbandonedAsync(string path, Func<CancellationToken, Task<bool>> stillUnwanted, CancellationToken cancellationToken) =>
            inner.TryRemoveAbandonedAsync(path, stillUnwanted, cancellationToken);
    }
}
