using Azure.Storage.Blobs;
using Pipeline.Sharding.Leftovers;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Verification;
using Pipeline.TestServices;

namespace Pipeline.Sharding.Tests;

/// <summary>On blob storage a published blob the manifest lacks may be a live writer's about to be committed: it is only reported.</summary>
public sealed class AzureLeftoverTests : IAsyncLifetime
{
    private AzuriteServer _azurite = null!;

    public async Task InitializeAsync() => _azurite = await AzuriteServer.StartAsync();

    public Task DisposeAsync()
    {
        _azurite.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_uncommitted_blob_is_reported_and_never_removed()
    {
        var store = new AzureBlobStore(new BlobContainerClient(_azurite.ConnectionString, "leftovers"), "set");
        await TestSamples.WriteAsync(store, 20, shardSamples: 20, rowGroupSamples: 10);
        await using (var published = await store.BeginWriteAsync("shards/part-00001.0123456789ab.parquet", CancellationToken.None))
        {
            await published.Stream.WriteAsync(new byte[1000]);
            await published.CommitAsync(CancellationToken.None);
        }

        Assert.Empty(await LeftoverCollector.CollectAsync(store, CancellationToken.None));

        Assert.Equal(1000, await store.GetLengthAsync("shards/part-00001.0123456789ab.parquet", CancellationToken.None));
        var warning = Assert.Single((await ShardVerifier.VerifyAsync(store, null, CancellationToken.None)).Problems);
        Assert.False(warning.IsError);
        Assert.EndsWith("delete it by hand when no writer runs", warning.Message, StringComparison.Ordinal);
    }
}
