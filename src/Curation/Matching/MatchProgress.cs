namespace Pipeline.Curation.Matching;

/// <summary>Progress of matching one partition.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Candidates">Candidates matched so far.</param>
/// <param name="Matched">Of those, candidates with at least one entry.</param>
public readonly record struct MatchProgress(string Partition, long Candidates, long Matched);
