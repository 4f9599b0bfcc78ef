using Azure.Storage.Blobs;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Verification;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

/// <summary>Against a real Azurite blob service started by the test on 127.0.0.1.</summary>
public sealed class AzureBlobStoreTests : IAsyncLifetime
{
    private AzuriteServer _azurite = null!;

    public async Task InitializeAsync() => _azurite = await AzuriteServer.StartAsync();

    public Task DisposeAsync()
    {
        _azurite.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Shards_round_trip_through_blob_storage()
    {
        // A small block size makes every shard several staged blocks.
        var store = ShardStoreLocation.Open("azure://shards/campaign-1", new ShardStoreOptions { AzureConnectionString = _azurite.ConnectionString, BlockSizeBytes = 64 << 10 });
        var commits = await TestSamples.WriteAsync(store, 150, shardSamples: 70, rowGroupSamples: 25);
        Assert.All(commits, c => Assert.Equal(CommitOutcome.Committed, c.Outcome));

        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        Assert.Equal(150, manifest.TotalSamples);
        var container = new BlobContainerClient(_azurite.ConnectionString, "shards");
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "campaign-1/" }))
        {
            blobs.Add(blob.Name);
        }

        Assert.Equal(manifest.Shards.Select(s => "campaign-1/" + s.Path).Append("campaign-1/manifest.json").Order(StringComparer.Ordinal), blobs.Order(StringComparer.Ordinal));

        var keys = new List<string>();
        await foreach (var sample in new ShardStreamReader(store, manifest, new ShardStreamOptions { Epochs = 1, ShuffleBuffer = 30 }).ReadAsync())
        {
            TestSamples.AssertSame(TestSamples.Create(int.Parse(sample.Key[4..], System.Globalization.CultureInfo.InvariantCulture)), sample);
            keys.Add(sample.Key);
        }

        Assert.Equal(150, keys.Distinct().Count());
        var report = await ShardVerifier.VerifyAsync(store, null, CancellationToken.None);
        Assert.Empty(report.Problems);

        // Idempotent re-commit on blob storage too.
        var again = await TestSamples.WriteAsync(store, 150, shardSamples: 70, rowGroupSamples: 25);
        Assert.All(again, c => Assert.Equal(CommitOutcome.AlreadyCommitted, c.Outcome));
    }

    [Fact]
    public async Task Webdataset_shards_round_trip_through_blob_storage_and_recommit_identically()
    {
        var store = ShardStoreLocation.Open("azure://shards/wds", new ShardStoreOptions { AzureConnectionString = _azurite.ConnectionString, BlockSizeBytes = 64 << 10 });
        var commits = await TestSamples.WriteAsync(store, 150, shardSamples: 70, rowGroupSamples: 25, format: Samples.ShardFormat.Webdataset);
        Assert.All(commits, c => Assert.Equal(CommitOutcome.Committed, c.Outcome));
        Assert.All(commits, c => Assert.EndsWith(".tar", c.Entry.Path, StringComparison.Ordinal));

        var manifest = await new ManifestStore(store).LoadAsync(CancellationToken.None);
        var keys = new List<string>();
        await foreach (var sample in new ShardStreamReader(store, manifest, new ShardStreamOptions { Epochs = 1, ShuffleBuffer = 30 }).ReadAsync())
        {
            TestSamples.AssertSame(TestSamples.Create(int.Parse(sample.Key[4..], System.Globalization.CultureInfo.InvariantCulture)), sample);
            keys.Add(sample.Key);
        }

        Assert.Equal(150, keys.Distinct().Count());
        Assert.Empty((await ShardVerifier.VerifyAsync(store, null, CancellationToken.None)).Problems);

        // Tar bytes do not depend on the time of writing: a rewrite is the same content.
        var again = await TestSamples.WriteAsync(store, 150, shardSamples: 70, rowGroupSamples: 25, format: Samples.ShardFormat.Webdataset);
        Assert.All(again, c => Assert.Equal(CommitOutcome.AlreadyCommitted, c.Outcome));
    }

    [Fact]
    public async Task Conditional_replace_refuses_a_stale_version_and_staged_blobs_stay_invisible()
    {
        var store = new AzureBlobStore(new BlobContainerClient(_azurite.ConnectionString, "conditions"), "");
        Assert.True(await store.TryReplaceAsync("m.json", "one"u8.ToArray(), null, CancellationToken.None));
        Assert.False(await store.TryReplaceAsync("m.json", "two"u8.ToArray(), null, CancellationToken.None));
        var current = await store.ReadVersionedAsync("m.json", CancellationToken.None);
        Assert.True(await store.TryReplaceAsync("m.json", "three"u8.ToArray(), current!.Version, CancellationToken.None));
        Assert.False(await store.TryReplaceAsync("m.json", "four"u8.ToArray(), current.Version, CancellationToken.None));
        Assert.Equal("three"u8.ToArray(), (await store.ReadVersionedAsync("m.json", CancellationToken.None))!.Content);

        await using (var staged = await store.BeginWriteAsync("shards/x.parquet", CancellationToken.None))
        {
            await staged.Stream.WriteAsync(new byte[200_000]);
            Assert.Null(await store.GetLengthAsync("shards/x.parquet", CancellationToken.None));
        }

        Assert.Null(await store.GetLengthAsync("shards/x.parquet", CancellationToken.None));
    }
}
