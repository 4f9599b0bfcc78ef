namespace Pipeline.Sharding.Storage;

/// <summary>
/// Where shards and their manifest live: a local folder or an Azure Blob container. Paths are relative and use
/// '/'. Every write that others can see is atomic: a staged write is invisible until committed, and a
/// conditional replace succeeds only against the version it read.
/// </summary>
public interface IShardStore
{
    /// <summary>Where this store is, for messages (a folder path or a container URL).</summary>
    string Location { get; }

    /// <summary>Describes one object of this store for an error message (full path or blob URL).</summary>
    string Describe(string path);

    /// <summary>Starts writing a new object at <paramref name="path"/>; it appears only on <see cref="IStagedWrite.CommitAsync"/>.</summary>
    Task<IStagedWrite> BeginWriteAsync(string path, CancellationToken cancellationToken);

    /// <summary>The object's length in bytes, or null when it does not exist.</summary>
    Task<long?> GetLengthAsync(string path, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> (one range request on Blob).</summary>
    Task ReadRangeAsync(string path, long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Opens the whole object for one sequential pass (checksums, copies).</summary>
    Task<Stream> OpenSequentialAsync(string path, CancellationToken cancellationToken);

    /// <summary>Reads a small object with a version token for <see cref="TryReplaceAsync"/>; null when absent.</summary>
    Task<VersionedContent?> ReadVersionedAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a small object only if it is still at <paramref name="expectedVersion"/> (null: only if it does not
    /// exist yet). False when someone else changed it first; the caller rereads and tries again.
    /// </summary>
    Task<bool> TryReplaceAsync(string path, ReadOnlyMemory<byte> content, string? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Objects whose path starts with <paramref name="prefix"/>, including staging leftovers where the store has them.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes an object; no error when it is already gone.</summary>
    Task DeleteAsync(string path, CancellationToken cancellationToken);

    /// <summary>True when <see cref="TryRemoveAbandonedAsync"/> can tell a live writer's object from a dead one's.</summary>
    bool CanTellLiveWriters { get; }

    /// <summary>
    /// Deletes a staging leftover or published object if no live writer holds it and <paramref name="stillUnwanted"/>,
    /// asked once that is certain, agrees. False when a writer holds it, it is already gone, or the store cannot tell.
    /// </summary>
    Task<bool> TryRemoveAbandonedAsync(string path, Func<CancellationToken, Task<bool>> stillUnwanted, CancellationToken cancellationToken);
}
