using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Verification;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

public sealed class CorruptShardTests
{
    [Fact]
    public async Task A_flipped_byte_is_reported_with_shard_and_row_group()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var entry = (await TestSamples.WriteAsync(store, 60, shardSamples: 100, rowGroupSamples: 20)).Single().Entry;
        var group = entry.RowGroups[1];
        FlipByte(store.Describe(entry.Path), group.Offset + (group.Length / 2));

        await using var reader = await ShardFileReader.OpenAsync(store, entry, CancellationToken.None);
        await reader.ReadRowGroupAsync(0, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ShardCorruptException>(() => reader.ReadRowGroupAsync(1, CancellationToken.None));
        Assert.Equal(entry.Name, error.Shard);
        Assert.Equal(1, error.RowGroup);
        Assert.Contains("row group 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", error.Message, StringComparison.Ordinal);

        var report = await ShardVerifier.VerifyAsync(store, null, CancellationToken.None);
        Assert.True(report.HasErrors);
        Assert.Contains(report.Problems, p => p.IsError && p.Shard == entry.Name && p.Message.Contains("row group 1", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.IsError && p.Message.Contains("SHA-256", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_truncated_shard_is_reported_before_any_read()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var entry = (await TestSamples.WriteAsync(store, 60, shardSamples: 100, rowGroupSamples: 20)).Single().Entry;
        using (var file = new FileStream(store.Describe(entry.Path), FileMode.Open))
        {
            file.SetLength(entry.Bytes - 100);
        }

        var error = await Assert.ThrowsAsync<ShardCorruptException>(() => ShardFileReader.OpenAsync(store, entry, CancellationToken.None));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains(entry.Name, error.Message, StringComparison.Ordinal);
        var report = await ShardVerifier.VerifyAsync(store, null, CancellationToken.None);
        Assert.Contains(report.Problems, p => p.IsError && p.Message.Contains("truncated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_damaged_footer_is_reported()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        var entry = (await TestSamples.WriteAsync(store, 20, shardSamples: 100, rowGroupSamples: 10)).Single().Entry;
        FlipByte(store.Describe(entry.Path), entry.Footer.Offset + 10);

        var error = await Assert.ThrowsAsync<ShardCorruptException>(() => ShardFileReader.OpenAsync(store, entry, CancellationToken.None));
        Assert.Null(error.RowGroup);
        Assert.Equal(entry.Footer.Offset, error.Offset);
    }

    [Fact]
    public async Task Verify_passes_a_clean_store_and_warns_about_uncommitted_files()
    {
        using var folder = new TemporaryFolder();
        var store = new LocalFolderStore(folder.Path);
        await TestSamples.WriteAsync(store, 50, shardSamples: 20, rowGroupSamples: 10);
        await File.WriteAllTextAsync(folder.Combine("shards", "orphan.parquet"), "published, never committed");
        await File.WriteAllTextAsync(folder.Combine("shards", ".tmp-part-00009.parquet.123"), "half a shard");

        var report = await ShardVerifier.VerifyAsync(store, null, CancellationToken.None);
        Assert.False(report.HasErrors);
        Assert.Equal(3, report.Shards);
        Assert.Equal(50, report.Samples);
        Assert.Contains(report.Problems, p => p.Path == "shards/orphan.parquet" && p.Message.Contains("not in the manifest", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Path.EndsWith(".123", StringComparison.Ordinal) && p.Message.Contains("staging leftover", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_malformed_manifest_is_a_clear_error()
    {
        using var folder = new TemporaryFolder();
        await File.WriteAllTextAsync(folder.Combine(ManifestStore.ManifestPath), "{\"format\": \"pipeline-shards/1\", \"shards\": [ {");
        var error = await Assert.ThrowsAsync<ShardManifestException>(() => new ManifestStore(new LocalFolderStore(folder.Path)).LoadAsync(CancellationToken.None));
        Assert.Contains("manifest.json", error.Message, StringComparison.Ordinal);
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x5A));
    }
}
