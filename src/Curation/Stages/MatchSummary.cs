using Pipeline.Curation.Matching;

namespace Pipeline.Curation.Stages;

/// <summary>What a match run did, in <c>match-summary.json</c>; balancing starts from it.</summary>
public sealed record MatchSummary(
    string Entries, int EntryCount, bool CaseInsensitive, long Candidates, long Matched, long Problems, int EntriesMatched, long Matches, double Seconds,
    IReadOnlyList<PartitionMatchResult> Partitions);
