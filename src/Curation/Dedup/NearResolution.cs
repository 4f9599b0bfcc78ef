namespace Pipeline.Curation.Dedup;

/// <summary>What one run of <see cref="NearSampleGreedy"/> decided and what it cost.</summary>
/// <param name="Drops">The dropped samples.</param>
/// <param name="Groups">Kept samples that absorbed at least one other.</param>
/// <param name="Verified">Candidate pairs compared, each once.</param>
/// <param name="Rejected">Compared pairs found to be different pictures.</param>
public sealed record NearResolution(IReadOnlyList<NearDrop> Drops, int Groups, long Verified, long Rejected);
