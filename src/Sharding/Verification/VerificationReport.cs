using Pipeline.Sharding.Leftovers;

namespace Pipeline.Sharding.Verification;

/// <summary>What <see cref="ShardVerifier"/> checked and found.</summary>
/// <param name="Shards">Shards in the manifest.</param>
/// <param name="Samples">Samples the manifest lists.</param>
/// <param name="BytesChecked">Bytes read and hashed.</param>
/// <param name="Problems">Findings, errors first.</param>
public sealed record VerificationReport(int Shards, long Samples, long BytesChecked, IReadOnlyList<ShardProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);

    /// <summary>Leftovers collected before verifying (<c>verify --clean</c>), removed or kept; empty otherwise.</summary>
    public IReadOnlyList<Leftover> Cleaned { get; init; } = [];
}
