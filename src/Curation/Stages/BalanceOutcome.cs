using Pipeline.Curation.DataCards;

namespace Pipeline.Curation.Stages;

/// <summary>What a balance run wrote: the data card and the number of pairs it chose from.</summary>
public sealed record BalanceOutcome(DataCard Card, long PoolPairs, string BalancedFile);
