namespace Pipeline.Sharding.Samples;

/// <summary>
/// Why a pair is in the data set: the entries its caption matched and, once balanced, the entry it was kept for,
/// with what probability, and whether it came from the reserve. Carried from the balanced pairs into every shard.
/// </summary>
/// <param name="MatchedEntryIds">Ids of every entry whose text matched the caption.</param>
/// <param name="KeptForEntry">The entry the balancer kept (or reserved) the pair for; null when not balanced.</param>
/// <param name="KeepProbability">min(1, t / count) of that entry; null when not balanced.</param>
/// <param name="Reserve">True for a reserve pair, false for a kept one; null when not balanced.</param>
public sealed record PairLineage(IReadOnlyList<int> MatchedEntryIds, int? KeptForEntry, double? KeepProbability, bool? Reserve);
