using System.Text;
using Azure;
using Pipeline.Sharding.Storage;

namespace Pipeline.Orchestrator.Campaigns;

/// <summary>
/// Checks, before a campaign exists, that its <c>output</c> folder and its <c>store</c> can be written: a folder is
/// created and a probe file written and deleted in it; a Blob store gets a probe blob written and deleted (which also
/// creates its container, as the first shard would). Otherwise the campaign would fail only at its first write.
/// </summary>
public static class CampaignWriteCheck
{
    /// <summary>How long a Blob store may take to answer the probe; the caller's grain call must outlast it.</summary>
    public static readonly TimeSpan BlobTimeout = TimeSpan.FromSeconds(20);

    private const string ProbePrefix = ".pipeline-write-probe-";

    /// <summary>Checks the output folder, then the store.</summary>
    /// <exception cref="ArgumentException">A location cannot be written; the message names the spec key, the location and the cause.</exception>
    public static async Task CheckAsync(CampaignSpec spec, ShardStoreOptions storeOptions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await CheckFolderAsync("output", spec.Output, cancellationToken);
        if (spec.Store is not { } store)
        {
            return;
        }

        if (store.Contains("://", StringComparison.Ordinal))
        {
            await CheckBlobStoreAsync(store, storeOptions, cancellationToken);
        }
        else
        {
            await CheckFolderAsync("store", store, cancellationToken);
        }
    }

    private static async Task CheckFolderAsync(string key, string folder, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{key} '{folder}': cannot create folder: {Cause(ex, folder)}", ex);
        }

        var probe = Path.Combine(folder, ProbePrefix + Guid.NewGuid().ToString("N"));
        try
        {
            await File.WriteAllBytesAsync(probe, Encoding.UTF8.GetBytes("probe"), cancellationToken);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{key} '{folder}': cannot write a file in it: {Cause(ex, folder)}", ex);
        }
    }

    private static async Task CheckBlobStoreAsync(string location, ShardStoreOptions storeOptions, CancellationToken cancellationToken)
    {
        // A container URL may carry a SAS token: never print its query.
        var shown = location.Split('?')[0];
        IShardStore store;
        try
        {
            store = ShardStoreLocation.Open(location, storeOptions);
        }
        catch (Exception ex) when (ex is ArgumentException or UriFormatException or FormatException)
        {
            throw new ArgumentException($"store '{shown}': {ex.Message.Replace(location, shown, StringComparison.Ordinal)}", ex);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(BlobTimeout);
        var probe = ProbePrefix + Guid.NewGuid().ToString("N");
        try
        {
            if (!await store.TryReplaceAsync(probe, Encoding.UTF8.GetBytes("probe"), expectedVersion: null, timeout.Token))
            {
                throw new ArgumentException($"store '{shown}': cannot write a blob: probe {probe} already exists");
            }

            await store.DeleteAsync(probe, timeout.Token);
        }
        catch (RequestFailedException ex)
        {
            throw new ArgumentException($"store '{shown}': cannot write a blob: {(ex.Status == 0 ? ex.Message.ReplaceLineEndings(" ") : $"HTTP {ex.Status} {ex.ErrorCode}")}", ex);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ArgumentException($"store '{shown}': no answer within {BlobTimeout.TotalSeconds:0} s", ex);
        }
        catch (Exception ex) when (ex is AggregateException or HttpRequestException or IOException)
        {
            throw new ArgumentException($"store '{shown}': cannot reach it: {Innermost(ex).Message}", ex);
        }
    }

    /// <summary>What went wrong, without .NET's wording where a clearer one exists.</summary>
    private static string Cause(Exception ex, string folder)
    {
        // .NET reports a folder at or under a regular file as "The file ... already exists" or as a missing path.
        for (var path = Path.GetFullPath(folder); path is not null; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return $"'{path}' is a file, not a folder";
            }
        }

        return ex switch
        {
            UnauthorizedAccessException => "permission denied",
            // Pseudo file systems such as /proc answer "no such file or directory" to any new entry.
            FileNotFoundException or DirectoryNotFoundException => "the file system refuses new entries there (no such file or directory)",
            // .NET words an errno as "Read-only file system : '/path'"; the path is already in the message.
            _ => ex.Message.Split(" : '")[0],
        };
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }
}
