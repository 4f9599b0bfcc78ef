namespace Pipeline.Sharding.Manifest;

/// <summary>The result of committing one shard.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Entry">The manifest's entry for the name after the commit (ours, or the earlier one that was kept).</param>
public sealed record ShardCommit(CommitOutcome Outcome, ShardEntry Entry);
