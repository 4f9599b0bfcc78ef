using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Storage;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

/// <summary>Replacing a committed entry (a rewrite in place): in the open segment through the root, in a sealed one through a new revision of the segment.</summary>
public sealed class ManifestReplaceTests
{
    private static ShardEntry Entry(int i, string sha = "00") =>
        new($"part-{i:D5}", $"shards/part-{i:D5}.{sha}.parquet", 10, 1000, sha + new string('a', 62), DateTimeOffset.UnixEpoch.AddSeconds(i),
            [new RowGroupEntry(4, 500, 10, "0123456789abcdef")], new ByteRange(504, 96, "00112233aabbccdd"));

    [Fact]
    public async Task Replaces_entries_of_the_open_and_of_sealed_segments_once_and_only_from_the_expected_content()
    {
        using var folder = new TemporaryFolder("manifest-replace");
        var manifests = new ManifestStore(new LocalFolderStore(folder.Path)) { SegmentSize = 4 };
        for (var i = 0; i < 10; i++)
        {
            await manifests.CommitAsync(Entry(i), "jpg", CancellationToken.None);
        }

        var sealedReplaced = await manifests.ReplaceAsync(Entry(2, "11"), Entry(2).Sha256, CancellationToken.None);
        var openReplaced = await manifests.ReplaceAsync(Entry(9, "11"), Entry(9).Sha256, CancellationToken.None);
        var again = await manifests.ReplaceAsync(Entry(2, "11"), Entry(2).Sha256, CancellationToken.None);
        var stale = await manifests.ReplaceAsync(Entry(2, "22"), Entry(2).Sha256, CancellationToken.None);

        Assert.Equal(CommitOutcome.Committed, sealedReplaced.Outcome);
        Assert.Equal(CommitOutcome.Committed, openReplaced.Outcome);
        Assert.Equal(CommitOutcome.AlreadyCommitted, again.Outcome);
        Assert.Equal(CommitOutcome.KeptExisting, stale.Outcome);
        Assert.StartsWith("11", stale.Entry.Sha256, StringComparison.Ordinal);

        // Another process reads the revised segment; order and the other entries are as they were; commits go on.
        var other = new ManifestStore(new LocalFolderStore(folder.Path)) { SegmentSize = 4 };
        await other.CommitAsync(Entry(10), "jpg", CancellationToken.None);
        var manifest = await other.LoadAsync(CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 11).Select(i => $"part-{i:D5}"), manifest.Shards.Select(s => s.Name));
        Assert.Equal(
            Enumerable.Range(0, 11).Select(i => i is 2 or 9 ? "11" : "00"),
            manifest.Shards.Select(s => s.Sha256[..2]));
        Assert.Equal("11", (await other.FindAsync("part-00002", CancellationToken.None))!.Sha256[..2]);
        Assert.Equal(Entry(0).Sha256, manifest.Shards[0].Sha256);

        // The original sealed segment is untouched (immutable); the revision sits beside it.
        var segments = Directory.GetFiles(Path.Combine(folder.Path, ManifestStore.SegmentFolder), "*.json").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(3, segments.Count);
        Assert.Contains("00000000.json", segments);
        Assert.Contains("00000001.json", segments);

        var missing = await Assert.ThrowsAsync<ShardManifestException>(() => other.ReplaceAsync(Entry(99), Entry(99).Sha256, CancellationToken.None));
        Assert.Contains("no shard 'part-00099'", missing.Message, StringComparison.Ordinal);
    }
}
