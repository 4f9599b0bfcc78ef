namespace Pipeline.Sharding.Verification;

/// <summary>One finding of <see cref="ShardVerifier"/>.</summary>
/// <param name="IsError">True when committed data is damaged or missing; false for harmless leftovers.</param>
/// <param name="Shard">The shard's manifest name, or null for a file the manifest does not list.</param>
/// <param name="Path">The object's path in the store.</param>
/// <param name="Message">What is wrong, naming the row group and byte offset when known.</param>
public sealed record ShardProblem(bool IsError, string? Shard, string Path, string Message);
