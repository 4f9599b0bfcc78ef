namespace Pipeline.Sharding.Manifest;

/// <summary>What committing a shard did.</summary>
public enum CommitOutcome
{
    /// <summary>The shard is now in the manifest.</summary>
    Committed,

    /// <summary>The same name with the same checksum was committed before: nothing changed (an idempotent retry).</summary>
    AlreadyCommitted,

    /// <summary>The name was committed before with different content; the first commit stays and this one was discarded.</summary>
    KeptExisting,
}
