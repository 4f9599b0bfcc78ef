namespace Pipeline.Sharding.Leftovers;

/// <summary>Something a failed or killed writer left in a store, and what <see cref="LeftoverCollector"/> did with it.</summary>
/// <param name="Path">Path relative to the store.</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="IsStaging">True for a staging file; false for a shard file published but not in the manifest.</param>
/// <param name="Removed">True when it was deleted; false when a live writer still holds it or it could not be deleted.</param>
/// <param name="Note">Why it was removed or kept.</param>
public sealed record Leftover(string Path, long Length, bool IsStaging, bool Removed, string Note);
