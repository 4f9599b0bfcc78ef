using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Pipeline.Sharding.Storage;

/// <summary>
/// A store under a prefix of an Azure Blob Storage container. Shards are block blobs whose blocks are staged
/// while writing and made visible by one block-list commit; the manifest is replaced with ETag conditions.
/// </summary>
public sealed class AzureBlobStore : IShardStore
{
    private readonly BlobContainerClient _container;
    private readonly string _prefix;
    private readonly int _blockSize;
    private Task? _containerCreated;

    /// <summary>Uses <paramref name="container"/>; every path is placed under <paramref name="prefix"/> ('' for the container root).</summary>
    public AzureBlobStore(BlobContainerClient container, string prefix, int blockSize = 8 << 20)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 64 << 10);
        _container = container;
        _prefix = prefix.Trim('/').Length == 0 ? "" : prefix.Trim('/') + "/";
        _blockSize = blockSize;
    }

    public string Location => $"{_container.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{_prefix}";

    public string Describe(string path) => $"{Location}{path}";

    public async Task<IStagedWrite> BeginWriteAsync(string path, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        return new BlobStagedWrite(path, _container.GetBlockBlobClient(BlobName(path)), _blockSize);
    }

    public async Task<long?> GetLengthAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await _container.GetBlobClient(BlobName(path)).GetPropertiesAsync(cancellationToken: cancellationToken);
            return properties.Value.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task ReadRangeAsync(string path, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var options = new BlobDownloadOptions { Range = new HttpRange(offset, buffer.Length) };
        var response = await _container.GetBlobClient(BlobName(path)).DownloadStreamingAsync(options, cancellationToken);
        await using var content = response.Value.Content;
        try
        {
            await content.ReadExactlyAsync(buffer, cancellationToken);
        }
        catch (EndOfStreamException ex)
        {
            throw new EndOfStreamException($"{Describe(path)}: wanted {buffer.Length} bytes at offset {offset}, the blob ends earlier", ex);
        }
    }

    public async Task<Stream> OpenSequentialAsync(string path, CancellationToken cancellationToken)
    {
        var response = await _container.GetBlobClient(BlobName(path)).DownloadStreamingAsync(cancellationToken: cancellationToken);
        return response.Value.Content;
    }

    public async Task<VersionedContent?> ReadVersionedAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _container.GetBlobClient(BlobName(path)).DownloadContentAsync(cancellationToken);
            return new VersionedContent(response.Value.Content.ToArray(), response.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> TryReplaceAsync(string path, ReadOnlyMemory<byte> content, string? expectedVersion, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        var conditions = expectedVersion is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag(expectedVersion) };
        try
        {
            await _container.GetBlobClient(BlobName(path)).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!await _container.ExistsAsync(cancellationToken))
        {
            yield break;
        }

        // Uncommitted blocks are not blobs, so a blob store has no staging leftovers to list.
        await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = _prefix + prefix }, cancellationToken))
        {
            yield return new StoredObject(blob.Name[_prefix.Length..], blob.Properties.ContentLength ?? 0, IsStaging: false);
        }
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken) =>
        await _container.GetBlobClient(BlobName(path)).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>
    /// False: a blob published but not yet in the manifest looks the same whether its writer is about to commit it
    /// or died, and nothing short of an age guess tells them apart. Uncommitted blocks need no collecting: the
    /// service drops them after a week.
    /// </summary>
    public bool CanTellLiveWriters => false;

    public Task<bool> TryRemoveAbandonedAsync(string path, Func<CancellationToken, Task<bool>> stillUnwanted, CancellationToken cancellationToken) =>
        Task.FromResult(false);

    private string BlobName(string path) => _prefix + path;

    /// <summary>Creates the container on first write; concurrent first writers may both ask, which is harmless.</summary>
    private Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerCreated is { IsCompletedSuccessfully: true } done)
        {
            return done;
        }

        return _containerCreated = _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }
}
