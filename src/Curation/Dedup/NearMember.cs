namespace Pipeline.Curation.Dedup;

/// <summary>A sample the near-duplicate step decides on: its position over all shards, key, original pixels and near-duplicate hash.</summary>
public readonly record struct NearMember(long Global, string Key, long Pixels, ulong Hash);
