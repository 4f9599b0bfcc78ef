namespace Pipeline.Curation.Dedup;

/// <summary>
/// Decides which samples deduplication keeps (the rule is <see cref="DuplicateResolver"/>'s); in memory, or
/// partitioned through files (<see cref="PartitionedDuplicateResolver"/>) with the same decisions.
/// </summary>
public interface IDuplicateResolver : IDisposable
{
    /// <summary>Samples added.</summary>
    long Count { get; }

    /// <summary>Distinct perceptual hashes left after the exact steps (known after <see cref="ResolveExact"/>).</summary>
    int DistinctHashCount { get; }

    /// <summary>Kept samples that absorbed at least one near duplicate (known after <see cref="ResolveNear"/>).</summary>
    int NearGroups { get; }

    /// <summary>Candidate sample pairs compared by the verifier (known after <see cref="ResolveNear"/>).</summary>
    long NearVerified { get; }

    /// <summary>Compared pairs the verifier found to be different pictures (known after <see cref="ResolveNear"/>).</summary>
    long NearRejected { get; }

    /// <summary>Adds the next shard's signatures, in manifest order.</summary>
    void AddShard(IReadOnlyList<SampleSignature> signatures);

    /// <summary>Runs the undecodable and exact steps and prepares the distinct hashes for the pair search.</summary>
    void ResolveExact();

    /// <summary>Writes the distinct hashes, ascending, as <see cref="NearPairFile.WriteHashes"/> does.</summary>
    void WriteDistinctHashes(Stream stream);

    /// <summary>Runs the near-duplicate step over the pairs of distinct hashes within the limit (indexes into the distinct hashes).</summary>
    void ResolveNear(IReadOnlyList<NearPair> pairs);

    /// <summary>Each shard's dropped samples by row, shard by shard in the order they were added.</summary>
    IEnumerable<IReadOnlyList<DedupDecision>> DecisionsByShard();
}
