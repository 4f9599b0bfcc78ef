using Pipeline.Curation.Candidates;

namespace Pipeline.Curation.Matching;

/// <summary>What matching one pool partition did; stored beside its outputs as the partition's commit record.</summary>
/// <param name="Partition">The partition's name (from its file name).</param>
/// <param name="Input">The pool file.</param>
/// <param name="Candidates">Candidates read.</param>
/// <param name="Matched">Candidates with at least one matched entry (the rows of its pair file).</param>
/// <param name="Problems">Records skipped as unreadable.</param>
/// <param name="FirstProblems">The first few of those, with file, line and reason.</param>
/// <param name="Seconds">Time taken.</param>
public sealed record PartitionMatchResult(string Partition, string Input, long Candidates, long Matched, long Problems, IReadOnlyList<CandidateProblem> FirstProblems, double Seconds)
{
    /// <summary>True when the partition was already committed by an earlier run and was not redone.</summary>
    public bool Resumed { get; init; }
}
