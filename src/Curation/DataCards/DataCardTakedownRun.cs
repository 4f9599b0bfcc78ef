namespace Pipeline.Curation.DataCards;

/// <summary>One takedown run as the data card shows it.</summary>
/// <param name="Run">The run's number (its log is <c>takedown/NNNN.jsonl</c>).</param>
/// <param name="Time">When it ran (UTC).</param>
/// <param name="Removed">Samples it removed.</param>
/// <param name="Shards">Shards it rewrote.</param>
/// <param name="Selectors">Its selectors with the samples each removed (<c>domain example.com: 3</c>).</param>
/// <param name="Reason">Its reason, if given.</param>
public sealed record DataCardTakedownRun(int Run, DateTimeOffset Time, long Removed, int Shards, IReadOnlyList<string> Selectors, string? Reason);
