namespace Pipeline.Sharding.Storage;

/// <summary>One object found by <see cref="IShardStore.ListAsync"/>.</summary>
/// <param name="Path">Path relative to the store, with '/' separators.</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="IsStaging">True for an uncommitted staging leftover (never read as a shard).</param>
public sealed record StoredObject(string Path, long Length, bool IsStaging);
