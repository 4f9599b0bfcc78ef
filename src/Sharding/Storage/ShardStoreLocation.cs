using Azure.Identity;
using Azure.Storage.Blobs;

namespace Pipeline.Sharding.Storage;

/// <summary>
/// Opens a store from a location string: a local folder path (the default), <c>azure://container/prefix</c>
/// with a configured connection string, or a container URL <c>https://account.blob.core.windows.net/container/prefix</c>
/// authenticated by a configured SAS token, Azure.Identity, or the connection string.
/// </summary>
public static class ShardStoreLocation
{
    /// <summary>Opens the store named by <paramref name="location"/>.</summary>
    /// <exception cref="ArgumentException">The location is malformed or lacks the credentials it needs.</exception>
    public static IShardStore Open(string location, ShardStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        options ??= new ShardStoreOptions();
        if (location.StartsWith("azure://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = location["azure://".Length..].Trim('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var (container, prefix) = slash < 0 ? (rest, "") : (rest[..slash], rest[(slash + 1)..]);
            if (container.Length == 0)
            {
                throw new ArgumentException($"'{location}' names no container; use azure://container/prefix");
            }

            if (string.IsNullOrWhiteSpace(options.AzureConnectionString))
            {
                throw new ArgumentException($"'{location}' needs {ShardStoreOptions.Section}:AzureConnectionString in configuration (or PIPELINE_Sharding__Storage__AzureConnectionString)");
            }

            return new AzureBlobStore(new BlobContainerClient(options.AzureConnectionString, container), prefix, options.BlockSizeBytes);
        }

        if (location.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return OpenUrl(new Uri(location), options);
        }

        return new LocalFolderStore(location);
    }

    private static AzureBlobStore OpenUrl(Uri url, ShardStoreOptions options)
    {
        // BlobUriBuilder understands both account-in-host and account-in-path (Azurite, IP) URLs.
        var parts = new BlobUriBuilder(url);
        var prefix = parts.BlobName ?? "";
        parts.BlobName = null;
        if (string.IsNullOrEmpty(parts.BlobContainerName))
        {
            throw new ArgumentException($"'{url}' names no container; use https://account.blob.core.windows.net/container/prefix");
        }

        if (!string.IsNullOrWhiteSpace(options.AzureSasToken))
        {
            parts.Query = options.AzureSasToken.TrimStart('?');
            return new AzureBlobStore(new BlobContainerClient(parts.ToUri()), prefix, options.BlockSizeBytes);
        }

        if (url.Query.Length > 1)
        {
            return new AzureBlobStore(new BlobContainerClient(parts.ToUri()), prefix, options.BlockSizeBytes);
        }

        if (options.AzureUseIdentity)
        {
            return new AzureBlobStore(new BlobContainerClient(parts.ToUri(), new DefaultAzureCredential()), prefix, options.BlockSizeBytes);
        }

        if (!string.IsNullOrWhiteSpace(options.AzureConnectionString))
        {
            return new AzureBlobStore(new BlobContainerClient(options.AzureConnectionString, parts.BlobContainerName), prefix, options.BlockSizeBytes);
        }

        throw new ArgumentException($"'{url}' needs credentials: set {ShardStoreOptions.Section}:AzureSasToken, AzureUseIdentity=true or AzureConnectionString");
    }
}
