namespace Pipeline.Curation.Takedown;

/// <summary>What a takedown did (or, in a dry run, would do).</summary>
/// <param name="Run">The run's number: its log is <c>takedown/NNNN.jsonl</c>; 0 for a dry run.</param>
/// <param name="DryRun">Whether nothing was changed.</param>
/// <param name="Shards">Committed shards scanned.</param>
/// <param name="Samples">Samples scanned.</param>
/// <param name="ShardsRewritten">Shards that held matches and were rewritten without them (would be, in a dry run).</param>
/// <param name="Removed">Samples removed (matching, in a dry run).</param>
/// <param name="BySelector">Samples removed per selector.</param>
/// <param name="Matches">Every removed (matching) sample.</param>
/// <param name="Log">The log's path in the store; null when nothing was removed or in a dry run.</param>
public sealed record TakedownSummary(
    int Run, bool DryRun, int Shards, long Samples, int ShardsRewritten, long Removed, IReadOnlyDictionary<string, long> BySelector, IReadOnlyList<TakedownLogLine> Matches, string? Log);
