namespace Pipeline.Curation.Matching;

/// <summary>Why a pair survived balancing.</summary>
/// <param name="Entry">The entry the pair is kept (or held in reserve) for.</param>
/// <param name="KeepProbability">The probability that a pair of that entry is kept: min(1, t / count).</param>
/// <param name="Reserve">True when the pair is a reserve, to be used only if kept pairs of its entry are lost.</param>
public sealed record BalanceDecision(int Entry, double KeepProbability, bool Reserve);
