using System.Collections.Concurrent;
using Pipeline.Sharding.Manifest;
using Pipeline.Sharding.Samples;
using Pipeline.Sharding.Storage;
using Pipeline.Sharding.Writing;

namespace Pipeline.Sharding.Leftovers;

/// <summary>
/// Removes what failed or killed writers left in a store and no live writer owns: staging files (<c>.tmp-</c>)
/// and shard files published but never added to the manifest. A live writer holds a lock on each of its files
/// until its manifest commit is done (see <see cref="IShardStore.TryRemoveAbandonedAsync"/>), so concurrent
/// writers are safe. Stores that cannot tell live writers apart (Azure Blob) are left alone.
/// </summary>
public static class LeftoverCollector
{
    // Store locations this process has collected in: a writer start costs a listing only the first time.
    private static readonly ConcurrentDictionary<string, bool> Collected = new(StringComparer.Ordinal);

    /// <summary>Removes every leftover no live writer owns and returns all leftovers found, removed or kept.</summary>
    public static async Task<IReadOnlyList<Leftover>> CollectAsync(IShardStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!store.CanTellLiveWriters)
        {
            return [];
        }

        var manifests = new ManifestStore(store);
        var referenced = await ReferencedAsync(manifests, cancellationToken);
        var candidates = new List<StoredObject>();
        await foreach (var item in store.ListAsync("", cancellationToken))
        {
            if (item.IsStaging || (referenced is not null && IsShardFile(item.Path) && !referenced.Contains(item.Path)))
            {
                candidates.Add(item);
            }
        }

        var found = new List<Leftover>(candidates.Count);
        foreach (var item in candidates)
        {
            found.Add(await TryRemoveAsync(store, manifests, item, cancellationToken));
        }

        return found;
    }

    /// <summary><see cref="CollectAsync"/> once per store and process: what a writer runs when it starts.</summary>
    public static async Task<IReadOnlyList<Leftover>> CollectOnceAsync(IShardStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!Collected.TryAdd(store.Location, true))
        {
            return [];
        }

        try
        {
            return await CollectAsync(store, cancellationToken);
        }
        catch
        {
            Collected.TryRemove(store.Location, out _);
            throw;
        }
    }

    private static async Task<Leftover> TryRemoveAsync(IShardStore store, ManifestStore manifests, StoredObject item, CancellationToken cancellationToken)
    {
        var what = item.IsStaging ? "staging file" : "published but never committed";
        // A published file is removed only if, with its writer known gone, the manifest still lacks it.
        Func<CancellationToken, Task<bool>> stillUnwanted = item.IsStaging
            ? _ => Task.FromResult(true)
            : async ct => await ReferencedAsync(manifests, ct) is { } referenced && !referenced.Contains(item.Path);
        try
        {
            return await store.TryRemoveAbandonedAsync(item.Path, stillUnwanted, cancellationToken)
                ? new Leftover(item.Path, item.Length, item.IsStaging, true, $"{what}, its writer is gone")
                : new Leftover(item.Path, item.Length, item.IsStaging, false, $"{what}, in use by a live writer");
        }
        catch (Exception ex) when (FileSystemFault.Describe(ex) is { } cause)
        {
            return new Leftover(item.Path, item.Length, item.IsStaging, false, $"{what}, cannot remove it: {cause}");
        }
    }

    private static bool IsShardFile(string path) =>
        path.StartsWith(ShardWriter.ShardFolder + "/", StringComparison.Ordinal)
        && Enum.GetValues<ShardFormat>().Any(f => path.EndsWith(ShardFormats.Extension(f), StringComparison.Ordinal));

    /// <summary>
    /// The shard paths the manifest lists; null without a manifest. Then no published file counts as a leftover:
    /// the folder may be shards without their manifest (a copy, a manifest deleted by hand) rather than a store.
    /// </summary>
    private static async Task<HashSet<string>?> ReferencedAsync(ManifestStore manifests, CancellationToken cancellationToken) =>
        await manifests.Store.GetLengthAsync(ManifestStore.ManifestPath, cancellationToken) is null
            ? null
            : (await manifests.LoadAsync(cancellationToken)).Shards.Select(s => s.Path).ToHashSet(StringComparer.Ordinal);
}
