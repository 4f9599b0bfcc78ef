namespace Pipeline.Curation.Dedup;

/// <summary>A sample the near-duplicate step drops: the kept sample it duplicates, their hash distance and how they compared.</summary>
public readonly record struct NearDrop(long Global, long KeeperGlobal, string KeeperKey, int Distance, DuplicateVerification Verification);
