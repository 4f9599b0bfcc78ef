namespace Pipeline.Curation.Queries;

/// <summary>Commits a partition's counts: which attempt folder holds its runs, and what it counted.</summary>
/// <param name="Attempt">The attempt folder's name inside <c>counts/</c>.</param>
/// <param name="Result">What the count did.</param>
public sealed record CountDoneRecord(string Attempt, QueryWorkResult Result);
